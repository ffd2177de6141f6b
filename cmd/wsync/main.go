// Command wsync manages mParticle Warehouse Sync as code: plan and apply connections, data models and
// pipelines from YAML files, list, export and delete them, trigger runs and watch them from a terminal.
//
//	wsync --fake plan -f examples/apply/
//	wsync apply -f warehouse.yaml
//	wsync trigger users-hourly --wait
//
// Credentials come from the environment, as warehousesync.NewClientFromEnv reads them
// (MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID, MPARTICLE_CLIENT_SECRET and optionally
// MPARTICLE_API_URL, MPARTICLE_TOKEN_URL); --fake runs against an in-process fake instead. See
// docs/wsync.md for every command, the file format and the exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"time"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	width, _, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil {
		width = 0
	}
	code := Main(ctx, os.Args[1:], Env{
		Width:            width,
		Stdin:            os.Stdin,
		Stdout:           os.Stdout,
		Stderr:           os.Stderr,
		LookupEnv:        os.LookupEnv,
		StdinIsTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutIsTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		Now:              time.Now,
	})
	stop()
	os.Exit(code)
}
