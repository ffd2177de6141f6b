package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// noEnv is an environment without any variable: the quickstart uses the embedded fake.
func noEnv(string) string { return "" }

// mapEnv is an environment with exactly the variables in m.
func mapEnv(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

func TestRunAgainstTheFake(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, noEnv))
	text := out.String()
	lines := strings.Split(text, "\n")

	assert.True(t, strings.HasPrefix(lines[0], "Running against the embedded fake server"), "first line: %q", lines[0])
	for _, want := range []string{
		"created connection wsync-quickstart-fake-connection: Snowflake, healthy, password masked in the answer: true",
		"run 1: success, 3 records synced, 0 failed, range (beginning) → 2025-03-03 09:00:00",
		"triggered again while run 2 is active: errors.Is(err, warehousesync.ErrPipelineBusy) is true",
		"400 Bad Request: Pipeline wsync-quickstart-fake-pipeline is already in progress.",
		"run 2: success, 2 records synced, 0 failed, range 2025-03-03 09:00:00 → 2025-03-03 11:01:00",
		"run 2 starts where run 1 ended: 2025-03-03 09:00:00 (no gap, no overlap)",
		"fake: advanced the clock by a day to 2025-03-04 11:02:00",
		"report of wsync-quickstart-fake-hourly-pipeline: status idle, connection healthy, data model valid",
		"cleanup: deleted pipeline wsync-quickstart-fake-hourly-pipeline",
		"cleanup: deleted pipeline wsync-quickstart-fake-pipeline",
		"cleanup: deleted data model wsync-quickstart-fake-model",
		"cleanup: deleted connection wsync-quickstart-fake-connection",
	} {
		assert.Contains(t, text, want)
	}
	assert.Equal(t, "cleanup done", lines[len(lines)-2], "the last line")
	assert.NotContains(t, text, "not-a-real-password", "the connection's password is never printed")

	// The tables: an aligned header, then one row per run; the hourly day has the initial run and 23 more.
	header := regexp.MustCompile(`(?m)^ID +TYPE +STATUS +LOGICAL DATE +RANGE +RECORDS$`)
	assert.Len(t, header.FindAllString(text, -1), 2)
	assert.Len(t, regexp.MustCompile(`(?m)^\d+ +manual +success `).FindAllString(text, -1), 2)
	assert.Len(t, regexp.MustCompile(`(?m)^\d+ +scheduled +success `).FindAllString(text, -1), 24)
	assert.Regexp(t, `(?m)^3 +scheduled +success +2025-03-03 11:00:00 +\(beginning\) → 2025-03-03 12:00:00 +5$`, text)
	assert.Regexp(t, `(?m)^5 +scheduled +success +2025-03-03 13:00:00 +2025-03-03 13:00:00 → 2025-03-03 14:00:00 +2$`, text)

	// The output is the same on every run.
	var again bytes.Buffer
	require.NoError(t, run(context.Background(), &again, noEnv))
	assert.Equal(t, text, again.String())
}

func TestRunRefusesPartialCredentials(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &out, mapEnv(map[string]string{ws.EnvWorkspaceID: "123"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MPARTICLE_CLIENT_ID, MPARTICLE_CLIENT_SECRET not")
	assert.Empty(t, out.String(), "nothing runs, not even the fake")
}

func TestRunAgainstTheRealAPINeedsAWarehouse(t *testing.T) {
	t.Parallel()
	const secret = "very-secret-value"
	var out bytes.Buffer
	err := run(context.Background(), &out, mapEnv(map[string]string{
		ws.EnvWorkspaceID: "123", ws.EnvClientID: "id", ws.EnvClientSecret: secret,
		envAccount: "gd12345", envPassword: secret,
	}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set QUICKSTART_SNOWFLAKE_REGION, QUICKSTART_SNOWFLAKE_WAREHOUSE")
	assert.Contains(t, err.Error(), "QUICKSTART_ITERATOR_FIELD (nothing was created)")
	assert.NotContains(t, err.Error(), secret)
	assert.Empty(t, out.String())
}

// cancelAt is an output that cancels the story's context when a line containing marker is written,
// as Ctrl-C would at that moment.
type cancelAt struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (w *cancelAt) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte(w.marker)) {
		w.cancel()
	}
	return w.buf.Write(p)
}

// remaining lists the ids of the connections, data models and pipelines left on the fake.
func remaining(t *testing.T, c *ws.Client) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	conns, err := c.Connections.List(ctx, nil)
	require.NoError(t, err)
	for _, x := range conns {
		ids = append(ids, x.ID)
	}
	models, err := c.DataModels.List(ctx, nil)
	require.NoError(t, err)
	for _, x := range models {
		ids = append(ids, x.ID)
	}
	pipelines, err := c.Pipelines.List(ctx, nil)
	require.NoError(t, err)
	for _, x := range pipelines {
		ids = append(ids, x.ID)
	}
	return ids
}

func TestRunCleansUpAfterInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelAt{marker: "run 1:", cancel: cancel}

	err := run(ctx, out, noEnv)
	require.ErrorIs(t, err, context.Canceled)
	text := out.buf.String()
	assert.NotContains(t, text, "run 2", "the story stopped at the interrupt")
	for _, want := range []string{
		"cleanup: deleted pipeline wsync-quickstart-fake-pipeline\n",
		"cleanup: deleted data model wsync-quickstart-fake-model\n",
		"cleanup: deleted connection wsync-quickstart-fake-connection\n",
	} {
		assert.Contains(t, text, want, "the cleanup runs with a context of its own")
	}
	assert.True(t, strings.HasSuffix(text, "cleanup done\n"))
}

func TestCleanupAfterALostAnswer(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithAutoAdvance())
	// The pipeline is created, but every answer is lost (a retried create that meets its own pipeline
	// would reconcile): the story must still delete it.
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: "POST", Path: "/inputs/data-pipelines",
		ApplyThenFail: true, Status: 500, Times: 10}))
	var out bytes.Buffer
	s := fakeStory(&out, srv)

	err := s.tell(context.Background())
	require.ErrorIs(t, err, ws.ErrServer)
	require.NoError(t, s.cleanup(context.Background()))
	assert.Empty(t, remaining(t, srv.Client()))
	assert.Contains(t, out.String(), "cleanup: deleted pipeline wsync-quickstart-fake-pipeline\n")
}

func TestCleanupSkipsWhatWasNeverCreated(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t)
	// The data model is refused on every attempt; the pipeline is never attempted.
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: "POST", Path: "/data-models", Status: 500, Times: 10}))
	var out bytes.Buffer
	s := fakeStory(&out, srv)

	require.Error(t, s.tell(context.Background()))
	require.NoError(t, s.cleanup(context.Background()))
	assert.Empty(t, remaining(t, srv.Client()))
	assert.Contains(t, out.String(), "cleanup: deleted connection wsync-quickstart-fake-connection\n")
	assert.NotContains(t, out.String(), "cleanup: deleted data model", "a 404 on delete is not reported as a deletion")
}
