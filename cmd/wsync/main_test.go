package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	code := Main(context.Background(), append([]string{"--fake"}, args...), Env{
		Stdin:  strings.NewReader(h.stdin),
		Stdout: &out, Stderr: &errOut,
		LookupEnv: func(k string) (string, bool) {
			v, ok := h.vars[k]
			return v, ok
		},
		StdinIsTerminal: h.terminal, StdoutIsTerminal: h.terminal, Width: h.width,
		Now:   h.now,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
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

	applied := h.must(exitOK, "apply", "-f", "testdata/changed.yaml", "--prune")
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
	assert.Contains(t, res.stdout, "Apply these changes? Only 'yes' is accepted: Apply cancelled; nothing changed.")
	h.terminal = false
	h.must(exitChanges, "plan", "-f", example) // nothing was created
	h.terminal, h.stdin = true, "yes\n"
	assert.Contains(t, h.must(exitOK, "apply", "-f", example).stdout, "Apply complete: 4 created")
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
		res := h.must(exitOK, "plan", "-f", dir, "--prune")
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
	assert.Contains(t, res.stderr, file+": connection snowflake-prod: config.password: is a secret written in the file")
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
	assert.Contains(t, errOut.String(), "MPARTICLE_WORKSPACE_ID (or --workspace), MPARTICLE_CLIENT_ID, MPARTICLE_CLIENT_SECRET")
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
	assert.Contains(t, res.stderr, file+": pipeline users-hourly: connection_id: names connection nowhere, which is neither declared nor in the workspace")
	assert.Contains(t, res.stderr, file+": pipeline users-hourly: sync_mode.from: cannot change after creation")
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
	h.must(exitOK, "delete", "pipelines", "users-hourly")
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

// TestClientHasNoCLIDependencies: the client, the fake and the apply package must not pull in what
// only the CLI needs.
func TestClientHasNoCLIDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps",
		"github.com/wsync-dev/warehousesync",
		"github.com/wsync-dev/warehousesync/warehousesynctest",
		"github.com/wsync-dev/warehousesync/apply").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, dep := range []string{"github.com/spf13/cobra", "sigs.k8s.io/yaml", "golang.org/x/term"} {
		assert.NotContains(t, string(out), dep)
	}
	assert.Contains(t, string(out), "github.com/wsync-dev/warehousesync/internal/engine", "go list listed the packages")
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
	assert.Contains(t, h.must(exitError, "plan", "-f", typo).stderr, typo+": pipeline p: schedule.frequncy: unknown field")
	top := write("top.yaml", "connection: []\n")
	assert.Contains(t, h.must(exitError, "plan", "-f", top).stderr, `unknown key "connection"`)

	a := write("a.yaml", "data_models:\n  - {id: m, name: M, state: active, type: sql, config: {sql_query: SELECT 1}}\n")
	b := write("b.yaml", "data_models:\n  - {id: m, name: M2, state: active, type: sql, config: {sql_query: SELECT 2}}\n")
	res := h.must(exitError, "plan", "-f", a, "-f", b)
	assert.Contains(t, res.stderr, a+": data_model m: id: is declared twice (again in "+b+")")
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
