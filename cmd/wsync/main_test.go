package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// example is the README's apply file.
const example = "../../examples/apply/"

// result is what one invocation of wsync gave.
type result struct {
	code           int
	stdout, stderr string
}

// harness runs the real command tree in-process against one fake.
type harness struct {
	t        *testing.T
	srv      *warehousesynctest.Server
	vars     map[string]string
	stdin    string
	terminal bool
	width    int
	mu       sync.Mutex
	clock    time.Time
	// sleep, when set, is the Env's Sleep (else one that returns at once).
	sleep func(ctx context.Context, d time.Duration) error
}

// newStillHarness is newHarness with a fake whose clock moves only when wsync sleeps: by the time it
// sleeps, so a run stays in progress between polls.
func newStillHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.srv = warehousesynctest.NewServer(t)
	h.sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return h.srv.Advance(d)
	}
	return h
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return &harness{
		t:     t,
		srv:   warehousesynctest.NewServer(t, warehousesynctest.WithAutoAdvance()),
		vars:  map[string]string{"SNOWFLAKE_PASSWORD": "sf-Secret-1", "REDSHIFT_PASSWORD": "rs-Secret-2"},
		clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// now is a wall clock that moves one second per reading, so elapsed times are deterministic.
func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = h.clock.Add(time.Second)
	return h.clock
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	var out, errOut bytes.Buffer
	sleep := h.sleep
	if sleep == nil {
		sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	}
	code := Main(context.Background(), append([]string{"--fake"}, args...), Env{
		Stdin:  strings.NewReader(h.stdin),
		Stdout: &out, Stderr: &errOut,
		LookupEnv: func(k string) (string, bool) {
			v, ok := h.vars[k]
			return v, ok
		},
		StdinIsTerminal: h.terminal, StdoutIsTerminal: h.terminal, Width: h.width,
		Now:   h.now,
		Sleep: sleep,
		Fake:  h.srv,
	})
	res := result{code: code, stdout: out.String(), stderr: errOut.String()}
	for _, secret := range []string{"sf-Secret-1", "rs-Secret-2"} {
		assert.NotContains(h.t, res.stdout+res.stderr, secret, "a secret was printed")
	}
	return res
}

// must runs args and requires exit code want.
func (h *harness) must(want int, args ...string) result {
	h.t.Helper()
	res := h.run(args...)
	require.Equal(h.t, want, res.code, "wsync %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.stdout, res.stderr)
	return res
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./cmd/wsync -update to create it")
	assert.Equal(t, string(want), got, "output differs from %s (go test ./cmd/wsync -update rewrites it)", path)
}

func TestListTable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	golden(t, "list_pipelines.golden", h.must(exitOK, "list", "pipelines").stdout)
	golden(t, "list_connections.golden", h.must(exitOK, "get", "connections").stdout)
}

func TestPlanEveryKindOfChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", "testdata/seed.yaml")
	res := h.must(exitChanges, "plan", "-f", "testdata/changed.yaml", "--prune")
	golden(t, "plan_every_change.golden", res.stdout)

	refused := h.must(exitError, "apply", "-f", "testdata/changed.yaml", "--prune")
	assert.Contains(t, refused.stderr, "standard input is not a terminal to ask on: pass --yes")
	applied := h.must(exitOK, "apply", "-f", "testdata/changed.yaml", "--prune", "--yes")
	assert.Contains(t, applied.stdout, "Planned again on the fake: no changes")
	assert.Equal(t, exitOK, h.must(exitOK, "plan", "-f", "testdata/changed.yaml", "--prune").code)
}

func TestPlanExitCodes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitChanges, "plan", "-f", example)
	h.must(exitOK, "apply", "-f", example)
	res := h.must(exitOK, "plan", "-f", example)
	assert.Equal(t, "No changes: workspace 12345 (fake) matches the files (4 resources).\n", res.stdout)
	res = h.must(exitError, "plan", "-f", "testdata/missing.yaml")
	assert.Contains(t, res.stderr, "testdata/missing.yaml")
}

func TestTriggerFailingRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	require.NoError(t, h.srv.DefaultWorkspace().FailNextRuns("users-hourly", 1, "warehouse query timed out"))
	res := h.must(exitRunFail, "trigger", "users-hourly", "--wait")
	golden(t, "trigger_failed.golden", res.stdout)
}

func TestTriggerProgressLineOnTerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	require.NoError(t, h.srv.DefaultWorkspace().FailNextAttempts("users-hourly", 1, "warehouse busy"))
	h.terminal = true
	h.vars["NO_COLOR"] = "1"
	res := h.must(exitOK, "trigger", "users-hourly", "--wait")
	golden(t, "trigger_terminal.golden", res.stdout)
	assert.Contains(t, res.stdout, "\r\x1b[Krun 2 retrying  ", "the live line is redrawn in place")
	assert.Contains(t, res.stdout, "  range 2025-01-01T00:00:00.000Z → ")
	assert.NotContains(t, res.stdout, "\nrun 2 retrying", "on a terminal, statuses do not scroll")
}

func TestProgressLineFitsTheTerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	h.terminal, h.width = true, 40
	res := h.must(exitOK, "trigger", "users-hourly", "--wait")
	before, _, _ := strings.Cut(res.stdout, "Run 2 of")
	draws := strings.Split(before, "\r\x1b[K")
	require.Greater(t, len(draws), 2, "%q", res.stdout)
	for _, d := range draws[1:] {
		plain := strings.NewReplacer("\x1b[32m", "", "\x1b[33m", "", "\x1b[0m", "").Replace(d)
		assert.Less(t, len([]rune(plain)), 40, "%q", plain)
	}
	assert.Contains(t, res.stdout, "\x1b[32msuccess\x1b[0m", "coloured on a terminal")
}

func TestColourOnlyOnTerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	assert.NotContains(t, h.must(exitChanges, "plan", "-f", example).stdout, "\x1b[")
	h.terminal = true
	assert.Contains(t, h.must(exitChanges, "plan", "-f", example).stdout, "\x1b[32m+\x1b[0m")
	assert.NotContains(t, h.must(exitChanges, "--no-color", "plan", "-f", example).stdout, "\x1b[")
}

func TestApplyAsksOnTerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.terminal, h.vars["NO_COLOR"] = true, "1"
	h.stdin = "no\n"
	res := h.must(exitError, "apply", "-f", example)
	assert.Contains(t, res.stderr, "Apply these changes? Only 'yes' is accepted: ")
	assert.Contains(t, res.stdout, "Apply cancelled; nothing changed.")
	h.terminal = false
	h.must(exitChanges, "plan", "-f", example) // nothing was created
	h.terminal, h.stdin = true, "yes\n"
	assert.Contains(t, h.must(exitOK, "apply", "-f", example).stdout, "Apply complete: 4 created")
}

// runWith runs wsync against h's fake with stdin and the terminal flags given, under ctx.
func (h *harness) runWith(ctx context.Context, stdin io.Reader, stdinTerminal, stdoutTerminal bool, args ...string) result {
	var out, errOut bytes.Buffer
	code := Main(ctx, append([]string{"--fake"}, args...), Env{
		Stdin: stdin, Stdout: &out, Stderr: &errOut,
		LookupEnv: func(k string) (string, bool) {
			v, ok := h.vars[k]
			return v, ok
		},
		StdinIsTerminal: stdinTerminal, StdoutIsTerminal: stdoutTerminal,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		Fake:  h.srv,
	})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// TestDestructiveActionsAskWheneverStdinIsATerminal: apply --prune | tee still asks (stdin is the
// terminal), on stderr; without a terminal a delete needs --yes; creates alone need nothing.
func TestDestructiveActionsAskWheneverStdinIsATerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", "testdata/seed.yaml")
	ctx := context.Background()

	res := h.runWith(ctx, strings.NewReader("no\n"), true, false, "apply", "-f", "testdata/changed.yaml", "--prune")
	assert.Equal(t, exitError, res.code)
	assert.Contains(t, res.stderr, "Apply these changes? Only 'yes' is accepted:")
	assert.Contains(t, res.stdout, "Apply cancelled; nothing changed.")

	res = h.runWith(ctx, strings.NewReader("yes\n"), false, false, "apply", "-f", "testdata/changed.yaml", "--prune")
	assert.Equal(t, exitError, res.code)
	assert.Contains(t, res.stderr, "pass --yes")
	h.must(exitChanges, "plan", "-f", "testdata/changed.yaml", "--prune") // nothing was deleted

	res = h.runWith(ctx, strings.NewReader(""), true, false, "delete", "connections", "redshift-old")
	assert.Equal(t, exitError, res.code)
	assert.Contains(t, res.stdout, "Delete cancelled.")
	res = h.runWith(ctx, strings.NewReader(""), false, true, "delete", "connections", "redshift-old")
	assert.Equal(t, exitError, res.code, "a terminal on stdout alone is not one to ask on")
	assert.Contains(t, res.stderr, "pass --yes")
}

// TestInterruptAtAPromptCancels: Ctrl-C while wsync waits for an answer cancels; the next line typed
// is not read as the answer.
func TestInterruptAtAPromptCancels(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", "testdata/seed.yaml")
	stdin, typing := io.Pipe()
	t.Cleanup(func() { typing.Close() })
	ctx, interrupt := context.WithCancel(context.Background())
	done := make(chan result, 1)
	prompted := &promptWatcher{seen: make(chan struct{})}
	go func() {
		var out bytes.Buffer
		code := Main(ctx, []string{"--fake", "delete", "pipelines", "users-hourly"}, Env{
			Stdin: stdin, Stdout: &out, Stderr: prompted, StdinIsTerminal: true, Fake: h.srv,
		})
		done <- result{code: code, stdout: out.String()}
	}()
	<-prompted.seen
	interrupt()
	res := <-done
	assert.Equal(t, exitError, res.code)
	assert.Contains(t, res.stdout, "Delete cancelled.")
	h.must(exitOK, "report", "users-hourly") // not deleted
}

