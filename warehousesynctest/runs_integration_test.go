package warehousesynctest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// These tests run the client against the fake, through the contract checker, over the scheduler and
// run engine: triggers, reports, runs lists, the clock and faults, as a user's test would.

// at parses an RFC 3339 time or fails the test.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v.UTC()
}

// stamp is at as a Timestamp.
func stamp(t *testing.T, s string) ws.Timestamp { return ws.NewTimestamp(at(t, s)) }

// createBasics creates the Snowflake connection "conn" and the data model "model".
func createBasics(t *testing.T, c *ws.Client) {
	t.Helper()
	ctx := context.Background()
	_, err := c.Connections.Create(ctx, snowflake("conn"))
	require.NoError(t, err)
	_, err = c.DataModels.Create(ctx, &ws.DataModel{ID: "model", Name: "Model", State: ws.StateActive,
		Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT email, updated_on FROM users"}})
	require.NoError(t, err)
}

// newPipeline is an active user-attributes pipeline on "conn" and "model", syncing incrementally on
// updated_on (a timestamp) from from (zero: unbounded), with the schedule sched.
func newPipeline(id string, from time.Time, sched ws.Schedule) *ws.Pipeline {
	p := &ws.Pipeline{ID: id, Name: "Pipeline " + id, PipelineType: ws.PipelineUserAttributes,
		ConnectionID: "conn", DataModelID: "model", State: ws.StateActive, Environment: ws.EnvironmentDevelopment,
		SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_on", IteratorDataType: ws.IteratorTimestamp},
		Schedule: sched}
	if !from.IsZero() {
		p.SyncMode.From = ws.NewTimestamp(from)
	}
	return p
}

func onDemand() ws.Schedule { return ws.Schedule{Type: ws.ScheduleOnDemand} }

func hourly(start time.Time) ws.Schedule {
	return ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyHourly, Start: ws.NewTimestamp(start)}
}

// mustCreate creates p through c.
func mustCreate(t *testing.T, c *ws.Client, p *ws.Pipeline) {
	t.Helper()
	_, err := c.Pipelines.Create(context.Background(), p)
	require.NoError(t, err)
}

// mustTrigger triggers the pipeline and returns the run id.
func mustTrigger(t *testing.T, c *ws.Client, id string) int64 {
	t.Helper()
	tr, err := c.Pipelines.Trigger(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, ws.TriggerAttemptRequested, tr.Status)
	return tr.PipelineRunID
}

// TestAutoAdvanceMovesToThePolledRunsNextStep is a regression test: a poll used to move the clock to
// the next event of any pipeline, so with another pipeline's event in between, the polled run had not
// changed and Runs.Wait slept a whole poll interval of wall time.
func TestAutoAdvanceMovesToThePolledRunsNextStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t, WithAutoAdvance())
	createBasics(t, c)
	start := DefaultStartTime()
	mustCreate(t, c, newPipeline("hourly", start, hourly(start))) // first run due at 01:00
	mustCreate(t, c, newPipeline("manual", time.Time{}, onDemand()))
	require.NoError(t, srv.AdvanceTo(start.Add(59*time.Minute+30*time.Second)))
	id := mustTrigger(t, c, "manual") // runs 00:59:30 – 01:00:30; "hourly" starts a run at 01:00 in between

	run, err := c.Runs.Get(ctx, "manual", id)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status, "one poll reaches the polled run's next step")
	assert.Equal(t, start.Add(time.Hour+30*time.Second), srv.Now(), "and goes no further")
	other, err := c.Pipelines.Get(ctx, "hourly")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineRunning, other.Status, "events on the way were processed")
}

func TestRunsAllPagesThroughDateFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)
	createBasics(t, c)
	s := DefaultStartTime()
	mustCreate(t, c, newPipeline("p", time.Time{}, hourly(s)))
	// The initial interval [unbounded, S) runs at S, then one run per hour: logical dates S-1h … S+47h.
	require.NoError(t, srv.Advance(48*time.Hour))

	all := collectRuns(t, c, "p", &ws.ListRunsOptions{PageSize: 7})
	require.Len(t, all, 49)
	for i, r := range all {
		assert.Equal(t, ws.NewTimestamp(s.Add(time.Duration(i-1)*time.Hour)), r.LogicalDate, "run %d", i)
		assert.Equal(t, ws.RunScheduled, r.Type)
		if i > 0 {
			assert.Greater(t, r.ID, all[i-1].ID)
			assert.Equal(t, all[i-1].RangeEnd, r.RangeStart, "ranges touch: no gap, no overlap")
		}
	}
	assert.True(t, all[0].RangeStart.IsZero(), "the initial run syncs everything before S")

	for _, tt := range []struct {
		name       string
		start, end time.Time
		size       int
		want       []int // indexes into all
		requests   int
	}{
		{"both bounds inclusive", s.Add(5 * time.Hour), s.Add(20 * time.Hour), 5, span(6, 21), 4},
		{"bounds between runs", s.Add(5*time.Hour + time.Second), s.Add(20*time.Hour - time.Second), 5, span(7, 20), 3},
		{"start only", s.Add(40 * time.Hour), time.Time{}, 3, span(41, 48), 3},
		{"end only", time.Time{}, s, 50, span(0, 1), 1},
		{"bounds a millisecond off", s.Add(5*time.Hour + time.Millisecond), s.Add(20*time.Hour - time.Millisecond), 5, span(7, 20), 3},
		{"one instant", s.Add(7 * time.Hour), s.Add(7 * time.Hour), 10, span(8, 8), 1},
		{"nothing", s.Add(100 * time.Hour), time.Time{}, 10, nil, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := countRequests(srv, "GET", "/inputs/data-pipelines/p/runs")
			got := collectRuns(t, c, "p", &ws.ListRunsOptions{PageSize: tt.size, StartDate: tt.start, EndDate: tt.end})
			var want []ws.Run
			for _, i := range tt.want {
				want = append(want, all[i])
			}
			assert.Equal(t, want, got)
			assert.Equal(t, tt.requests, countRequests(srv, "GET", "/inputs/data-pipelines/p/runs")-before, "pages fetched")
		})
	}

	page, err := c.Runs.List(ctx, "p", &ws.ListRunsOptions{CurrentPage: 2, PageSize: 5, StartDate: s.Add(5 * time.Hour), EndDate: s.Add(20 * time.Hour)})
	require.NoError(t, err)
	want := make([]*ws.Run, 0, 5)
	for i := range all[11:16] {
		want = append(want, &all[11+i])
	}
	assert.Equal(t, ws.RunPage{Items: want, CurrentPage: 2, PageSize: 5, TotalPages: 4, TotalItems: 16,
		HasPreviousPage: true, HasNextPage: true}, *page)
}

// span is the integers from lo to hi inclusive.
func span(lo, hi int) []int {
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

// collectRuns reads every run Runs.All yields.
func collectRuns(t *testing.T, c *ws.Client, id string, opts *ws.ListRunsOptions) []ws.Run {
	t.Helper()
	var out []ws.Run
	for r, err := range c.Runs.All(context.Background(), id, opts) {
		require.NoError(t, err)
		out = append(out, *r)
	}
	return out
}

func TestRunsWaitWithAutoAdvance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t, WithAutoAdvance())
	createBasics(t, c)
	mustCreate(t, c, newPipeline("p", time.Time{}, onDemand()))
	t0 := srv.Now()
	id := mustTrigger(t, c, "p")

	// The run started when it was triggered; reads that are not polls show it running without moving the
	// clock (queued is never seen: see the Fidelity notes).
	p, err := c.Pipelines.Get(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineRunning, p.Status)
	page, err := c.Runs.List(ctx, "p", nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, ws.RunRunning, page.Items[0].Status)
	assert.Equal(t, ws.NewTimestamp(t0), page.Items[0].StartedOn)
	assert.Equal(t, t0, srv.Now())

	// With the default poll interval of 5 s, Wait returns after its first poll: no wall-clock wait.
	run, err := c.Runs.Wait(ctx, "p", id)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)
	assert.Equal(t, ws.NewTimestamp(t0.Add(time.Minute)), run.EndedOn)
	assert.Equal(t, t0.Add(time.Minute), srv.Now(), "the clock moved to the run's end, no further")
	assert.Equal(t, 1, countRequests(srv, "GET", "/inputs/data-pipelines/p/runs/1"))

	// A run that fails once: each poll moves one step, so Wait sees retrying, running, success.
	require.NoError(t, srv.DefaultWorkspace().FailNextAttempts("p", 1, "warehouse busy"))
	id = mustTrigger(t, c, "p")
	var seen []ws.RunStatus
	for {
		r, err := c.Runs.Get(ctx, "p", id)
		require.NoError(t, err)
		seen = append(seen, r.Status)
		if r.Status.Terminal() {
			break
		}
	}
	assert.Equal(t, []ws.RunStatus{ws.RunRetrying, ws.RunRunning, ws.RunSuccess}, seen)

	require.NoError(t, srv.DefaultWorkspace().FailNextAttempts("p", 1, "warehouse busy"))
	id = mustTrigger(t, c, "p")
	run, err = c.Runs.Wait(ctx, "p", id, ws.PollEvery(time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)
	assert.Empty(t, run.Errors, "a run that succeeds after a retry has no errors")
	assert.Equal(t, 3, countRequests(srv, "GET", "/inputs/data-pipelines/p/runs/3"), "Wait polled retrying, running, success")

	// The report polls the same way, one step of the run per poll, until the pipeline stops running.
	require.NoError(t, srv.DefaultWorkspace().FailNextRuns("p", 1, "warehouse down"))
	id = mustTrigger(t, c, "p")
	var steps []string
	for range 10 {
		rep, err := c.Pipelines.Report(ctx, "p")
		require.NoError(t, err)
		require.NotNil(t, rep.LatestPipelineRun)
		require.Equal(t, id, rep.LatestPipelineRun.ID)
		steps = append(steps, string(rep.Status)+"/"+string(rep.LatestPipelineRun.Status))
		if rep.Status != ws.PipelineRunning {
			assert.Equal(t, []ws.ErrorDetail{{Message: "warehouse down"}}, rep.Errors)
			break
		}
	}
	assert.Equal(t, []string{"running/retrying", "running/running", "running/retrying", "running/running", "faulted/failed"}, steps,
		"three attempts with two retry waits between them")
}

func TestTriggerOnABusyPipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)
	createBasics(t, c)
	mustCreate(t, c, newPipeline("manual", time.Time{}, onDemand()))
	s := DefaultStartTime()
	mustCreate(t, c, newPipeline("hourly", s, hourly(s)))

	first := mustTrigger(t, c, "manual")
	_, err := c.Pipelines.Trigger(ctx, "manual")
	require.ErrorIs(t, err, ws.ErrPipelineBusy)
	require.ErrorIs(t, err, ws.ErrBadRequest)
	var apiErr *ws.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"Pipeline manual is already in progress."}, apiErr.Messages)
	assert.Equal(t, 2, countRequests(srv, "POST", "/inputs/data-pipelines/trigger"), "a 400 is not retried")

	require.NoError(t, srv.Advance(time.Minute))
	second := mustTrigger(t, c, "manual")
	assert.Greater(t, second, first, "triggerable again once the run ended")

	// A scheduled run makes the pipeline busy too.
	require.NoError(t, srv.AdvanceTo(s.Add(time.Hour)))
	_, err = c.Pipelines.Trigger(ctx, "hourly")
	require.ErrorIs(t, err, ws.ErrPipelineBusy)
	require.NoError(t, srv.Advance(time.Minute))
	mustTrigger(t, c, "hourly")
}

func TestTriggerRefusesInactivePipelines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)
	createBasics(t, c)
	for _, state := range []ws.State{ws.StatePaused, ws.StateNew} {
		p := newPipeline("p-"+string(state), time.Time{}, onDemand())
		p.State = state
		mustCreate(t, c, p)
		_, err := c.Pipelines.Trigger(ctx, p.ID)
		require.ErrorIs(t, err, ws.ErrBadRequest, state)
		assert.NotErrorIs(t, err, ws.ErrPipelineBusy)
		var apiErr *ws.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.Equal(t, []string{"Pipeline " + p.ID + " is " + string(state) + "; only an active pipeline can be triggered."}, apiErr.Messages)
		page, err := c.Runs.List(ctx, p.ID, nil)
		require.NoError(t, err)
		assert.Zero(t, page.TotalItems, "a refused trigger creates no run")
	}
	_, err := c.Pipelines.Trigger(ctx, "ghost")
	require.ErrorIs(t, err, ws.ErrNotFound)
	var apiErr *ws.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"Pipeline 'ghost' not found."}, apiErr.Messages)
	assert.Equal(t, 3, countRequests(srv, "POST", "/inputs/data-pipelines/trigger"))
}

