// Command warehousesync-fake serves the fake Warehouse Sync API of package warehousesynctest as a
// standalone server, for trying the API with curl or testing programs in other languages.
//
// Usage:
//
//	warehousesync-fake [-addr 127.0.0.1:8080] [-workspace 12345] [-client-id ID] [-client-secret SECRET]
//	                   [-clock real|manual] [-start 2025-01-01T00:00:00Z] [-auto-advance]
//
// On start it prints the API URL, the token URL, the workspace and the credentials. The client secret is
// printed only when it is the fake's default throwaway secret; a secret given with -client-secret is
// never printed. It stops cleanly on SIGINT or SIGTERM. The admin endpoints under /_fake/ control the
// clock, faults and records; see docs/fake.md. GET /_fake/openapi.yaml serves the OpenAPI description
// of the API, to generate a client or validate traffic in any language.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "warehousesync-fake:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run starts the fake with the flags in args, reports on out, and serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("warehousesync-fake", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", warehousesynctest.DefaultAddr, "listen address (port 0 picks a free port)")
	workspace := fs.String("workspace", warehousesynctest.DefaultWorkspace, "default workspace id (every workspace id works)")
	clientID := fs.String("client-id", warehousesynctest.DefaultClientID, "client id the token endpoint accepts")
	clientSecret := fs.String("client-secret", "", "client secret the token endpoint accepts (default: the fake's throwaway secret, printed on start)")
	clockMode := fs.String("clock", "real", "clock: real (runs progress on their own) or manual (moved with POST /_fake/clock/advance)")
	start := fs.String("start", "", "start time of the manual clock, RFC 3339 (default 2025-01-01T00:00:00Z)")
	autoAdvance := fs.Bool("auto-advance", false, "manual clock: polling a run or report of a running pipeline jumps to its next event")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	secret, printSecret := *clientSecret, false
	if secret == "" {
		secret, printSecret = warehousesynctest.DefaultClientSecret, true
	}
	opts := []warehousesynctest.Option{
		warehousesynctest.WithAddr(*addr),
		warehousesynctest.WithWorkspace(*workspace),
		warehousesynctest.WithCredentials(*clientID, secret),
	}
	switch *clockMode {
	case "real":
		if *start != "" || *autoAdvance {
			return fmt.Errorf("-start and -auto-advance need -clock manual")
		}
		opts = append(opts, warehousesynctest.WithRealTimeClock())
	case "manual":
		if *start != "" {
			t, err := time.Parse(time.RFC3339Nano, *start)
			if err != nil {
				return fmt.Errorf("-start %q is not an RFC 3339 timestamp (for example 2025-01-01T00:00:00Z)", *start)
			}
			opts = append(opts, warehousesynctest.WithStartTime(t))
		}
		if *autoAdvance {
			opts = append(opts, warehousesynctest.WithAutoAdvance())
		}
	default:
		return fmt.Errorf("-clock must be real or manual, got %q", *clockMode)
	}

	srv, err := warehousesynctest.Start(opts...)
	if err != nil {
		return err
	}
	shownSecret := "(as given with -client-secret)"
	if printSecret {
		shownSecret = secret
	}
	fmt.Fprintf(out, "Warehouse Sync fake API: %s/platform/v2/workspaces/%s\n", srv.URL(), *workspace)
	fmt.Fprintf(out, "API URL:       %s\n", srv.URL())
	fmt.Fprintf(out, "Token URL:     %s\n", srv.TokenURL())
	fmt.Fprintf(out, "Workspace:     %s\n", *workspace)
	fmt.Fprintf(out, "Client ID:     %s\n", *clientID)
	fmt.Fprintf(out, "Client secret: %s\n", shownSecret)
	fmt.Fprintf(out, "Clock:         %s, now %s\n", *clockMode, srv.Now().Format(time.RFC3339))
	fmt.Fprintf(out, "OpenAPI:       %s/_fake/openapi.yaml (the API's description, for clients in other languages)\n", srv.URL())
	fmt.Fprintf(out, "Admin:         %s/_fake/ (clock, faults, requests, reset)\n", srv.URL())

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintln(out, "stopped")
	return nil
}