// promptWatcher is a stderr that closes seen once wsync has asked its question.
type promptWatcher struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan struct{}
}

func (p *promptWatcher) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	had := strings.Contains(p.buf.String(), "accepted: ")
	p.buf.Write(b)
	if !had && strings.Contains(p.buf.String(), "accepted: ") {
		close(p.seen)
	}
	return len(b), nil
}

func TestExportRoundTripsIntoApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	h.vars["SNOWFLAKE_PROD_PASSWORD"] = "sf-Secret-1"
	for _, format := range []string{"yaml", "json"} {
		dir := t.TempDir()
		for _, kind := range []string{"connections", "models", "pipelines"} {
			out := h.must(exitOK, "get", kind, "-o", format).stdout
			require.NoError(t, os.WriteFile(filepath.Join(dir, kind+"."+format), []byte(out), 0o644))
		}
		conns, err := os.ReadFile(filepath.Join(dir, "connections."+format))
		require.NoError(t, err)
		assert.Contains(t, string(conns), "${SNOWFLAKE_PROD_PASSWORD}", "a secret is exported as a reference")
		assert.NotContains(t, string(conns), "created_on")
		res := h.must(exitOK, "plan", "-f", dir, "--prune", "--prune-all")
		assert.Contains(t, res.stdout, "No changes", format)
	}
}

func TestLiteralSecretIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "literal.yaml")
	body, err := os.ReadFile(filepath.Join(example, "warehouse.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, bytes.ReplaceAll(body, []byte("${SNOWFLAKE_PASSWORD}"), []byte("sf-Secret-1")), 0o644))
	res := h.must(exitError, "plan", "-f", file)
	assert.Contains(t, res.stderr, file+":22:7: connection snowflake-prod: config.password: is a secret written in the file")
	res = h.must(exitChanges, "plan", "-f", file, "--allow-literal-secrets")
	assert.Contains(t, res.stdout, "config.password = (sensitive)")
}

func TestUnsetVariableWithoutFake(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"plan", "-f", example}, Env{Stdout: &out, Stderr: &errOut,
		LookupEnv: func(string) (string, bool) { return "", false }})
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut.String(), "config.password: environment variable SNOWFLAKE_PASSWORD is not set")

	code = Main(context.Background(), []string{"list", "pipelines"}, Env{Stdout: &out, Stderr: &errOut,
		LookupEnv: func(string) (string, bool) { return "", false }})
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut.String(), "environment variables MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID, MPARTICLE_CLIENT_SECRET are not set (--workspace gives the workspace")
}

// TestClientFromWsyncsEnvironment: without --fake, wsync builds its client with NewClientFromEnv over
// its own environment (not the process's), so the addresses and credentials of the variables are used.
func TestClientFromWsyncsEnvironment(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t)
	id, secret := srv.Credentials()
	vars := map[string]string{ws.EnvAPIURL: srv.URL(), ws.EnvTokenURL: srv.TokenURL(), ws.EnvClientID: id, ws.EnvClientSecret: secret}
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"--workspace", srv.WorkspaceID(), "list", "pipelines"}, Env{Stdout: &out, Stderr: &errOut,
		LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }})
	require.Equal(t, exitOK, code, errOut.String())
	assert.Equal(t, "ID  NAME  CONNECTION  DATA MODEL  STATE  STATUS  SCHEDULE\n", out.String())
}

func TestRefusalNamesFileResourceAndField(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	file := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`pipelines:
  - id: users-hourly
    connection_id: nowhere
    data_model_id: customers
    sync_mode: {type: full, from: "2024-06-01T00:00:00Z"}
`), 0o644))
	res := h.must(exitError, "plan", "-f", file)
	assert.Contains(t, res.stderr, file+":3:5: pipeline users-hourly: connection_id: names connection nowhere, which is neither declared nor in the workspace")
	assert.Contains(t, res.stderr, file+":5:29: pipeline users-hourly: sync_mode.from: cannot change after creation")
}

func TestRunsAndReport(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	h.must(exitOK, "trigger", "users-hourly", "--wait")
	res := h.must(exitOK, "runs", "users-hourly", "--status", "success")
	assert.Contains(t, res.stdout, "manual  success")
	res = h.must(exitOK, "runs", "users-hourly", "--since", "2030-01-01")
	assert.Equal(t, 1, strings.Count(res.stdout, "\n"), "only the header: %s", res.stdout)
	assert.Contains(t, h.must(exitError, "runs", "users-hourly", "--status", "done").stderr, `--status "done": use queued`)
	res = h.must(exitOK, "report", "users-hourly")
	assert.Contains(t, res.stdout, "latest run")
	h.must(exitOK, "runs", "watch", "users-hourly", "--until-idle")
	assert.Contains(t, h.must(exitError, "delete", "pipelines", "users-hourly").stderr, "pass --yes")
	h.must(exitOK, "report", "users-hourly")
	h.must(exitOK, "delete", "pipelines", "users-hourly", "--yes")
	h.must(exitError, "report", "users-hourly")
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		var out bytes.Buffer
		code := Main(context.Background(), []string{"completion", shell}, Env{Stdout: &out, Stderr: &out})
		assert.Equal(t, exitOK, code, shell)
		assert.Contains(t, out.String(), "wsync", shell)
	}
}

