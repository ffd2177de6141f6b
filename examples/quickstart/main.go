// Command quickstart shows what the warehousesync client does, in one run: it creates a Snowflake
// connection, a SQL data model and an incremental on-demand pipeline, triggers it twice (the second
// range starts where the first ended), meets a busy pipeline (ErrPipelineBusy), runs an hourly pipeline
// for a day, prints the runs and the status reports, and deletes everything it created.
//
//	go run ./examples/quickstart
//
// Without credentials in the environment it starts the embedded fake server (package
// warehousesynctest) in-process, on a fake clock that starts at a fixed time, so it finishes in a few
// seconds and prints the same thing every time. Rows "land in the warehouse" through the fake's
// SeedRecords, and the hourly day passes with the fake's Advance.
//
// With MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID and MPARTICLE_CLIENT_SECRET set (and optionally
// MPARTICLE_API_URL and MPARTICLE_TOKEN_URL) it talks to the real API through
// warehousesync.NewClientFromEnv. It then needs a Snowflake warehouse it can really read, described by
// QUICKSTART_SNOWFLAKE_ACCOUNT, _REGION, _WAREHOUSE, _DATABASE, _ROLE, _USER, _PASSWORD and
// _STORAGE_INTEGRATION, a query QUICKSTART_SQL_QUERY and its timestamp column QUICKSTART_ITERATOR_FIELD;
// it checks them before any request. Against the real API the pipeline syncs into the development
// environment, the fake-only steps (seeding rows, the hourly day) are skipped, every resource id starts
// with "wsync-quickstart-<random>-", and everything created is deleted at the end, also after a failure
// or Ctrl-C. No secret is ever printed.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run tells the story on out: against the embedded fake when env has no MPARTICLE_* credentials,
// against the real API when it has all three. It deletes what it created before it returns.
func run(ctx context.Context, out io.Writer, env func(string) string) (err error) {
	s, closeFake, err := newStory(out, env)
	if err != nil {
		return err
	}
	defer closeFake()
	defer func() {
		// A fresh context: the cleanup must run after a failure or Ctrl-C too.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if cerr := s.cleanup(cctx); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return s.tell(ctx)
}
