package integrationtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// start is where the fake clock starts in every test.
func start() time.Time { return time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC) }

// poll keeps Runs.Wait quick; WithAutoAdvance makes one poll enough in practice.
var poll = ws.PollEvery(time.Millisecond)

// spec is a daily incremental pipeline from the fake clock's start, over a Snowflake connection.
func spec() Spec {
	return Spec{
		Connection: ws.Connection{
			ID: "crm-connection", Name: "CRM connection", State: ws.StateActive,
			Config: &ws.SnowflakeConfig{
				AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
				Database: "crm", Role: "mparticle_role", User: "mparticle_user",
				Password: "s3cret", StorageIntegration: "mp_us1_123_123_s3",
			},
		},
		DataModel: ws.DataModel{
			ID: "crm-model", Name: "CRM model", State: ws.StateActive, Type: ws.DataModelSQL,
			Config: ws.DataModelConfig{SQLQuery: "SELECT email, tier, updated_at FROM crm.public.customers"},
		},
		Pipeline: ws.Pipeline{
			ID: "crm-pipeline", Name: "CRM pipeline", PipelineType: ws.PipelineUserAttributes,
			State: ws.StateActive, Environment: ws.EnvironmentProduction,
			SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_at",
				IteratorDataType: ws.IteratorTimestamp},
			Schedule: ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyDaily,
				Start: ws.NewTimestamp(start())},
		},
	}
}

// newFake starts a fake for one test and returns it with a client; each test has its own.
func newFake(t *testing.T) (*warehousesynctest.Server, *ws.Client) {
	t.Helper()
	srv := warehousesynctest.NewServer(t,
		warehousesynctest.WithStartTime(start()),
		warehousesynctest.WithAutoAdvance(),
	)
	return srv, srv.Client()
}

// ensured runs EnsurePipeline and requires it to succeed.
func ensured(t *testing.T, c *ws.Client, want Spec) *Result {
	t.Helper()
	res, err := EnsurePipeline(context.Background(), c, want, poll)
	require.NoError(t, err)
	return res
}

// writes returns the requests after the first n that were not GETs, as "METHOD path".
func writes(srv *warehousesynctest.Server, n int) []string {
	var out []string
	for _, r := range srv.Requests()[n:] {
		if r.Method != http.MethodGet && r.Path != "/oauth/token" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func TestEnsureCreatesThenChangesNothing(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t)

	res := ensured(t, c, spec())
	assert.Equal(t, []string{"created connection crm-connection", "created data model crm-model",
		"created pipeline crm-pipeline"}, res.Actions)
	assert.Equal(t, "crm-connection", res.Pipeline.ConnectionID, "filled from the spec's connection")
	assert.Equal(t, "crm-model", res.Pipeline.DataModelID)
	assert.Nil(t, res.Recovery)

	// A second call finds everything as wanted: it reads, and writes nothing.
	n := len(srv.Requests())
	res = ensured(t, c, spec())
	assert.Empty(t, res.Actions)
	assert.Empty(t, writes(srv, n))
	assert.Equal(t, ws.FrequencyDaily, res.Pipeline.Schedule.Frequency)
}

func TestEnsureCorrectsDrift(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		drift func(ctx context.Context, c *ws.Client) error // what someone did by hand
		want  []string
	}{{
		name: "pipeline paused and renamed",
		drift: func(ctx context.Context, c *ws.Client) error {
			p, err := c.Pipelines.Get(ctx, "crm-pipeline")
			if err != nil {
				return err
			}
			p.State, p.Name = ws.StatePaused, "renamed by hand"
			_, err = c.Pipelines.Update(ctx, p)
			return err
		},
		want: []string{"updated pipeline crm-pipeline (name, state)"},
	}, {
		name: "pipeline made hourly with a delay",
		drift: func(ctx context.Context, c *ws.Client) error {
			p, err := c.Pipelines.Get(ctx, "crm-pipeline")
			if err != nil {
				return err
			}
			p.Schedule.Frequency = ws.FrequencyHourly
			if p.Schedule.Delay, err = ws.ParseDelay("15m"); err != nil {
				return err
			}
			_, err = c.Pipelines.Update(ctx, p)
			return err
		},
		want: []string{"updated pipeline crm-pipeline (schedule.delay, schedule.frequency)"},
	}, {
		name: "query changed",
		drift: func(ctx context.Context, c *ws.Client) error {
			m, err := c.DataModels.Get(ctx, "crm-model")
			if err != nil {
				return err
			}
			m.Config.SQLQuery = "SELECT email, updated_at FROM crm.public.customers"
			_, err = c.DataModels.Update(ctx, m)
			return err
		},
		want: []string{"updated data model crm-model (config.sql_query)"},
	}, {
		name: "connection pointed at another warehouse",
		drift: func(ctx context.Context, c *ws.Client) error {
			conn, err := c.Connections.Get(ctx, "crm-connection")
			if err != nil {
				return err
			}
			conn.Config.(*ws.SnowflakeConfig).Warehouse = "other_wh" // the masked password keeps the stored one
			_, err = c.Connections.Update(ctx, conn)
			return err
		},
		want: []string{"updated connection crm-connection (config.warehouse)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newFake(t)
			ctx := context.Background()
			ensured(t, c, spec())
			require.NoError(t, tt.drift(ctx, c))

			n := len(srv.Requests())
			res := ensured(t, c, spec())
			assert.Equal(t, tt.want, res.Actions)
			assert.Len(t, writes(srv, n), 1, "one PUT corrects the drift")

			// Now everything is as wanted again.
			assert.Empty(t, ensured(t, c, spec()).Actions)
			p, err := c.Pipelines.Get(ctx, "crm-pipeline")
			require.NoError(t, err)
			assert.Equal(t, ws.StateActive, p.State)
			assert.Equal(t, ws.FrequencyDaily, p.Schedule.Frequency)
		})
	}
}