func TestEveryCommandHasAnExample(t *testing.T) {
	t.Parallel()
	a := &app{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() != "help" {
			assert.NotEmpty(t, c.Example, "wsync %s has no example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(a.rootCmd())
}

// TestClientHasNoCLIDependencies: the client and the fake must not pull in what only the CLI needs; the
// apply package reads YAML (its loader) but needs no command-line library.
func TestClientHasNoCLIDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	t.Parallel()
	deps := func(pkgs ...string) string {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	core := deps("github.com/wsync-dev/warehousesync", "github.com/wsync-dev/warehousesync/warehousesynctest")
	for _, dep := range []string{"github.com/spf13/cobra", "sigs.k8s.io/yaml", "golang.org/x/term"} {
		assert.NotContains(t, core, dep)
	}
	assert.Contains(t, core, "github.com/wsync-dev/warehousesync/internal/engine", "go list listed the packages")
	applyDeps := deps("github.com/wsync-dev/warehousesync/apply")
	assert.Contains(t, applyDeps, "github.com/wsync-dev/warehousesync/internal/wire", "go list listed the packages")
	for _, dep := range []string{"github.com/spf13/cobra", "golang.org/x/term"} {
		assert.NotContains(t, applyDeps, dep)
	}
}

// BenchmarkStartup measures wsync's start-up: the command tree built and --help printed.
func BenchmarkStartup(b *testing.B) {
	for b.Loop() {
		var out bytes.Buffer
		if code := Main(context.Background(), []string{"--help"}, Env{Stdout: &out, Stderr: &out}); code != 0 {
			b.Fatal(out.String())
		}
	}
}

// TestReadmeShowsTheExampleFile: the README's "Warehouse Sync as code" section shows examples/apply/
// as it is, and its commands work.
func TestReadmeShowsTheExampleFile(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, section, found := strings.Cut(string(readme), "## Warehouse Sync as code")
	require.True(t, found)
	_, block, found := strings.Cut(section, "```yaml\n")
	require.True(t, found)
	block, _, _ = strings.Cut(block, "```")
	file, err := os.ReadFile(filepath.Join(example, "warehouse.yaml"))
	require.NoError(t, err)
	_, body, _ := strings.Cut(string(file), "\nconnections:")
	assert.Equal(t, "connections:"+body, block)
	assert.Contains(t, section, "go run ./cmd/wsync --fake plan -f examples/apply/")
	assert.Contains(t, section, "go run ./cmd/wsync --fake apply -f examples/apply/")

	h := newHarness(t)
	delete(h.vars, "SNOWFLAKE_PASSWORD") // a newcomer has not set it
	h.must(exitChanges, "plan", "-f", example)
	res := h.must(exitOK, "apply", "-f", example)
	assert.Contains(t, res.stdout, "Apply complete: 4 created")
	assert.Contains(t, res.stderr, "SNOWFLAKE_PASSWORD is not set; --fake uses a placeholder")
}

func TestFileMistakesAreNamed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	typo := write("typo.yaml", "pipelines:\n  - id: p\n    connection_id: c\n    data_model_id: m\n    schedule: {type: interval, frequncy: daily}\n")
	assert.Contains(t, h.must(exitError, "plan", "-f", typo).stderr, typo+":5:32: pipeline p: schedule.frequncy: unknown field")
	top := write("top.yaml", "connection: []\n")
	assert.Contains(t, h.must(exitError, "plan", "-f", top).stderr, top+":1:1: unknown key connection: the keys are")

	a := write("a.yaml", "data_models:\n  - {id: m, name: M, state: active, type: sql, config: {sql_query: SELECT 1}}\n")
	b := write("b.yaml", "data_models:\n  - {id: m, name: M2, state: active, type: sql, config: {sql_query: SELECT 2}}\n")
	res := h.must(exitError, "plan", "-f", a, "-f", b)
	assert.Contains(t, res.stderr, a+":2:6: data_model m: id: is declared twice (again in "+b+")")
}

// TestSchemaIsUpToDate: examples/apply/wsync.schema.json is what wsync schema prints (-update rewrites
// it), it describes every field the example file uses, and -f DIR skips it.
func TestSchemaIsUpToDate(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.Equal(t, exitOK, Main(context.Background(), []string{"schema"}, Env{Stdout: &out, Stderr: &out}))
	path := filepath.Join(example, "wsync.schema.json")
	if *update {
		require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
	}
	committed, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(committed), out.String(), "go test ./cmd/wsync -update rewrites %s", path)

	var schema map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &schema))
	defs := schema["$defs"].(map[string]any)
	props := func(def string) map[string]any {
		return defs[def].(map[string]any)["properties"].(map[string]any)
	}
	assert.Contains(t, props("Pipeline"), "sync_mode")
	assert.NotContains(t, props("Pipeline"), "status", "read-only fields are not part of an apply file")
	assert.Contains(t, props("Schedule")["delay"], "pattern")
	assert.Contains(t, props("SnowflakeConfig"), "password")
	assert.Equal(t, []any{"incremental", "full"}, props("SyncMode")["type"].(map[string]any)["enum"])
}

