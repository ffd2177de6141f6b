package engine

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkedExamples checks the runs of the API reference's schedule examples 1–4 (with
// pipelines created active at 2023-01-31T00:00:00Z): each run appears exactly at its creation time,
// running, with the stated logical date and range, and succeeds one attempt later.
func TestWorkedExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sm    SyncMode
		sched Schedule
		runs  map[int]wantRun // by position in the pipeline's runs
		total int             // runs after advancing to 2023-06-01, or 0 to skip
	}{
		{
			name:  "1 hourly",
			sm:    incremental("", ""),
			sched: interval(FrequencyHourly, "2023-02-01T00:15:00Z", "", ""),
			runs: map[int]wantRun{
				0: {"2023-01-31T23:15:00Z", "", "2023-02-01T00:15:00Z", "2023-02-01T00:15:00Z", ""},
				1: {"2023-02-01T00:15:00Z", "2023-02-01T00:15:00Z", "2023-02-01T01:15:00Z", "2023-02-01T01:15:00Z", ""},
			},
		},
		{
			name:  "2 hourly with 15m delay",
			sm:    incremental("", ""),
			sched: interval(FrequencyHourly, "2023-02-01T00:00:00Z", "", "15m"),
			runs: map[int]wantRun{
				0: {"2023-01-31T23:00:00Z", "", "2023-02-01T00:00:00Z", "2023-02-01T00:15:00Z", ""},
				1: {"2023-02-01T00:00:00Z", "2023-02-01T00:00:00Z", "2023-02-01T01:00:00Z", "2023-02-01T01:15:00Z", ""},
			},
		},
		{
			name:  "3 daily for February",
			sm:    incremental("2023-02-01T12:00:00Z", "2023-03-01T12:00:00Z"),
			sched: interval(FrequencyDaily, "2023-02-01T12:00:00Z", "2023-03-01T12:00:00Z", ""),
			runs: map[int]wantRun{
				0:  {"2023-02-01T12:00:00Z", "2023-02-01T12:00:00Z", "2023-02-02T12:00:00Z", "2023-02-02T12:00:00Z", ""},
				27: {"2023-02-28T12:00:00Z", "2023-02-28T12:00:00Z", "2023-03-01T12:00:00Z", "2023-03-01T12:00:00Z", ""},
			},
			total: 28,
		},
		{
			name:  "4 monthly with 5d delay",
			sm:    incremental("2020-01-01T00:00:00Z", ""),
			sched: interval(FrequencyMonthly, "2023-02-01T00:00:00Z", "", "5d"),
			runs: map[int]wantRun{
				0: {"2023-01-01T00:00:00Z", "2020-01-01T00:00:00Z", "2023-02-01T00:00:00Z", "2023-02-06T00:00:00Z", ""},
				1: {"2023-02-01T00:00:00Z", "2023-02-01T00:00:00Z", "2023-03-01T00:00:00Z", "2023-03-06T00:00:00Z", ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := New(Config{Start: at(t, "2023-01-31T00:00:00Z")})
			e.PutPipeline(wsID, pipeline("p", tt.sm, tt.sched))
			for _, i := range slices.Sorted(maps.Keys(tt.runs)) {
				want := tt.runs[i]
				created := at(t, want.created)
				advance(t, e, created.Add(-time.Second))
				require.Equal(t, i, e.RunCount(wsID, "p"), "runs just before %s", want.created)
				advance(t, e, created)
				runs := allRuns(t, e, "p")
				require.Len(t, runs, i+1)
				got := runs[i]
				checkRun(t, got, want)
				assert.Equal(t, RunRunning, got.Status)
				status, _ := e.Status(wsID, "p")
				assert.Equal(t, PipelineRunning, status)

				advance(t, e, created.Add(time.Minute))
				done, ok := e.Run(wsID, "p", got.ID)
				require.True(t, ok)
				assert.Equal(t, RunSuccess, done.Status)
				assert.Equal(t, NewTimestamp(created.Add(time.Minute)), done.EndedOn)
				status, _ = e.Status(wsID, "p")
				assert.Equal(t, PipelineIdle, status)
			}
			if tt.total > 0 {
				advance(t, e, at(t, "2023-06-01T00:00:00Z"))
				assert.Equal(t, tt.total, e.RunCount(wsID, "p"))
				_, pending := e.NextEvent()
				assert.False(t, pending, "an ended schedule leaves no event")
			}
		})
	}
}

// example5 is reference example 5: an on-demand pipeline created at 2023-02-01T15:13:22Z.
func example5(t *testing.T) *Engine {
	t.Helper()
	e := New(Config{Start: at(t, "2023-02-01T15:13:22Z")})
	e.PutPipeline(wsID, pipeline("p", incremental("2020-01-01T00:00:00Z", ""), Schedule{Type: ScheduleOnDemand}))
	status, _ := e.Status(wsID, "p")
	require.Equal(t, PipelineIdle, status, "the pipeline is initially idle")
	require.Zero(t, e.RunCount(wsID, "p"))
	_, pending := e.NextEvent()
	require.False(t, pending, "an on-demand pipeline schedules nothing")
	return e
}

