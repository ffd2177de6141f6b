package main

import (
	"context"
	"io"
	"time"

	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// Env is everything wsync takes from its process, so the command tree runs in-process in tests.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// LookupEnv reads an environment variable (os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// StdinIsTerminal and StdoutIsTerminal say whether to ask before changing and whether to draw a
	// live status line and colours.
	StdinIsTerminal, StdoutIsTerminal bool
	// Width is the terminal's width in columns, to keep the live status line on one line (0: unknown).
	Width int
	// Now is the wall clock, for elapsed times (time.Now when nil).
	Now func() time.Time
	// Sleep waits d or until ctx ends, between two polls (a timer when nil).
	Sleep func(ctx context.Context, d time.Duration) error
	// Fake, when set, is the server --fake uses instead of starting one; it is not closed.
	Fake *warehousesynctest.Server
}

// lookup reads the variable name; every variable is unset when LookupEnv is nil.
func (e *Env) lookup(name string) (string, bool) {
	if e.LookupEnv == nil {
		return "", false
	}
	return e.LookupEnv(name)
}

// getenv returns the variable name, "" when unset.
func (e *Env) getenv(name string) string {
	v, _ := e.lookup(name)
	return v
}

func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Env) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