func TestTriggerServerErrorSaysTheRunMayHaveStarted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	require.NoError(t, h.srv.InjectFault(warehousesynctest.Fault{Method: "POST", Path: "/inputs/data-pipelines/trigger", Status: 500, Times: 1}))
	res := h.must(exitError, "trigger", "users-hourly")
	assert.Contains(t, res.stderr, "The run may have started: check with wsync runs users-hourly")
}

// TestTerminalWithoutLookupEnv: an Env without LookupEnv has no variables set; colours still work.
func TestTerminalWithoutLookupEnv(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	code := Main(context.Background(), []string{"--fake", "plan", "-f", example}, Env{Stdout: &out, Stderr: &out, StdoutIsTerminal: true})
	assert.Equal(t, exitChanges, code, out.String())
	assert.Contains(t, out.String(), "\x1b[32m+\x1b[0m")
}

// TestFIFOInAFolderIsRefused: a FIFO named *.yaml is refused, not opened (which would hang).
func TestFIFOInAFolderIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644))
	res := h.must(exitError, "plan", "-f", dir)
	assert.Contains(t, res.stderr, filepath.Join(dir, "pipe.yaml")+": is not a regular file")
	res = h.must(exitError, "plan", "-f", filepath.Join(dir, "pipe.yaml"))
	assert.Contains(t, res.stderr, "is not a regular file")
}

// TestYAMLErrorShowsNoValue: wsync prints where a YAML mistake is and what kind it is, never the text.
func TestYAMLErrorShowsNoValue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	for i, line := range []string{"password: *Sup3rS3cret", "password: !!int Sup3rS3cret"} {
		file := filepath.Join(dir, fmt.Sprintf("f%d.yaml", i))
		body := "connections:\n  - id: sf\n    service_provider: Snowflake\n    config:\n      " + line + "\n"
		require.NoError(t, os.WriteFile(file, []byte(body), 0o644))
		res := h.must(exitError, "plan", "-f", file)
		assert.Contains(t, res.stderr, file+":5:17: ")
		assert.NotContains(t, strings.ToLower(res.stderr), "s3cret")
	}
}

// TestApplySendSecretsConverges: apply --send-secrets on the fake checks convergence without
// --send-secrets, which lists every declared secret again by design.
func TestApplySendSecretsConverges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.must(exitOK, "apply", "-f", example, "--send-secrets")
	assert.Contains(t, res.stdout, "Planned again on the fake: no changes")
	res = h.must(exitOK, "apply", "-f", example, "--send-secrets")
	assert.Contains(t, res.stdout, "config.password = (sensitive) will be sent")
	assert.Contains(t, res.stdout, "Apply complete: 0 created, 1 updated, 0 deleted.")
}

// TestUnknownProviderConfigIsAllSecret: a config of a provider wsync does not know must be written as
// references, since any of its keys may be a secret.
func TestUnknownProviderConfigIsAllSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "oracle.yaml")
	require.NoError(t, os.WriteFile(file, []byte("connections:\n  - id: o\n    name: O\n    state: active\n    service_provider: Oracle\n    config:\n      host: db.example.com\n      pwd: ${ORACLE_PWD}\n"), 0o644))
	res := h.must(exitError, "plan", "-f", file)
	assert.Contains(t, res.stderr, file+":7:7: connection o: config.host: is written in the file, but the config of a provider wsync does not know is all secret")
	assert.NotContains(t, res.stderr, "db.example.com")
}

// TestEmptySecretVariableIsNamed: SNOWFLAKE_PASSWORD= wsync plan --send-secrets said "No changes".
func TestEmptySecretVariableIsNamed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	h.vars["SNOWFLAKE_PASSWORD"] = ""
	res := h.must(exitError, "plan", "-f", example, "--send-secrets")
	assert.Contains(t, res.stderr, "warehouse.yaml:22:7: connection snowflake-prod: config.password: environment variable SNOWFLAKE_PASSWORD is set but empty")
}