func TestReportContents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)
	createBasics(t, c)
	s := DefaultStartTime()
	mustCreate(t, c, newPipeline("p", s, hourly(s)))

	rep, err := c.Pipelines.Report(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.Report{PipelineID: "p", Status: ws.PipelineIdle, ConnectionStatus: ws.ConnectionHealthy,
		DataModelStatus: ws.DataModelValid}, *rep, "no run yet")

	require.NoError(t, srv.Advance(2*time.Hour+time.Minute)) // runs 1 and 2 succeed
	require.NoError(t, srv.DefaultWorkspace().FailNextRuns("p", 1, "disk full"))
	require.NoError(t, srv.Advance(time.Hour+13*time.Minute)) // run 3's three attempts fail: faulted
	srv.DefaultWorkspace().SetDataModelInvalid("model", "column updated_on does not exist")
	srv.DefaultWorkspace().SetConnectionUnreachable("conn", "password expired")

	rep, err = c.Pipelines.Report(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineFaulted, rep.Status)
	assert.Equal(t, []ws.ErrorDetail{{Message: "disk full"}}, rep.Errors)
	assert.Equal(t, ws.ConnectionFaulted, rep.ConnectionStatus)
	assert.Equal(t, []ws.ErrorDetail{{Message: "password expired"}}, rep.ConnectionErrors)
	assert.Equal(t, ws.DataModelInvalid, rep.DataModelStatus)
	assert.Equal(t, []ws.ErrorDetail{{Message: "column updated_on does not exist"}}, rep.DataModelErrors)
	require.NotNil(t, rep.LatestSuccessfulPipelineRunID)
	assert.Equal(t, int64(2), *rep.LatestSuccessfulPipelineRunID)
	require.NotNil(t, rep.LatestPipelineRun)
	run3, err := c.Runs.Get(ctx, "p", 3)
	require.NoError(t, err)
	assert.Equal(t, *run3, *rep.LatestPipelineRun, "the latest run, as GET …/runs/3 shows it")
	assert.Equal(t, ws.RunFailed, run3.Status)
	assert.Equal(t, stamp(t, "2025-01-01T02:00:00Z"), run3.LogicalDate)
	assert.Equal(t, stamp(t, "2025-01-01T03:13:00Z"), run3.EndedOn)

	// A manual run is the latest when its logical date (the trigger instant) is the greatest.
	_, err = c.Connections.Update(ctx, snowflake("conn")) // still unreachable: 505, stays faulted
	require.ErrorIs(t, err, ws.ErrWarehouseUnreachable)
	srv.DefaultWorkspace().SetConnectionReachable("conn")
	srv.DefaultWorkspace().SetDataModelValid("model")
	_, err = c.Connections.Update(ctx, snowflake("conn")) // clears the pipeline's fault
	require.NoError(t, err)
	id := mustTrigger(t, c, "p")
	require.NoError(t, srv.Advance(time.Minute))
	rep, err = c.Pipelines.Report(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineIdle, rep.Status)
	assert.Empty(t, rep.Errors)
	assert.Equal(t, ws.ConnectionHealthy, rep.ConnectionStatus)
	assert.Empty(t, rep.ConnectionErrors)
	assert.Equal(t, ws.DataModelValid, rep.DataModelStatus)
	require.NotNil(t, rep.LatestPipelineRun)
	assert.Equal(t, id, rep.LatestPipelineRun.ID)
	assert.Equal(t, ws.RunManual, rep.LatestPipelineRun.Type)
	assert.Equal(t, id, *rep.LatestSuccessfulPipelineRunID)
	assert.Equal(t, stamp(t, "2025-01-01T02:00:00Z"), rep.LatestPipelineRun.RangeStart, "the trigger syncs from LS")
}