func TestEnsureRefusesToChangeFrom(t *testing.T) {
	t.Parallel()
	_, c := newFake(t)
	ensured(t, c, spec())

	want := spec()
	want.Pipeline.SyncMode.From = ws.NewTimestamp(start().AddDate(-1, 0, 0))
	_, err := EnsurePipeline(context.Background(), c, want, poll)
	require.ErrorIs(t, err, ErrRecreateNeeded)
	assert.Contains(t, err.Error(), "sync_mode.from")
}

func TestEnsureRecoversAFaultedPipeline(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t)
	ctx := context.Background()
	// The pipeline's first run (everything before its start) happens while EnsurePipeline reads the
	// report: the fake's auto-advance moves the clock when a running pipeline is polled. The model
	// exists from then on, and rows can be seeded for it.
	ensured(t, c, spec())
	require.NoError(t, srv.DefaultWorkspace().SeedRecords("crm-model", []map[string]any{
		{"email": "a@example.com", "updated_at": "2025-02-27T10:00:00Z"},
		{"email": "b@example.com", "updated_at": "2025-03-01T10:00:00Z"},
		{"email": "c@example.com", "updated_at": "2025-03-03T10:00:00Z"},
	}))

	// The next daily run fails (its attempt and both retries): the pipeline is faulted, and no scheduled
	// run is created while it is.
	require.NoError(t, srv.DefaultWorkspace().FailNextRuns("crm-pipeline", 1, "Snowflake query timed out."))
	require.NoError(t, srv.Advance(3*24*time.Hour))
	rep, err := c.Pipelines.Report(ctx, "crm-pipeline")
	require.NoError(t, err)
	require.Equal(t, ws.PipelineFaulted, rep.Status)
	require.Equal(t, ws.RunFailed, rep.LatestPipelineRun.Status)
	assert.Equal(t, "Snowflake query timed out.", rep.Errors[0].Message)
	lastGood := rep.LatestSuccessfulPipelineRunID

	res := ensured(t, c, spec())
	require.Len(t, res.Actions, 1)
	assert.Regexp(t, `^triggered run \d+ of faulted pipeline crm-pipeline \(Snowflake query timed out\.\)$`, res.Actions[0])
	require.NotNil(t, res.Recovery)
	assert.Equal(t, ws.RunManual, res.Recovery.Type)
	assert.Equal(t, ws.RunSuccess, res.Recovery.Status)
	assert.Equal(t, ws.PipelineIdle, res.Pipeline.Status, "a successful trigger clears the fault")

	// The recovery run reaches back to where the last successful run ended: rows b and c, nothing skipped.
	good, err := c.Runs.Get(ctx, "crm-pipeline", *lastGood)
	require.NoError(t, err)
	assert.Equal(t, good.RangeEnd, res.Recovery.RangeStart)
	assert.Equal(t, start(), res.Recovery.RangeStart.Time)
	assert.Equal(t, int64(2), res.Recovery.SuccessfulRecords)

	// The daily schedule resumes where the recovery ended.
	require.NoError(t, srv.Advance(2*24*time.Hour))
	var next *ws.Run
	for run, err := range c.Runs.All(ctx, "crm-pipeline", nil) {
		require.NoError(t, err)
		if run.ID > res.Recovery.ID && run.Type == ws.RunScheduled {
			next = run
			break
		}
	}
	require.NotNil(t, next, "a scheduled run after the recovery")
	assert.Equal(t, ws.RunSuccess, next.Status)
	assert.Equal(t, res.Recovery.RangeEnd, next.RangeStart)
}

