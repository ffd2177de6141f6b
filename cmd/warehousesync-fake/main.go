// Command warehousesync-fake serves the fake Warehouse Sync API of package warehousesynctest as a
// standalone server, for trying the API with curl or testing programs in other languages.
//
// Usage:
//
//	warehousesync-fake [flags]
//
// Every flag can also be set by an environment variable: WAREHOUSESYNC_FAKE_ and the flag's name in
// capitals with - as _ (for example WAREHOUSESYNC_FAKE_CLIENT_SECRET for -client-secret, which keeps the
// secret out of the process list). A flag on the command line wins over its variable. -h lists them.
//
// On start it prints the API URL, the token URL, the workspace and the credentials. The client secret is
// printed only when it is the fake's default throwaway secret; a secret given by flag or variable is
// never printed. On an address other than loopback it requires an admin token (-admin-token) and warns
// that the fake is reachable from other machines. It stops cleanly on SIGINT or SIGTERM. GET /_fake/
// lists the admin endpoints, which control the clock, faults and records; see docs/fake.md. GET
// /_fake/openapi.yaml serves the OpenAPI description of the API, to generate a client or validate
// traffic in any language.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// defaultAddr is where the binary listens unless -addr says otherwise.
const defaultAddr = "127.0.0.1:8080"

// envPrefix starts the name of the environment variable of every flag.
const envPrefix = "WAREHOUSESYNC_FAKE_"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0) // -h printed the usage; asking for help is not an error
	case err != nil:
		fmt.Fprintln(os.Stderr, "warehousesync-fake:", err)
		os.Exit(1)
	}
}

// description is the start of the -h text.
const description = `warehousesync-fake serves a fake of the mParticle Warehouse Sync API v2: the workspace API under
/platform/v2/workspaces/{id}/, the OAuth token endpoint POST /oauth/token, and admin endpoints under
/_fake/ that move its clock, inject faults, seed records and show the requests received (GET /_fake/
lists them; GET /_fake/openapi.yaml is the API's OpenAPI description). State lives in memory, or
with -state in a file that survives a crash.

Every flag can also be set by an environment variable: ` + envPrefix + ` and the flag's name in
capitals with - as _, for example ` + envPrefix + `CLIENT_SECRET. A flag given on the command line
wins over its variable.

Flags:
`

// recordLimits is the -record-limit flag: frequency=n pairs, separated by commas or given again.
type recordLimits map[ws.Frequency]int64

