package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// The exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan: there are changes
	exitRunFail = 3 // trigger --wait, runs watch: the run failed or was stopped
)

// exitCode is an error that ends wsync with a code; err may be nil (the output said everything).
type exitCode struct {
	code int
	err  error
}

func (e *exitCode) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCode) Unwrap() error { return e.err }

// app is one invocation of wsync: its environment, global flags and the fake it started.
type app struct {
	env       Env
	fake      bool
	fakeSeed  []string
	workspace string
	noColor   bool

	warned map[string]bool // variables --fake replaced by placeholders

	srv     *warehousesynctest.Server // the fake, once started
	ownsSrv bool

	onTick func() // called by pause between steps of a wait: the live line's redraw
}

// Main runs wsync with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	a := &app{env: env, warned: map[string]bool{}}
	defer a.close()
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(orEmpty(env.Stdin))
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ec *exitCode
	if errors.As(err, &ec) {
		if ec.err != nil {
			printError(env.Stderr, ec.err)
		}
		return ec.code
	}
	printError(env.Stderr, err)
	return exitError
}

// maxErrorText bounds an error as wsync prints it, in bytes (an error can quote a server's answer).
const maxErrorText = 64 << 10

// printError writes err after "Error:", each of its lines escaped (safeText): an error can hold text
// from a server, a file or a flag, none of which may move the cursor or rewrite the terminal.
func printError(w io.Writer, err error) {
	text := err.Error()
	if len(text) > maxErrorText {
		text = strings.ToValidUTF8(text[:maxErrorText], "") + fmt.Sprintf("… (%d bytes more)", len(text)-maxErrorText)
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = safeText(l)
	}
	fmt.Fprintln(w, "Error:", strings.Join(lines, "\n"))
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}

func (a *app) close() {
	if a.ownsSrv && a.srv != nil {
		a.srv.Close()
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "wsync",
		Short: "Manage mParticle Warehouse Sync as code",
		Long: `wsync plans and applies Warehouse Sync connections, data models and pipelines from YAML
files, lists, exports and deletes them, and triggers and watches pipeline runs.

Credentials come from MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID and MPARTICLE_CLIENT_SECRET
(MPARTICLE_API_URL and MPARTICLE_TOKEN_URL change the addresses). With --fake every command runs
against an in-process fake server that starts empty, needing no credentials.`,
		Example: `  # Preview and apply the example file against the in-process fake
  wsync --fake plan -f examples/apply/
  wsync --fake apply -f examples/apply/

  # Against a real workspace
  export MPARTICLE_WORKSPACE_ID=12345 MPARTICLE_CLIENT_ID=… MPARTICLE_CLIENT_SECRET=…
  wsync list pipelines`,
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true,
		},
	}
	pf := root.PersistentFlags()
	pf.BoolVar(&a.fake, "fake", false, "run against an in-process fake server (starts empty; no credentials)")
	pf.StringArrayVar(&a.fakeSeed, "fake-seed", nil, "with --fake, first apply this file or directory to the fake (repeatable)")
	pf.StringVar(&a.workspace, "workspace", "", "workspace id (default: $MPARTICLE_WORKSPACE_ID, or 12345 with --fake)")
	pf.BoolVar(&a.noColor, "no-color", false, "never colour the output (NO_COLOR in the environment does the same)")
	root.AddCommand(a.validateCmd(), a.planCmd(), a.applyCmd(), a.getCmd("get"), a.getCmd("list"), a.exportCmd(), a.deleteCmd(),
		a.triggerCmd(), a.runsCmd(), a.reportCmd(), a.schemaCmd(), a.completionCmd())
	return root
}

// client returns a client for the chosen workspace: of the fake with --fake, else from the environment.
func (a *app) client(ctx context.Context) (*ws.Client, error) {
	if a.fake {
		return a.fakeClient(ctx)
	}
	if len(a.fakeSeed) > 0 {
		return nil, errors.New("--fake-seed needs --fake")
	}
	// NewClientFromEnv reads wsync's environment (the Env's LookupEnv), --workspace overriding the
	// workspace variable.
	lookup := func(k string) (string, bool) {
		if k == ws.EnvWorkspaceID && a.workspace != "" {
			return a.workspace, true
		}
		return a.env.lookup(k)
	}
	for _, name := range []string{ws.EnvAPIURL, ws.EnvTokenURL} {
		if v, set := lookup(name); set && v != "" {
			if err := checkURL(name, v); err != nil {
				return nil, err
			}
		}
	}
	c, err := ws.NewClientFromEnv(ws.WithLookupEnv(lookup), ws.WithUserAgent("wsync"), ws.WithPollWait(a.pause))
	if err != nil {
		return nil, fmt.Errorf("%w (--workspace gives the workspace; --fake tries wsync against an in-process fake)", err)
	}
	return c, nil
}