// TestValidateReportsEveryProblem: validate needs no credentials and prints every problem at once as
// file:line:column: resource: field: rule; plan refuses the same file before any request.
func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"validate", "-f", "testdata/invalid"}, Env{Stdout: &out, Stderr: &errOut,
		LookupEnv: func(k string) (string, bool) { return "x", k == "SNOWFLAKE_PASSWORD" }})
	assert.Equal(t, exitError, code)
	golden(t, "validate_invalid.golden", errOut.String())

	out.Reset()
	code = Main(context.Background(), []string{"validate", "-f", example}, Env{Stdout: &out, Stderr: &out,
		LookupEnv: func(k string) (string, bool) { return "x", k == "SNOWFLAKE_PASSWORD" }})
	assert.Equal(t, exitOK, code, out.String())
	assert.Equal(t, "Valid: 1 connections, 1 data models, 2 pipelines.\n", out.String())
}

// TestInvalidFileNeverAppliesHalfway: the state: Active file used to create the connection and fail
// on the pipeline; now apply refuses it before any request.
func TestInvalidFileNeverAppliesHalfway(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n := len(h.srv.Requests())
	res := h.must(exitError, "apply", "-f", "testdata/invalid")
	assert.Contains(t, res.stderr, "testdata/invalid/bad.yaml:5:5: connection snowflake-prod: state: is not one of new, active, inactive")
	assert.Len(t, h.srv.Requests(), n, "no request was sent")
}

// TestRunsNewestFirst: --limit 2 shows the two newest runs, newest first, across pages.
func TestRunsNewestFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	for range 3 {
		h.must(exitOK, "trigger", "users-hourly", "--wait")
	}
	ids := func(out string) []string {
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			got = append(got, strings.Fields(line)[0])
		}
		return got
	}
	assert.Equal(t, []string{"4", "3"}, ids(h.must(exitOK, "runs", "users-hourly", "--limit", "2").stdout))
	assert.Equal(t, []string{"4", "3", "2"}, ids(h.must(exitOK, "runs", "users-hourly", "--status", "success").stdout))
	assert.Equal(t, []string{"2", "3"}, ids(h.must(exitOK, "runs", "users-hourly", "--limit", "2", "--oldest-first", "--status", "success").stdout))

	// Pages of one run: the last page is read first, and only the pages needed.
	n := len(h.srv.Requests())
	runs, err := newestRuns(context.Background(), h.srv.Client(), "users-hourly", &ws.ListRunsOptions{PageSize: 1}, 2,
		func(*ws.Run) bool { return true })
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.Equal(t, []int64{4, 3}, []int64{runs[0].ID, runs[1].ID})
	var lists int
	for _, r := range h.srv.Requests()[n:] {
		if strings.HasSuffix(r.Path, "/runs") {
			lists++
		}
	}
	assert.Equal(t, 3, lists, "the first page (for the count), then the last two")
}

// TestExportWritesTheWholeWorkspace: one file with every kind, which plans as no changes; its
// variables are listed, and --names-from reuses the names of the files the resources came from.
func TestExportWritesTheWholeWorkspace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	dir := t.TempDir()

	res := h.must(exitOK, "export")
	assert.Contains(t, res.stdout, "password: ${SNOWFLAKE_PROD_PASSWORD}")
	assert.Equal(t, "The file names these secret variables; set them before plan or apply: SNOWFLAKE_PROD_PASSWORD\n", res.stderr)

	res = h.must(exitOK, "export", "--names-from", example, "-o", "json")
	assert.Contains(t, res.stdout, `"password": "${SNOWFLAKE_PASSWORD}"`)
	assert.Contains(t, res.stderr, "set them before plan or apply: SNOWFLAKE_PASSWORD\n")
	for _, kind := range []string{`"connections"`, `"data_models"`, `"pipelines"`} {
		assert.Contains(t, res.stdout, kind)
	}
	file := filepath.Join(dir, "workspace.json")
	require.NoError(t, os.WriteFile(file, []byte(res.stdout), 0o644))
	assert.Contains(t, h.must(exitOK, "plan", "-f", file, "--prune", "--prune-all").stdout, "No changes")
}

// TestTriggerIfBusy: with a run in progress, --if-busy=fail (the default) says how to wait, and
// --if-busy=wait waits for that run to end, then triggers.
func TestTriggerIfBusy(t *testing.T) {
	t.Parallel()
	h := newStillHarness(t)
	h.must(exitOK, "apply", "-f", example)
	h.must(exitOK, "trigger", "users-hourly") // in progress until the clock moves
	res := h.must(exitError, "trigger", "users-hourly")
	assert.Contains(t, res.stderr, "--if-busy=wait waits for it to end, then triggers")
	res = h.must(exitOK, "trigger", "users-hourly", "--if-busy=wait", "--wait", "--interval", "1m")
	assert.Regexp(t, `^Pipeline users-hourly has run (\d+) in progress; waiting for it to end \(--if-busy=wait\)\.\n`, res.stdout)
	assert.Regexp(t, `\nTriggered run \d+ of pipeline users-hourly\.\n`, res.stdout)
	assert.Contains(t, h.must(exitError, "trigger", "users-hourly", "--if-busy=later").stderr, `--if-busy "later": use wait or fail`)
}

