// Command backfill shows that a daily incremental pipeline skips no data when it is paused and resumed
// or when a run fails: the next run's range widens back to where the last successful run ended.
//
//	go run ./examples/backfill
//
// It pauses a pipeline for three days, resumes it, makes a run fail (the pipeline is faulted), clears
// the fault with an update, prints every run, and checks that the successful runs' ranges touch end to
// start and that they synced every row. It moves the clock by days, so it runs only against the
// embedded fake server (package warehousesynctest); with MPARTICLE_* credentials in the environment it
// refuses to run rather than touch a real workspace.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	ws "github.com/wsync-dev/warehousesync"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "backfill:", err)
		os.Exit(1)
	}
}

// credentialVars are the variables that would select the real API in the other examples.
var credentialVars = []string{ws.EnvWorkspaceID, ws.EnvClientID, ws.EnvClientSecret}

// run tells the story on out, against the embedded fake. It refuses when env has MPARTICLE_* credentials.
func run(ctx context.Context, out io.Writer, env func(string) string) error {
	var set []string
	for _, name := range credentialVars {
		if env(name) != "" {
			set = append(set, name)
		}
	}
	if len(set) > 0 {
		return fmt.Errorf("this example runs only against the embedded fake server, because it moves the clock by days; "+
			"%s set: unset %s to run it", strings.Join(set, ", "), strings.Join(credentialVars, ", "))
	}
	return backfill(ctx, out)
}
