package warehousesynctest

import (
	"context"
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
	assert.Equal(t, ws.RunPage{Items: all[11:16], CurrentPage: 2, PageSize: 5, TotalPages: 4, TotalItems: 16,
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