// trigger triggers p at t, checks the queued run, and runs its first attempt.
func trigger(t *testing.T, e *Engine, when string, want wantRun) Run {
	t.Helper()
	advance(t, e, at(t, when))
	id, err := e.Trigger(wsID, "p")
	require.NoError(t, err)
	queued, ok := e.Run(wsID, "p", id)
	require.True(t, ok)
	assert.Equal(t, RunQueued, queued.Status)
	assert.True(t, queued.StartedOn.IsZero(), "a queued run has not started")
	status, _ := e.Status(wsID, "p")
	assert.Equal(t, PipelineRunning, status, "a queued run is active")
	advance(t, e, e.Now())
	got, _ := e.Run(wsID, "p", id)
	assert.Equal(t, RunRunning, got.Status)
	want.typ, want.logical, want.created = RunManual, when, when
	checkRun(t, got, want)
	return got
}

func TestExample5Triggers(t *testing.T) {
	t.Parallel()
	e := example5(t)
	first := trigger(t, e, "2023-02-04T08:30:17Z", wantRun{rangeStart: "2020-01-01T00:00:00Z", rangeEnd: "2023-02-04T08:30:17Z"})
	advanceBy(t, e, time.Minute)
	got, _ := e.Run(wsID, "p", first.ID)
	require.Equal(t, RunSuccess, got.Status)

	second := trigger(t, e, "2023-02-08T12:05:45Z", wantRun{rangeStart: "2023-02-04T08:30:17Z", rangeEnd: "2023-02-08T12:05:45Z"})
	assert.Greater(t, second.ID, first.ID)
	advanceBy(t, e, time.Minute)
	latest, successful := e.Report(wsID, "p")
	require.NotNil(t, latest)
	assert.Equal(t, second.ID, latest.ID)
	require.NotNil(t, successful)
	assert.Equal(t, second.ID, *successful)
}

func TestExample5FirstRunFailed(t *testing.T) {
	t.Parallel()
	e := example5(t)
	e.FailNextRuns(wsID, "p", 3, "warehouse timed out")
	first := trigger(t, e, "2023-02-04T08:30:17Z", wantRun{rangeStart: "2020-01-01T00:00:00Z", rangeEnd: "2023-02-04T08:30:17Z"})

	// Attempt 1 fails at +1m, retries wait 5m each: attempts end at +1m, +7m, +13m.
	advanceBy(t, e, time.Minute)
	got, _ := e.Run(wsID, "p", first.ID)
	assert.Equal(t, RunRetrying, got.Status)
	assert.Equal(t, []ErrorDetail{{Message: "warehouse timed out"}}, got.Errors)
	advanceBy(t, e, 12*time.Minute)
	got, _ = e.Run(wsID, "p", first.ID)
	require.Equal(t, RunFailed, got.Status)
	assert.Equal(t, NewTimestamp(at(t, "2023-02-04T08:43:17Z")), got.EndedOn)
	status, errs := e.Status(wsID, "p")
	assert.Equal(t, PipelineFaulted, status)
	assert.Equal(t, []ErrorDetail{{Message: "warehouse timed out"}}, errs)
	_, successful := e.Report(wsID, "p")
	assert.Nil(t, successful)

	// The second trigger starts at from again, and its success clears the fault.
	second := trigger(t, e, "2023-02-08T12:05:45Z", wantRun{rangeStart: "2020-01-01T00:00:00Z", rangeEnd: "2023-02-08T12:05:45Z"})
	advanceBy(t, e, time.Minute)
	got, _ = e.Run(wsID, "p", second.ID)
	assert.Equal(t, RunSuccess, got.Status)
	assert.Empty(t, got.Errors)
	status, errs = e.Status(wsID, "p")
	assert.Equal(t, PipelineIdle, status)
	assert.Empty(t, errs)
}

func TestTriggerRefusals(t *testing.T) {
	t.Parallel()
	e := example5(t)

	_, err := e.Trigger(wsID, "nope")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = e.Trigger("other-workspace", "p")
	require.ErrorIs(t, err, ErrNotFound, "pipelines are per workspace")

	id, err := e.Trigger(wsID, "p")
	require.NoError(t, err)
	_, err = e.Trigger(wsID, "p")
	require.ErrorIs(t, err, ErrBusy)
	advanceBy(t, e, 30*time.Second)
	_, err = e.Trigger(wsID, "p")
	require.ErrorIs(t, err, ErrBusy, "still running")
	advanceBy(t, e, 30*time.Second)
	r, _ := e.Run(wsID, "p", id)
	require.Equal(t, RunSuccess, r.Status)

	for _, state := range []StateValue{StatePaused, StateNew} {
		pl := pipeline("p", incremental("2020-01-01T00:00:00Z", ""), Schedule{Type: ScheduleOnDemand})
		pl.State = state
		e.PutPipeline(wsID, pl)
		_, err = e.Trigger(wsID, "p")
		require.ErrorIs(t, err, ErrNotActive)
		var se *StateError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, state, se.State)
		assert.Contains(t, err.Error(), string(state))
	}
	assert.Equal(t, 1, e.RunCount(wsID, "p"), "refused triggers create no run")
}