func TestEnsureReportsAFailedRecovery(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t)
	ensured(t, c, spec())
	// The scheduled run and the recovery run fail.
	require.NoError(t, srv.DefaultWorkspace().FailNextRuns("crm-pipeline", 2, "Snowflake query timed out."))
	require.NoError(t, srv.Advance(25*time.Hour))

	res, err := EnsurePipeline(context.Background(), c, spec(), poll)
	require.ErrorIs(t, err, ErrRecoveryFailed)
	assert.Contains(t, err.Error(), "failed (Snowflake query timed out.)")
	require.NotNil(t, res.Recovery)
	assert.Equal(t, ws.RunFailed, res.Recovery.Status)
}

func TestEnsureWithAnUnreachableWarehouse(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t)
	ctx := context.Background()
	ensured(t, c, spec())

	// The warehouse goes away: the connection is faulted and the next run fails.
	srv.DefaultWorkspace().SetConnectionUnreachable("crm-connection", "Incorrect username or password was specified.")
	require.NoError(t, srv.Advance(25*time.Hour))
	rep, err := c.Pipelines.Report(ctx, "crm-pipeline")
	require.NoError(t, err)
	require.Equal(t, ws.PipelineFaulted, rep.Status)
	require.Equal(t, ws.ConnectionFaulted, rep.ConnectionStatus)

	// Re-saving the connection cannot help while the warehouse is unreachable: the API answers 505.
	_, err = EnsurePipeline(ctx, c, spec(), poll)
	require.ErrorIs(t, err, ws.ErrWarehouseUnreachable)

	// Once it is back, re-saving the connection clears its fault and the pipeline's; no trigger needed.
	srv.DefaultWorkspace().SetConnectionReachable("crm-connection")
	res := ensured(t, c, spec())
	assert.Equal(t, []string{"updated connection crm-connection (to clear its fault)"}, res.Actions)
	assert.Nil(t, res.Recovery)
	rep, err = c.Pipelines.Report(ctx, "crm-pipeline")
	require.NoError(t, err)
	assert.Equal(t, ws.ConnectionHealthy, rep.ConnectionStatus)
	assert.NotEqual(t, ws.PipelineFaulted, rep.Status)
}

func TestEnsureRidesOutA503Storm(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t) // srv.Client retries 3 times, waiting 1 to 10 ms

	// Three 503s in a row on every path: the first request (reading the connection) gets all three and
	// succeeds on its fourth attempt; everything after it goes through.
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Path: "/*", Status: http.StatusServiceUnavailable, Times: 3}))
	res := ensured(t, c, spec())
	assert.Len(t, res.Actions, 3)

	var statuses []int
	for _, r := range srv.Requests() {
		if r.Path == "/connections/crm-connection" {
			statuses = append(statuses, r.Status)
		}
	}
	assert.Equal(t, []int{503, 503, 503, 404}, statuses)

	// A create is a POST: the client retries it after a 503 (the request was not processed) and the
	// pipeline is created once.
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost,
		Path: "/inputs/data-pipelines", Status: http.StatusServiceUnavailable, Times: 2}))
	want := spec()
	want.Pipeline.ID = "crm-pipeline-2"
	want.Pipeline.Schedule = ws.Schedule{Type: ws.ScheduleOnDemand}
	res = ensured(t, c, want)
	assert.Equal(t, []string{"created pipeline crm-pipeline-2"}, res.Actions)
	posts := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/inputs/data-pipelines" {
			posts++
		}
	}
	assert.Equal(t, 4, posts, "two creates: the first pipeline's, and the second's after two 503s")

	// A storm longer than the retries: the error says so, after exactly 1 + 3 attempts.
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Path: "/*", Status: http.StatusServiceUnavailable}))
	n := len(srv.Requests())
	_, err := EnsurePipeline(context.Background(), c, spec(), poll)
	require.ErrorIs(t, err, ws.ErrServer)
	assert.Contains(t, err.Error(), "503")
	assert.Len(t, srv.Requests()[n:], 4)
}