// TestInterruptedWaitSaysTheRunGoesOn: Ctrl-C (or --timeout) while waiting stops wsync, not the run,
// and says how to follow it.
func TestInterruptedWaitSaysTheRunGoesOn(t *testing.T) {
	t.Parallel()
	h := newStillHarness(t)
	h.must(exitOK, "apply", "-f", example)
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	var out, errOut bytes.Buffer
	code := Main(ctx, []string{"--fake", "trigger", "users-hourly", "--wait"}, Env{Stdout: &out, Stderr: &errOut, Fake: h.srv,
		Sleep: func(ctx context.Context, _ time.Duration) error { interrupt(); return ctx.Err() }})
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut.String(), "stopped waiting for run 2 of pipeline users-hourly (interrupted; last status running)")
	assert.Contains(t, errOut.String(), "The run goes on in the workspace: follow it with wsync runs watch users-hourly --until-idle")
}

// TestLiveLineRedrawsEverySecond: between two polls 3 seconds apart, the terminal line is redrawn each
// second, so the elapsed time moves.
func TestLiveLineRedrawsEverySecond(t *testing.T) {
	t.Parallel()
	h := newStillHarness(t)
	h.must(exitOK, "apply", "-f", example)
	h.terminal, h.vars["NO_COLOR"] = true, "1"
	res := h.must(exitOK, "trigger", "users-hourly", "--wait", "--interval", "3s")
	draws := strings.Split(res.stdout, "\r\x1b[K")[1:]
	require.GreaterOrEqual(t, len(draws), 4, "%q", res.stdout)
	for i, want := range []string{"1s", "2s", "3s", "4s"} {
		assert.Regexp(t, `^run 2 \w+  `+want+`  `, draws[i])
	}
}

// TestCommandsAreUnits: a command is an options struct and a run function, callable without cobra.
func TestCommandsAreUnits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var out bytes.Buffer
	a := &app{fake: true, warned: map[string]bool{}, env: Env{Stdout: &out, Stderr: io.Discard, Fake: h.srv,
		LookupEnv: func(k string) (string, bool) { v, ok := h.vars[k]; return v, ok },
		Sleep:     func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}}
	ctx := context.Background()
	require.NoError(t, a.runValidate(&validateOptions{files: []string{example}}))
	require.NoError(t, a.runApply(ctx, &planFlags{files: []string{example}}))
	require.NoError(t, a.runTrigger(ctx, &triggerOptions{pipeline: "users-hourly", wait: true, ifBusy: "fail"}))
	require.NoError(t, a.runRuns(ctx, &runsOptions{pipeline: "users-hourly", format: "table", limit: 1}))
	require.NoError(t, a.runDelete(ctx, &deleteOptions{kind: "pipelines", id: "users-full-daily", yes: true}))
	assert.Contains(t, out.String(), "Run 2 of pipeline users-hourly: success")
	assert.Contains(t, out.String(), "Deleted pipeline users-full-daily.")
	var ec *exitCode
	require.ErrorAs(t, a.runPlan(ctx, &planFlags{files: []string{example}}), &ec)
	assert.Equal(t, exitChanges, ec.code, "the deleted pipeline is planned again")
}

// TestServerTextIsEscapedColoursAreNot: a name with U+202E from the server prints escaped in tables,
// while wsync's own colours stay colours.
func TestServerTextIsEscapedColoursAreNot(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	_, err := h.srv.Client().DataModels.Create(context.Background(), &ws.DataModel{ID: "evil", Name: "abc\u202etxt.exe", State: ws.StateActive,
		Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT 1"}})
	require.NoError(t, err)
	res := h.must(exitOK, "list", "models")
	assert.Contains(t, res.stdout, `abc\u202etxt.exe`)
	assert.NotContains(t, res.stdout, "\u202e")
	h.must(exitOK, "trigger", "users-hourly", "--wait")
	h.terminal = true
	assert.Contains(t, h.must(exitOK, "report", "users-hourly").stdout, "\x1b[32msuccess\x1b[0m")
}

// TestErrorsAreEscaped: whatever an error quotes (a flag, an argument, a server's answer), wsync
// prints it without the control and bidirectional characters that would rewrite the terminal.
func TestErrorsAreEscaped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, args := range [][]string{
		{"--workspace", "w\x1b[2J\u202e", "list", "pipelines"},
		{"get", "pipelines", "p\x1b]0;title\a"},
		{"get", "x\x1b[2J"},
	} {
		res := h.run(args...)
		assert.NotEqual(t, exitOK, res.code)
		assert.Contains(t, res.stderr, "Error: ")
		for _, c := range []string{"\x1b", "\u202e", "\a"} {
			assert.NotContains(t, res.stderr, c, "wsync %q", args)
		}
	}
}

// TestUnknownProviderNeverAppliesHalfway: the API creates only connections of the providers it lists;
// a new connection of another is refused by the plan, before the file's other resources are created.
func TestUnknownProviderNeverAppliesHalfway(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.vars["ORACLE_HOST"] = "db.example.com"
	dir := t.TempDir()
	body, err := os.ReadFile(filepath.Join(example, "warehouse.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), body, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("connections:\n  - id: zz\n    name: O\n    state: active\n"+
		"    service_provider: Oracle\n    config:\n      host: ${ORACLE_HOST}\n"), 0o644))
	res := h.must(exitError, "apply", "--yes", "-f", dir)
	assert.Contains(t, res.stderr, "b.yaml:5:5: connection zz: service_provider: is not one of Snowflake, BigQuery, Redshift, Databricks")
	conns, err := h.srv.Client().Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, conns, "nothing was created")
}