func (r recordLimits) String() string {
	parts := make([]string, 0, len(r))
	for f, n := range r {
		name := string(f)
		if f == "" {
			name = "once"
		}
		parts = append(parts, name+"="+strconv.FormatInt(n, 10))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (r recordLimits) Set(v string) error {
	for _, pair := range strings.Split(v, ",") {
		name, count, found := strings.Cut(strings.TrimSpace(pair), "=")
		n, err := strconv.ParseInt(count, 10, 64)
		if !found || err != nil || n < 0 {
			return fmt.Errorf("%q must be frequency=records, such as hourly=1000", pair)
		}
		switch f := ws.Frequency(name); f {
		case ws.FrequencyHourly, ws.FrequencyDaily, ws.FrequencyWeekly, ws.FrequencyMonthly:
			r[f] = n
		case "once":
			r[""] = n
		default:
			return fmt.Errorf("%q: the frequency must be hourly, daily, weekly, monthly or once (once and on-demand runs)", name)
		}
	}
	return nil
}

// settings are the flags of one run.
type settings struct {
	strictSettings                                      // flags.go
	addr, workspace, clientID, clientSecret, adminToken string
	clock, start                                        string
	autoAdvance                                         bool
	attemptDuration, retryDelay, tokenTTL               time.Duration
	retries                                             int
	recordLimits                                        recordLimits
	state                                               string // -state: the durable state file
}

// parseFlags reads args, then the environment (through getenv) for every flag args did not set.
func parseFlags(args []string, getenv func(string) string, out io.Writer) (*settings, error) {
	st := &settings{recordLimits: recordLimits{}}
	fs := flag.NewFlagSet("warehousesync-fake", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), description)
		fs.PrintDefaults()
	}
	strictFlags(fs, &st.strictSettings) // flags.go
	fs.StringVar(&st.addr, "addr", defaultAddr, "listen address (port 0 picks a free port); other than loopback needs -admin-token")
	fs.StringVar(&st.workspace, "workspace", warehousesynctest.DefaultWorkspaceID, "default workspace id (see -workspaces for more)")
	fs.StringVar(&st.clientID, "client-id", warehousesynctest.DefaultClientID, "client id the token endpoint accepts")
	fs.StringVar(&st.clientSecret, "client-secret", "", "client secret the token endpoint accepts; prefer the variable (default: the fake's throwaway secret "+warehousesynctest.DefaultClientSecret+", printed on start)")
	fs.StringVar(&st.adminToken, "admin-token", "", "token the admin endpoints require as Authorization: Bearer <token>; required on an address other than loopback")
	fs.StringVar(&st.clock, "clock", "real", "clock: real (runs progress on their own) or manual (moved with POST /_fake/clock/advance)")
	fs.StringVar(&st.start, "start", "", "start time of the manual clock, RFC 3339 (default 2025-01-01T00:00:00Z)")
	fs.BoolVar(&st.autoAdvance, "auto-advance", false, "manual clock: polling a run or report of a running pipeline jumps to its next event")
	fs.DurationVar(&st.attemptDuration, "attempt-duration", time.Minute, "how long one attempt of a run lasts (on the real clock: of wall time); must be positive")
	fs.IntVar(&st.retries, "retries", 2, "how many times a failed attempt is retried")
	fs.DurationVar(&st.retryDelay, "retry-delay", 5*time.Minute, "wait between a failed attempt and its retry")
	fs.DurationVar(&st.tokenTTL, "token-ttl", warehousesynctest.DefaultTokenTTL, "lifetime of an access token")
	fs.StringVar(&st.state, "state", "", "file that holds the state: loaded at start, written durably after every acknowledged change (default: state in memory only)")
	fs.Var(st.recordLimits, "record-limit", "most records one run may sync, as frequency=n[,frequency=n] with frequency hourly, daily, weekly, monthly or once (default: no limit)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		// Not quoted: a stray argument is often a value meant for a flag (-admin-token= TOKEN).
		return nil, fmt.Errorf("%d unexpected arguments after the flags, starting with argument %d (not shown: it may be "+
			"a value meant for a flag, such as -admin-token=VALUE with no space); -h lists the flags", fs.NArg(), len(args)-fs.NArg()+1)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && !given[f.Name] {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	return st, errors.Join(errs...)
}

// options turns the settings into the Server's options.
func (st *settings) options(secret string) ([]warehousesynctest.Option, error) {
	if st.retries < 0 {
		return nil, fmt.Errorf("-retries must be 0 or more, got %d", st.retries)
	}
	if st.attemptDuration <= 0 {
		return nil, fmt.Errorf("-attempt-duration must be positive (for example 1s), got %s", st.attemptDuration)
	}
	strict, err := st.strictSettings.options()
	if err != nil {
		return nil, err
	}
	opts := []warehousesynctest.Option{
		warehousesynctest.WithAddr(st.addr),
		warehousesynctest.WithWorkspace(st.workspace),
		warehousesynctest.WithCredentials(st.clientID, secret),
		warehousesynctest.WithAttemptDuration(st.attemptDuration),
		warehousesynctest.WithRetries(st.retries),
		warehousesynctest.WithRetryDelay(st.retryDelay),
		warehousesynctest.WithTokenTTL(st.tokenTTL),
	}
	opts = append(opts, strict...)
	for f, n := range st.recordLimits {
		opts = append(opts, warehousesynctest.WithRecordLimit(f, n))
	}
	if st.adminToken != "" {
		opts = append(opts, warehousesynctest.WithAdminToken(st.adminToken))
	}
	switch st.clock {
	case "real":
		if st.start != "" || st.autoAdvance {
			return nil, errors.New("-start and -auto-advance need -clock manual")
		}
		opts = append(opts, warehousesynctest.WithRealTimeClock())
	case "manual":
		if st.start != "" {
			t, err := time.Parse(time.RFC3339Nano, st.start)
			if err != nil {
				return nil, fmt.Errorf("-start %q is not an RFC 3339 timestamp (for example 2025-01-01T00:00:00Z)", st.start)
			}
			opts = append(opts, warehousesynctest.WithStartTime(t))
		}
		if st.autoAdvance {
			opts = append(opts, warehousesynctest.WithAutoAdvance())
		}
	default:
		return nil, fmt.Errorf("-clock must be real or manual, got %q", st.clock)
	}
	return opts, nil
}

// loopbackHost reports whether the host of a listen address is a loopback IP or localhost; an empty
// host (":8080") listens on every interface.
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// run starts the fake with the flags in args and the environment variables getenv reads, reports on
// stdout (warnings on stderr), and serves until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	st, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	secret, printSecret := st.clientSecret, false
	if secret == "" {
		secret, printSecret = warehousesynctest.DefaultClientSecret, true
	}
	loopback := loopbackHost(st.addr)
	if !loopback && st.adminToken == "" {
		return fmt.Errorf("-addr %s is not a loopback address: anyone who reaches it could drive the admin API; "+
			"give an admin token with %sADMIN_TOKEN (or -admin-token)", st.addr, envPrefix)
	}
	opts, err := st.options(secret)
	if err != nil {
		return err
	}
	srv, err := startWithState(st.state, opts)
	if err != nil {
		return err
	}
	if !loopback {
		fmt.Fprintf(stderr, "warning: listening on %s, reachable from other machines: the admin endpoints need the "+
			"admin token, the API needs a token for the client id and secret", st.addr)
		if printSecret {
			fmt.Fprintf(stderr, ", which are the fake's public defaults; set %sCLIENT_SECRET", envPrefix)
		}
		fmt.Fprintln(stderr)
	}
	shownSecret := "(as given with -client-secret or " + envPrefix + "CLIENT_SECRET)"
	if printSecret {
		shownSecret = secret
	}
	fmt.Fprintf(stdout, "Warehouse Sync fake API: %s/platform/v2/workspaces/%s\n", srv.URL(), st.workspace)
	fmt.Fprintf(stdout, "API URL:       %s\n", srv.URL())
	fmt.Fprintf(stdout, "Token URL:     %s\n", srv.TokenURL())
	fmt.Fprintf(stdout, "Workspace:     %s\n", st.workspace)
	fmt.Fprintf(stdout, "Client ID:     %s\n", st.clientID)
	fmt.Fprintf(stdout, "Client secret: %s\n", shownSecret)
	fmt.Fprintf(stdout, "Clock:         %s, now %s\n", st.clock, srv.Now().Format(time.RFC3339))
	fmt.Fprintf(stdout, "OpenAPI:       %s/_fake/openapi.yaml (the API's description, for clients in other languages)\n", srv.URL())
	fmt.Fprintf(stdout, "Admin:         %s/_fake/ (lists the admin endpoints: clock, faults, requests, reset)\n", srv.URL())

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}