// checkURL accepts an http or https URL with a host and without user info; its errors name the
// variable, never the URL: user info holds a password, and a parse error quotes the whole URL.
func checkURL(name, s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("%s: must be an http:// or https:// URL with a host", name)
	case u.User != nil:
		return fmt.Errorf("%s: must not hold a user or password (user@ or user:password@): wsync signs in with %s and %s",
			name, ws.EnvClientID, ws.EnvClientSecret)
	}
	return nil
}

// fakeClient starts the fake (once), seeds it and returns a client for it.
func (a *app) fakeClient(ctx context.Context) (*ws.Client, error) {
	if a.srv == nil {
		if a.env.Fake != nil {
			a.srv = a.env.Fake
		} else {
			srv, err := warehousesynctest.Start(warehousesynctest.WithAutoAdvance())
			if err != nil {
				return nil, fmt.Errorf("starting the fake: %w", err)
			}
			a.srv, a.ownsSrv = srv, true
		}
	}
	if a.workspace != "" && a.workspace != a.srv.WorkspaceID() {
		return nil, fmt.Errorf("--workspace %s: the fake serves workspace %s only", a.workspace, a.srv.WorkspaceID())
	}
	// The fake's own client options: its address, credentials and fast retries.
	c, err := a.srv.NewClient(ws.WithUserAgent("wsync"), ws.WithPollWait(a.pause))
	if err != nil {
		return nil, err
	}
	if len(a.fakeSeed) > 0 {
		seed := a.fakeSeed
		a.fakeSeed = nil // once
		d, err := a.load(seed, loadOptions{allowLiteral: true})
		if err != nil {
			return nil, fmt.Errorf("--fake-seed: %w", err)
		}
		p, err := apply.MakePlan(ctx, c, d, apply.Options{})
		if err != nil {
			return nil, fmt.Errorf("--fake-seed: %w", err)
		}
		if _, err := apply.Apply(ctx, c, p, nil); err != nil {
			return nil, fmt.Errorf("--fake-seed: %w", err)
		}
	}
	return c, nil
}

// workspaceName is the workspace the commands act on, for headings.
func (a *app) workspaceName() string {
	switch {
	case a.workspace != "":
		return a.workspace
	case a.fake && a.srv != nil:
		return a.srv.WorkspaceID() + " (fake)"
	default:
		return a.env.getenv(ws.EnvWorkspaceID)
	}
}

// confirm asks question, unless yes, and reports whether the answer was "yes". It asks whenever
// standard input is a terminal, on standard error (standard output may be a file or a pipe). Without a
// terminal it does not ask: a destructive action is then refused (an error naming --yes) and any other
// goes ahead. An interrupt (ctx ending) while waiting for the answer is a "no".
func (a *app) confirm(ctx context.Context, yes, destructive bool, question string) (bool, error) {
	if yes {
		return true, nil
	}
	if !a.env.StdinIsTerminal {
		if destructive {
			return false, errors.New("this deletes resources and standard input is not a terminal to ask on: pass --yes to confirm")
		}
		return true, nil
	}
	fmt.Fprint(a.env.Stderr, question+" Only 'yes' is accepted: ")
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(io.LimitReader(orEmpty(a.env.Stdin), 1024)).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.env.Stderr)
		return false, nil
	case line := <-answer:
		return strings.TrimSpace(line) == "yes", nil
	}
}

// colours reports whether output is coloured: on a terminal, unless --no-color or NO_COLOR.
func (a *app) colours() bool {
	if !a.env.StdoutIsTerminal || a.noColor {
		return false
	}
	_, set := a.env.lookup("NO_COLOR")
	return !set
}

// colour wraps s in an ANSI colour on a terminal, unless colours are off.
func (a *app) colour(code, s string) string {
	if !a.colours() {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// The colours.
const (
	green  = "32"
	yellow = "33"
	red    = "31"
	bold   = "1"
)