// TestDeleteRefusesAnInvalidIDBeforeAsking: an id the API could not hold is refused before the prompt
// (which would print it) and before any request.
func TestDeleteRefusesAnInvalidIDBeforeAsking(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.runWith(context.Background(), strings.NewReader("yes\n"), true, false, "delete", "pipelines", "p\x1b[2J")
	assert.Equal(t, exitError, res.code)
	assert.NotContains(t, res.stderr, "Delete pipeline")
	assert.Contains(t, res.stderr, "ID: must be 1 to 128 letters, digits, _ or -")
	assert.NotContains(t, res.stderr+res.stdout, "\x1b")
}

// TestHostileServerTextIsEscaped: a server that answers with escape sequences in what wsync prints
// back (a run's pipeline id) cannot reach the terminal.
func TestHostileServerTextIsEscaped(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/oauth/token"):
			fmt.Fprint(w, `{"access_token":"t0ken","token_type":"bearer","expires_in":3600}`)
		case r.Method == http.MethodPost:
			fmt.Fprint(w, `{"pipeline_run_id":7,"status":"requested"}`)
		default:
			fmt.Fprint(w, `{"id":7,"pipeline_id":"p\u001b[2J\u202e","type":"scheduled","status":"success",`+
				`"logical_date":"2025-01-01T00:00:00Z","range_start":null,"range_end":"2025-01-01T00:00:00Z"}`)
		}
	}))
	t.Cleanup(srv.Close)
	vars := map[string]string{ws.EnvWorkspaceID: "1", ws.EnvClientID: "id", ws.EnvClientSecret: "s3cret-value",
		ws.EnvAPIURL: srv.URL, ws.EnvTokenURL: srv.URL + "/oauth/token"}
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"trigger", "p", "--wait"}, Env{
		Stdout: &out, Stderr: &errOut, LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	assert.Contains(t, out.String(), `Run 7 of pipeline p\u001b[2J\u202e: success`)
	assert.NotContains(t, out.String()+errOut.String(), "\x1b")
	assert.NotContains(t, out.String()+errOut.String(), "\u202e")
}

// TestExportEscapesInvisibleCharacters: text from the server that holds control, bidirectional or
// other format characters (a U+202E that makes a reviewed file read backwards) is written escaped in
// -o json and -o yaml, and the file still applies as "no changes".
func TestExportEscapesInvisibleCharacters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(exitOK, "apply", "-f", example)
	evil := "E\x1b[2J\u202etxt\u200b\U000E0041\tend\nline 2"
	_, err := h.srv.Client().DataModels.Create(context.Background(), &ws.DataModel{ID: "evil", Name: evil, State: ws.StateActive,
		Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT 1 -- " + evil}})
	require.NoError(t, err)
	h.vars["SNOWFLAKE_PROD_PASSWORD"] = "sf-Secret-1"
	for _, format := range []string{"yaml", "json"} {
		out := h.must(exitOK, "export", "-o", format).stdout
		for _, r := range []string{"\x1b", "\u202e", "\u200b", "\U000E0041", "\t"} {
			assert.NotContains(t, out, r, format)
		}
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "all."+format), []byte(out), 0o644))
		res := h.must(exitOK, "plan", "-f", dir, "--prune", "--prune-all")
		assert.Contains(t, res.stdout, "No changes", format)
	}
}

// TestURLVariablesNeverPrint: a password in MPARTICLE_API_URL's or MPARTICLE_TOKEN_URL's user info
// (or anywhere in one that does not parse) is never printed, and user info is refused.
func TestURLVariablesNeverPrint(t *testing.T) {
	t.Parallel()
	for _, name := range []string{ws.EnvAPIURL, ws.EnvTokenURL} {
		for _, u := range []string{"http://u:Sup3rS3cret@host:bad", "https://u:Sup3rS3cret@host", "ht tp://Sup3rS3cret", "http://h/%zzSup3rS3cret"} {
			vars := map[string]string{ws.EnvWorkspaceID: "1", ws.EnvClientID: "id", ws.EnvClientSecret: "s", name: u}
			var out, errOut bytes.Buffer
			code := Main(context.Background(), []string{"list", "pipelines"}, Env{Stdout: &out, Stderr: &errOut,
				LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }})
			assert.Equal(t, exitError, code, "%s=%s", name, u)
			assert.Contains(t, errOut.String(), "Error: "+name+": must")
			assert.NotContains(t, out.String()+errOut.String(), "Sup3r", "%s=%s", name, u)
		}
	}
}