func TestFailNextRunsFaultsThePipelineUntilAPutOrATrigger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)
	createBasics(t, c)
	s := DefaultStartTime()

	// Over the Go API, on an hourly pipeline whose first run is due at 01:00; cleared by a PUT.
	p := newPipeline("hourly", s, hourly(s))
	mustCreate(t, c, p)
	require.NoError(t, srv.DefaultWorkspace().FailNextRuns("hourly", 1, "disk full"))
	require.NoError(t, srv.AdvanceTo(s.Add(time.Hour+13*time.Minute)))
	got, err := c.Pipelines.Get(ctx, "hourly")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineFaulted, got.Status)
	assert.Equal(t, []ws.ErrorDetail{{Message: "disk full"}}, got.Errors)
	run, err := c.Runs.Get(ctx, "hourly", 1)
	require.NoError(t, err)
	assert.Equal(t, ws.RunFailed, run.Status)
	assert.Equal(t, []ws.ErrorDetail{{Message: "disk full"}}, run.Errors)
	assert.Zero(t, run.SuccessfulRecords)

	require.NoError(t, srv.AdvanceTo(s.Add(5*time.Hour+30*time.Minute)))
	page, err := c.Runs.List(ctx, "hourly", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, page.TotalItems, "a faulted pipeline gets no scheduled runs")

	_, err = c.Pipelines.Update(ctx, p)
	require.NoError(t, err)
	require.NoError(t, srv.AdvanceTo(s.Add(6*time.Hour+time.Minute)))
	page, err = c.Runs.List(ctx, "hourly", nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 2, "no catch-up: the next run is the next interval's")
	assert.Equal(t, stamp(t, "2025-01-01T05:00:00Z"), page.Items[1].LogicalDate)
	assert.Equal(t, ws.NewTimestamp(s), page.Items[1].RangeStart, "it reaches back to from: nothing succeeded yet")
	assert.Equal(t, stamp(t, "2025-01-01T06:00:00Z"), page.Items[1].RangeEnd)
	assert.Equal(t, ws.RunSuccess, page.Items[1].Status)
	got, err = c.Pipelines.Get(ctx, "hourly")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineIdle, got.Status)

	// Over HTTP, on an on-demand pipeline; cleared by a successful trigger.
	mustCreate(t, c, newPipeline("manual", time.Time{}, onDemand()))
	status, body := admin(t, srv, http.MethodPost, "workspaces/"+srv.WorkspaceID()+"/inputs/data-pipelines/manual/fail-next-runs",
		`{"n":1,"message":"warehouse timed out"}`)
	require.Equal(t, http.StatusNoContent, status, string(body))
	failed := mustTrigger(t, c, "manual")
	require.NoError(t, srv.Advance(13*time.Minute))
	run, err = c.Runs.Get(ctx, "manual", failed)
	require.NoError(t, err)
	assert.Equal(t, ws.RunFailed, run.Status)
	rep, err := c.Pipelines.Report(ctx, "manual")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineFaulted, rep.Status)
	assert.Equal(t, []ws.ErrorDetail{{Message: "warehouse timed out"}}, rep.Errors)

	recovered := mustTrigger(t, c, "manual")
	got, err = c.Pipelines.Get(ctx, "manual")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineRunning, got.Status, "a faulted pipeline running a trigger is running")
	require.NoError(t, srv.Advance(time.Minute))
	run, err = c.Runs.Get(ctx, "manual", recovered)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)
	assert.True(t, run.RangeStart.IsZero(), "no success before: the trigger syncs everything")
	got, err = c.Pipelines.Get(ctx, "manual")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineIdle, got.Status, "the successful trigger cleared the fault")
	assert.Empty(t, got.Errors)

	status, _ = admin(t, srv, http.MethodPost, "workspaces/"+srv.WorkspaceID()+"/inputs/data-pipelines/ghost/fail-next-runs", `{"n":1}`)
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = admin(t, srv, http.MethodPost, "workspaces/"+srv.WorkspaceID()+"/inputs/data-pipelines/manual/fail-next-runs", `{"n":0}`)
	assert.Equal(t, http.StatusBadRequest, status)
}

// Run ids start at 1, so a GET of run 0 is a plain 404: it must not be taken for a report poll and move
// the auto-advancing clock. (The client refuses run id 0, so this goes over plain HTTP.)
func TestAutoAdvanceIgnoresRunZero(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithAutoAdvance())
	a.seedBasics()
	// The initial interval is due at creation: the pipeline is running.
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	before := srv.Now()

	a.must(http.StatusNotFound, http.MethodGet, "/inputs/data-pipelines/p/runs/0", nil, nil)
	assert.Equal(t, before, srv.Now(), "the clock did not move")
	var p ws.Pipeline
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/p", nil, &p)
	assert.Equal(t, ws.PipelineRunning, p.Status)
}
