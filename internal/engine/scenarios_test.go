package engine

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wsync-dev/warehousesync/internal/schedule"
)

// requireContiguous checks that there are exactly want successful runs (at least two, or there is no
// pair to compare) and that their ranges, in creation order, touch end to start.
func requireContiguous(t *testing.T, runs []Run, want int) {
	t.Helper()
	require.GreaterOrEqual(t, want, 2, "contiguity needs two successful runs to compare")
	runs = slices.Clone(runs)
	slices.SortFunc(runs, func(a, b Run) int { return cmp.Compare(a.ID, b.ID) })
	var prev *Run
	successes := 0
	for i := range runs {
		r := &runs[i]
		if r.Status != RunSuccess {
			continue
		}
		successes++
		if prev != nil {
			require.Equal(t, prev.RangeEnd, r.RangeStart, "run %d starts where run %d ended", r.ID, prev.ID)
		}
		prev = r
	}
	require.Equal(t, want, successes, "successful runs")
}

func TestCatchUpOfNewPipeline(t *testing.T) {
	t.Parallel()
	// Hourly since 2023-01-01, created 31 days later: only the intervals that ended in the last 7 days
	// (168 h, plus the one ending now) get runs, one at a time from the creation instant.
	e := New(Config{Start: at(t, "2023-02-01T00:00:00Z")})
	e.PutPipeline(wsID, pipeline("p", incremental("2022-06-01T00:00:00Z", ""),
		interval(FrequencyHourly, "2023-01-01T00:00:00Z", "", "")))
	advance(t, e, e.Now())
	runs := allRuns(t, e, "p")
	require.Len(t, runs, 1)
	checkRun(t, runs[0], wantRun{"2023-01-24T23:00:00Z", "2022-06-01T00:00:00Z", "2023-01-25T00:00:00Z", "2023-02-01T00:00:00Z", ""})

	advance(t, e, at(t, "2023-02-01T00:01:00Z"))
	checkRun(t, lastRun(t, e, "p"), wantRun{"2023-01-25T00:00:00Z", "2023-01-25T00:00:00Z", "2023-01-25T01:00:00Z", "2023-02-01T00:01:00Z", ""})

	// 169 catch-up runs end at 02:49; the intervals due at 01:00 and 02:00 follow at once, then the
	// schedule is on time again.
	advance(t, e, at(t, "2023-02-01T02:50:30Z"))
	runs = allRuns(t, e, "p")
	require.Len(t, runs, 171)
	checkRun(t, runs[168], wantRun{"2023-01-31T23:00:00Z", "2023-01-31T23:00:00Z", "2023-02-01T00:00:00Z", "2023-02-01T02:48:00Z", ""})
	checkRun(t, runs[169], wantRun{"2023-02-01T00:00:00Z", "2023-02-01T00:00:00Z", "2023-02-01T01:00:00Z", "2023-02-01T02:49:00Z", ""})
	checkRun(t, runs[170], wantRun{"2023-02-01T01:00:00Z", "2023-02-01T01:00:00Z", "2023-02-01T02:00:00Z", "2023-02-01T02:50:00Z", ""})
	advance(t, e, at(t, "2023-02-01T03:00:00Z"))
	checkRun(t, lastRun(t, e, "p"), wantRun{"2023-02-01T02:00:00Z", "2023-02-01T02:00:00Z", "2023-02-01T03:00:00Z", "2023-02-01T03:00:00Z", ""})
	advanceBy(t, e, time.Minute)
	requireContiguous(t, allRuns(t, e, "p"), 172)
}

func TestCatchUpWindowIsConfigurable(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2023-02-01T00:00:00Z"), CatchUpWindow: func(p schedule.Period, a time.Time) time.Time {
		require.Equal(t, schedule.Daily, p)
		return a.Add(-48 * time.Hour)
	}})
	e.PutPipeline(wsID, pipeline("p", incremental("", ""), interval(FrequencyDaily, "2023-01-01T00:00:00Z", "", "")))
	advance(t, e, at(t, "2023-02-01T00:10:00Z"))
	runs := allRuns(t, e, "p")
	require.Len(t, runs, 3, "intervals ending 01-30, 01-31 and 02-01")
	checkRun(t, runs[0], wantRun{"2023-01-29T00:00:00Z", "", "2023-01-30T00:00:00Z", "2023-02-01T00:00:00Z", ""})
	checkRun(t, runs[2], wantRun{"2023-01-31T00:00:00Z", "2023-01-31T00:00:00Z", "2023-02-01T00:00:00Z", "2023-02-01T00:02:00Z", ""})
}

// hourlyFromFeb1 is an hourly pipeline with from = start = 2023-02-01, created then: runs at each hour.
func hourlyFromFeb1(t *testing.T, cfg Config) *Engine {
	t.Helper()
	cfg.Start = at(t, "2023-02-01T00:00:00Z")
	e := New(cfg)
	e.PutPipeline(wsID, pipeline("p", incremental("2023-02-01T00:00:00Z", ""),
		interval(FrequencyHourly, "2023-02-01T00:00:00Z", "", "")))
	return e
}

func setState(e *Engine, id string, state StateValue) {
	pl := pipeline(id, incremental("2023-02-01T00:00:00Z", ""), interval(FrequencyHourly, "2023-02-01T00:00:00Z", "", ""))
	pl.State = state
	e.PutPipeline(wsID, pl)
}

func TestPauseResumeWidensTheRange(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{})
	advance(t, e, at(t, "2023-02-01T02:30:00Z"))
	require.Equal(t, 2, e.RunCount(wsID, "p"))

	setState(e, "p", StatePaused)
	status, _ := e.Status(wsID, "p")
	assert.Equal(t, PipelineStopped, status)
	advance(t, e, at(t, "2023-02-01T05:30:00Z"))
	assert.Equal(t, 2, e.RunCount(wsID, "p"), "nothing runs while paused")

	// Resume: no catch-up; the next interval's run reaches back to the last successful range end.
	setState(e, "p", StateActive)
	advance(t, e, at(t, "2023-02-01T06:00:00Z"))
	runs := allRuns(t, e, "p")
	require.Len(t, runs, 3)
	checkRun(t, runs[2], wantRun{"2023-02-01T05:00:00Z", "2023-02-01T02:00:00Z", "2023-02-01T06:00:00Z", "2023-02-01T06:00:00Z", ""})

	// Pausing during an attempt lets it finish.
	advanceBy(t, e, 30*time.Second)
	setState(e, "p", StatePaused)
	status, _ = e.Status(wsID, "p")
	assert.Equal(t, PipelineRunning, status)
	advanceBy(t, e, 30*time.Second)
	assert.Equal(t, RunSuccess, lastRun(t, e, "p").Status)
	status, _ = e.Status(wsID, "p")
	assert.Equal(t, PipelineStopped, status)
	requireContiguous(t, allRuns(t, e, "p"), 3)
}

func TestPauseStopsQueuedAndRetryingRuns(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{})
	advance(t, e, at(t, "2023-02-01T00:30:00Z"))
	id, err := e.Trigger(wsID, "p")
	require.NoError(t, err)
	setState(e, "p", StatePaused)
	r, _ := e.Run(wsID, "p", id)
	assert.Equal(t, RunStopped, r.Status, "a queued run is stopped")
	assert.True(t, r.StartedOn.IsZero())
	assert.Equal(t, NewTimestamp(e.Now()), r.EndedOn)
	status, _ := e.Status(wsID, "p")
	assert.Equal(t, PipelineStopped, status)

	setState(e, "p", StateActive)
	e.FailNextRuns(wsID, "p", 1, "boom")
	advance(t, e, at(t, "2023-02-01T01:02:00Z"))
	r = newestRun(t, e, "p")
	require.Equal(t, RunRetrying, r.Status)
	setState(e, "p", StatePaused)
	r, _ = e.Run(wsID, "p", r.ID)
	assert.Equal(t, RunStopped, r.Status, "a retry-waiting run is stopped")
	assert.Equal(t, []ErrorDetail{{Message: "boom"}}, r.Errors)
	_, pending := e.NextEvent()
	assert.False(t, pending)

	// A failed attempt of a run paused while running ends it as stopped, without retry or fault.
	setState(e, "p", StateActive)
	e.FailNextRuns(wsID, "p", 1, "boom")
	advance(t, e, at(t, "2023-02-01T02:00:30Z"))
	setState(e, "p", StatePaused)
	advanceBy(t, e, time.Hour)
	r = newestRun(t, e, "p")
	assert.Equal(t, RunStopped, r.Status)
	assert.Equal(t, NewTimestamp(at(t, "2023-02-01T02:01:00Z")), r.EndedOn)
	status, _ = e.Status(wsID, "p")
	assert.Equal(t, PipelineStopped, status)
}

// faultAtTwo runs [00,01) successfully, then fails the 02:00 run on its connection.
func faultAtTwo(t *testing.T) (*Engine, *testEnv) {
	t.Helper()
	env := newTestEnv()
	e := withEnv(hourlyFromFeb1(t, Config{}), env)
	advance(t, e, at(t, "2023-02-01T01:30:00Z"))
	env.failures["p"] = []ErrorDetail{{Message: "connection conn is faulted"}}
	advance(t, e, at(t, "2023-02-01T05:30:00Z"))
	runs := allRuns(t, e, "p")
	require.Len(t, runs, 2, "no scheduled runs while faulted")
	assert.Equal(t, RunFailed, runs[1].Status)
	assert.Equal(t, NewTimestamp(at(t, "2023-02-01T02:13:00Z")), runs[1].EndedOn, "three attempts, two retry waits")
	assert.Equal(t, env.failures["p"], runs[1].Errors)
	status, errs := e.Status(wsID, "p")
	assert.Equal(t, PipelineFaulted, status)
	assert.Equal(t, env.failures["p"], errs)
	return e, env
}

func TestFaultRecovery(t *testing.T) {
	t.Parallel()
	t.Run("by put", func(t *testing.T) {
		t.Parallel()
		e, env := faultAtTwo(t)
		delete(env.failures, "p")
		setState(e, "p", StateActive)
		status, _ := e.Status(wsID, "p")
		assert.Equal(t, PipelineIdle, status)
		advance(t, e, at(t, "2023-02-01T06:01:00Z"))
		r := lastRun(t, e, "p")
		checkRun(t, r, wantRun{"2023-02-01T05:00:00Z", "2023-02-01T01:00:00Z", "2023-02-01T06:00:00Z", "2023-02-01T06:00:00Z", ""})
		assert.Equal(t, RunSuccess, r.Status)
	})
	t.Run("by clear fault", func(t *testing.T) {
		t.Parallel()
		e, env := faultAtTwo(t)
		delete(env.failures, "p")
		e.ClearFault(wsID, "p")
		advance(t, e, at(t, "2023-02-01T06:01:00Z"))
		checkRun(t, lastRun(t, e, "p"), wantRun{"2023-02-01T05:00:00Z", "2023-02-01T01:00:00Z", "2023-02-01T06:00:00Z", "2023-02-01T06:00:00Z", ""})
	})
	t.Run("by trigger", func(t *testing.T) {
		t.Parallel()
		e, env := faultAtTwo(t)
		id, err := e.Trigger(wsID, "p")
		require.NoError(t, err)
		advanceBy(t, e, 13*time.Minute)
		r, _ := e.Run(wsID, "p", id)
		require.Equal(t, RunFailed, r.Status, "still broken")
		status, _ := e.Status(wsID, "p")
		require.Equal(t, PipelineFaulted, status)

		delete(env.failures, "p")
		id, err = e.Trigger(wsID, "p")
		require.NoError(t, err)
		advanceBy(t, e, time.Minute)
		r, _ = e.Run(wsID, "p", id)
		require.Equal(t, RunSuccess, r.Status)
		checkRun(t, r, wantRun{"2023-02-01T05:43:00Z", "2023-02-01T01:00:00Z", "2023-02-01T05:43:00Z", "2023-02-01T05:43:00Z", RunManual})
		status, _ = e.Status(wsID, "p")
		assert.Equal(t, PipelineIdle, status)
		advance(t, e, at(t, "2023-02-01T06:01:00Z"))
		checkRun(t, newestRun(t, e, "p"), wantRun{"2023-02-01T05:00:00Z", "2023-02-01T05:43:00Z", "2023-02-01T06:00:00Z", "2023-02-01T06:00:00Z", ""})
		requireContiguous(t, allRuns(t, e, "p"), 3)
	})
}

func TestSixMonthFullRefresh(t *testing.T) {
	t.Parallel()
	e := example5(t)
	trigger(t, e, "2023-02-04T00:00:00Z", wantRun{rangeStart: "2020-01-01T00:00:00Z", rangeEnd: "2023-02-04T00:00:00Z"})
	advanceBy(t, e, time.Minute)
	// Exactly six calendar months later is not more than six months: incremental.
	trigger(t, e, "2023-08-04T00:00:00Z", wantRun{rangeStart: "2023-02-04T00:00:00Z", rangeEnd: "2023-08-04T00:00:00Z"})
	advanceBy(t, e, time.Minute)
	// One second more than six months after the previous trigger: a full refresh from `from`.
	trigger(t, e, "2024-02-04T00:00:01Z", wantRun{rangeStart: "2020-01-01T00:00:00Z", rangeEnd: "2024-02-04T00:00:01Z"})
	advanceBy(t, e, time.Minute)

	// Without from, an on-demand pipeline's full refresh starts at schedule.start, else at null.
	for _, tt := range []struct {
		start, want string
	}{{"2023-01-15T00:00:00Z", "2023-01-15T00:00:00Z"}, {"", ""}} {
		e := New(Config{Start: at(t, "2023-02-01T00:00:00Z")})
		e.PutPipeline(wsID, pipeline("p", incremental("", ""),
			Schedule{Type: ScheduleOnDemand, Start: Timestamp{Time: parseOrZero(tt.start)}}))
		trigger(t, e, "2023-02-01T00:00:00Z", wantRun{rangeStart: tt.want, rangeEnd: "2023-02-01T00:00:00Z"})
	}
}

func TestDeleteDuringRun(t *testing.T) {
	t.Parallel()
	e := example5(t)
	first, err := e.Trigger(wsID, "p")
	require.NoError(t, err)
	advanceBy(t, e, 30*time.Second)
	e.DeletePipeline(wsID, "p")
	status, _ := e.Status(wsID, "p")
	assert.Equal(t, PipelineStatus(""), status)
	assert.Zero(t, e.RunCount(wsID, "p"))
	_, ok := e.Run(wsID, "p", first)
	assert.False(t, ok)
	_, pending := e.NextEvent()
	assert.False(t, pending, "the active run's events are gone")
	advanceBy(t, e, time.Hour)

	e.PutPipeline(wsID, pipeline("p", incremental("2020-01-01T00:00:00Z", ""), Schedule{Type: ScheduleOnDemand}))
	second := trigger(t, e, e.Now().Format(time.RFC3339), wantRun{rangeStart: "2020-01-01T00:00:00Z",
		rangeEnd: e.Now().Format(time.RFC3339)})
	assert.Greater(t, second.ID, first, "run ids are never reused")
	assert.Equal(t, 1, e.RunCount(wsID, "p"))
}

func TestMonthlyClamping(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2023-01-31T00:00:00Z")})
	e.PutPipeline(wsID, pipeline("p", incremental("2023-01-31T00:00:00Z", ""),
		interval(FrequencyMonthly, "2023-01-31T00:00:00Z", "", "")))
	advance(t, e, at(t, "2023-06-01T00:00:00Z"))
	runs := allRuns(t, e, "p")
	want := []wantRun{
		{"2023-01-31T00:00:00Z", "2023-01-31T00:00:00Z", "2023-02-28T00:00:00Z", "2023-02-28T00:00:00Z", ""},
		{"2023-02-28T00:00:00Z", "2023-02-28T00:00:00Z", "2023-03-31T00:00:00Z", "2023-03-31T00:00:00Z", ""},
		{"2023-03-31T00:00:00Z", "2023-03-31T00:00:00Z", "2023-04-30T00:00:00Z", "2023-04-30T00:00:00Z", ""},
		{"2023-04-30T00:00:00Z", "2023-04-30T00:00:00Z", "2023-05-31T00:00:00Z", "2023-05-31T00:00:00Z", ""},
	}
	require.Len(t, runs, len(want))
	for i, w := range want {
		checkRun(t, runs[i], w)
	}
}

func TestOnce(t *testing.T) {
	t.Parallel()
	full := SyncMode{Type: SyncFull, IteratorField: "updated_on", IteratorDataType: IteratorDatetimeTZ,
		From: stampOf(t, "2020-01-01T00:00:00Z"), Until: stampOf(t, "2021-01-01T00:00:00Z")}
	t.Run("reference example 6", func(t *testing.T) {
		t.Parallel()
		e := New(Config{Start: at(t, "2023-03-10T09:00:00Z")})
		e.PutPipeline(wsID, pipeline("p", full, Schedule{Type: ScheduleOnce}))
		advance(t, e, e.Now())
		checkRun(t, lastRun(t, e, "p"), wantRun{"2023-03-10T09:00:00Z", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", "2023-03-10T09:00:00Z", ""})
		advanceBy(t, e, 365*24*time.Hour)
		assert.Equal(t, 1, e.RunCount(wsID, "p"))
		assert.Equal(t, RunSuccess, lastRun(t, e, "p").Status)
		_, pending := e.NextEvent()
		assert.False(t, pending)
		// A trigger re-runs it.
		trigger(t, e, e.Now().Format(time.RFC3339), wantRun{rangeStart: "2020-01-01T00:00:00Z", rangeEnd: "2021-01-01T00:00:00Z"})
	})
	t.Run("start later", func(t *testing.T) {
		t.Parallel()
		e := New(Config{Start: at(t, "2023-03-10T09:00:00Z")})
		e.PutPipeline(wsID, pipeline("p", incremental("", ""), Schedule{Type: ScheduleOnce, Start: stampOf(t, "2023-03-11T00:00:00Z")}))
		advance(t, e, at(t, "2023-03-10T23:59:59Z"))
		assert.Zero(t, e.RunCount(wsID, "p"))
		n, err := e.RunUntilIdle()
		require.NoError(t, err)
		assert.Equal(t, 3, n, "creation, start, completion")
		assert.Equal(t, at(t, "2023-03-11T00:01:00Z"), e.Now())
		checkRun(t, lastRun(t, e, "p"), wantRun{"2023-03-11T00:00:00Z", "", "2023-03-11T00:00:00Z", "2023-03-11T00:00:00Z", ""})
	})
}

func TestOnDemandGetsNoScheduledRuns(t *testing.T) {
	t.Parallel()
	e := example5(t)
	advanceBy(t, e, 3*365*24*time.Hour)
	assert.Zero(t, e.RunCount(wsID, "p"))
	status, _ := e.Status(wsID, "p")
	assert.Equal(t, PipelineIdle, status)
}

func TestScheduleUpdate(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{})
	advance(t, e, at(t, "2023-02-02T10:00:30Z"))
	running := lastRun(t, e, "p")
	require.Equal(t, RunRunning, running.Status)
	checkRun(t, running, wantRun{"2023-02-02T09:00:00Z", "2023-02-02T09:00:00Z", "2023-02-02T10:00:00Z", "2023-02-02T10:00:00Z", ""})

	pl := pipeline("p", incremental("2023-02-01T00:00:00Z", ""), interval(FrequencyDaily, "2023-02-01T00:00:00Z", "", ""))
	e.PutPipeline(wsID, pl)
	advanceBy(t, e, 30*time.Second)
	r, _ := e.Run(wsID, "p", running.ID)
	assert.Equal(t, RunSuccess, r.Status, "the active run continues")

	// The daily interval of 02-02 would reuse an earlier time than the last logical date (09:00): the
	// next run is for 02-03, reaching back to the last range end.
	advance(t, e, at(t, "2023-02-04T00:00:00Z"))
	runs := allRuns(t, e, "p")
	checkRun(t, runs[len(runs)-1], wantRun{"2023-02-03T00:00:00Z", "2023-02-02T10:00:00Z", "2023-02-04T00:00:00Z", "2023-02-04T00:00:00Z", ""})
	assert.Equal(t, 34+1, len(runs))
	advanceBy(t, e, time.Minute)
	requireContiguous(t, allRuns(t, e, "p"), 35)
}

func TestScheduleMoveSkipsPastIntervals(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{})
	advance(t, e, at(t, "2023-02-01T05:30:00Z"))
	// Moving the start 30 minutes earlier makes intervals due at 00:30 … 05:30 eligible by logical date;
	// no catch-up: the next run is the one due at or after now, reaching back to LS.
	e.PutPipeline(wsID, pipeline("p", incremental("2023-02-01T00:00:00Z", ""), interval(FrequencyHourly, "2023-01-31T23:30:00Z", "", "")))
	advance(t, e, at(t, "2023-02-01T05:30:00Z"))
	checkRun(t, lastRun(t, e, "p"), wantRun{"2023-02-01T04:30:00Z", "2023-02-01T05:00:00Z", "2023-02-01T05:30:00Z", "2023-02-01T05:30:00Z", ""})
}

func TestRetention(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2023-02-01T00:00:00Z"), MaxEventsPerAdvance: 10_000_000})
	e.PutPipeline(wsID, pipeline("p", incremental("", ""), interval(FrequencyDaily, "2023-02-01T00:00:00Z", "", "")))
	advance(t, e, at(t, "2025-03-15T12:00:00Z"))
	runs := allRuns(t, e, "p")
	cut := NewTimestamp(at(t, "2023-03-15T12:00:00Z"))
	require.NotEmpty(t, runs)
	assert.False(t, runs[0].LogicalDate.Before(cut.Time), "oldest kept %s", runs[0].LogicalDate)
	assert.Equal(t, NewTimestamp(at(t, "2023-03-16T00:00:00Z")), runs[0].LogicalDate)
	assert.Equal(t, 730, len(runs)) // 2023-03-16 … 2025-03-14 (the 03-14 interval ran at 03-15 00:00)
	latest, successful := e.Report(wsID, "p")
	require.NotNil(t, latest)
	require.NotNil(t, successful)
	assert.Equal(t, latest.ID, *successful)
}

func TestRecordsAndLimit(t *testing.T) {
	t.Parallel()
	env := newTestEnv()
	env.sources["model"] = Rows([]map[string]any{
		{"updated_on": "2023-02-01T00:10:00Z"},
		{"Updated_On": "2023-02-01 00:20:00"},
		{"updated_on": time.Date(2023, 2, 1, 0, 59, 59, 0, time.UTC)},
		{"updated_on": "2023-02-01T01:00:00Z"}, // the next interval
		{"updated_on": nil},
		{"updated_on": "yesterday"},
		{"other": 1},
	})
	e := withEnv(hourlyFromFeb1(t, Config{RecordLimit: map[Frequency]int64{FrequencyHourly: 2}, Retries: NoRetries}), env)
	advance(t, e, at(t, "2023-02-01T01:01:00Z"))
	r := lastRun(t, e, "p")
	require.Equal(t, RunFailed, r.Status, "3 records exceed the hourly limit of 2")
	require.Len(t, r.Errors, 1)
	assert.Contains(t, r.Errors[0].Message, "more than the limit of 2 records per hourly interval")
	assert.Zero(t, r.SuccessfulRecords)

	e = withEnv(hourlyFromFeb1(t, Config{}), env)
	advance(t, e, at(t, "2023-02-01T02:01:00Z"))
	runs := allRuns(t, e, "p")
	require.Len(t, runs, 2)
	assert.Equal(t, int64(3), runs[0].SuccessfulRecords)
	assert.Equal(t, int64(3), runs[0].FailedRecords)
	assert.Equal(t, int64(1), runs[1].SuccessfulRecords)
}

func TestAdvanceRefusals(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{MaxEventsPerAdvance: 100})
	_, err := e.AdvanceTo(e.Now().Add(-time.Second))
	require.ErrorIs(t, err, ErrBackwards)

	_, err = e.AdvanceTo(e.Now().Add(48 * time.Hour))
	require.ErrorIs(t, err, ErrTooMany)
	assert.Equal(t, at(t, "2023-02-01T00:00:00Z"), e.Now(), "a refused advance changes nothing")
	assert.Zero(t, e.RunCount(wsID, "p"))

	n, err := e.AdvanceTo(e.Now().Add(10 * time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 29, n, "3 events per successful run; the 10:00 run is created and started, not completed")

	_, err = e.RunUntilIdle()
	require.ErrorIs(t, err, ErrTooMany, "an endless schedule never goes idle")

	for _, far := range []time.Time{at(t, "9999-12-31T00:00:00Z"), time.Unix(1<<40, 0)} {
		_, err = e.AdvanceTo(far)
		require.ErrorIs(t, err, ErrTooMany, "far future %s", far)
	}
	e.DeletePipeline(wsID, "p")
	n, err = e.AdvanceTo(at(t, "9999-12-31T00:00:00Z"))
	require.NoError(t, err, "nothing to run: any advance is cheap")
	assert.Zero(t, n)
}

// TestAdvanceToNowIgnoresTheCap is a regression test: the estimate counts an active run as failing every
// attempt, so with a small cap even AdvanceTo(Now()) was refused, a triggered run stayed queued, and the
// fake, which advances to now on every request, answered every request 500.
func TestAdvanceToNowIgnoresTheCap(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2023-02-01T00:00:00Z"), MaxEventsPerAdvance: 2})
	e.PutPipeline(wsID, pipeline("p", incremental("", ""), Schedule{Type: ScheduleOnDemand}))
	id, err := e.Trigger(wsID, "p")
	require.NoError(t, err)
	n, err := e.AdvanceTo(e.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	r, _ := e.Run(wsID, "p", id)
	assert.Equal(t, RunRunning, r.Status)

	// The attempt ends at +1m: an advance there is always allowed; one past the first retry (+6m) and
	// its completion (+7m), 3 events in the worst case, is still capped.
	_, err = e.AdvanceTo(e.Now().Add(10 * time.Minute))
	require.ErrorIs(t, err, ErrTooMany, "an advance past the next event is still capped")
}

func TestListRunsPaging(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{})
	// Interleave manual runs with scheduled ones: at :10 and :30 of every hour.
	for h := range 10 {
		base := at(t, "2023-02-01T00:00:00Z").Add(time.Duration(h) * time.Hour)
		for _, m := range []time.Duration{10, 30} {
			advance(t, e, base.Add(m*time.Minute))
			_, err := e.Trigger(wsID, "p")
			require.NoError(t, err)
		}
	}
	advance(t, e, at(t, "2023-02-01T10:00:30Z"))
	all := allRuns(t, e, "p")
	require.Len(t, all, 30)
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		require.True(t, a.LogicalDate.Before(b.LogicalDate.Time) || (a.LogicalDate.Equal(b.LogicalDate.Time) && a.ID < b.ID),
			"ascending logical_date, then id")
	}
	// A scheduled run's logical date is an hour before its creation, so it sorts before the manual runs
	// created before it.
	assert.Equal(t, RunScheduled, all[0].Type)
	assert.Equal(t, RunManual, all[1].Type)

	for size := 1; size <= 31; size++ {
		var got []Run
		for page := 1; ; page++ {
			p := e.ListRuns(wsID, "p", RunQuery{Page: page, PageSize: size})
			require.Equal(t, 30, p.TotalItems)
			require.Equal(t, (30+size-1)/size, p.TotalPages)
			require.Equal(t, page > 1, p.HasPreviousPage)
			for _, r := range p.Items {
				got = append(got, *r)
			}
			if !p.HasNextPage {
				break
			}
		}
		require.Equal(t, all, got, "page size %d", size)
	}

	from, to := at(t, "2023-02-01T02:00:00Z"), at(t, "2023-02-01T04:10:00Z")
	p := e.ListRuns(wsID, "p", RunQuery{From: &from, To: &to, PageSize: 3, Page: 2})
	var want []Run
	for _, r := range all {
		if !r.LogicalDate.Before(from) && !r.LogicalDate.After(to) {
			want = append(want, r)
		}
	}
	require.Len(t, want, 8, "02:00 scheduled … 04:10 manual, both bounds inclusive")
	assert.Equal(t, 8, p.TotalItems)
	assert.Equal(t, 3, p.TotalPages)
	require.Len(t, p.Items, 3)
	for i, r := range p.Items {
		assert.Equal(t, want[3+i], *r)
	}

	beyond := e.ListRuns(wsID, "p", RunQuery{Page: 99})
	assert.Empty(t, beyond.Items)
	assert.NotNil(t, beyond.Items)
	assert.Equal(t, 30, beyond.TotalItems)
	assert.Equal(t, 1, beyond.TotalPages)
	assert.False(t, beyond.HasNextPage)
	assert.True(t, beyond.HasPreviousPage)
	assert.Equal(t, MaxPageSize, e.ListRuns(wsID, "p", RunQuery{PageSize: 5000}).PageSize)
	assert.Equal(t, DefaultPageSize, e.ListRuns(wsID, "p", RunQuery{}).PageSize)
	assert.Equal(t, 0, e.ListRuns(wsID, "unknown", RunQuery{}).TotalItems)
}

func TestEqualTimeOrder(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2023-02-01T00:00:00Z")})
	sched := interval(FrequencyHourly, "2023-02-01T00:00:00Z", "", "")
	from := incremental("2023-02-01T00:00:00Z", "")
	e.PutPipeline("w1", pipeline("b", from, sched))
	e.PutPipeline("w1", pipeline("a", from, sched))
	e.PutPipeline("w0", pipeline("z", from, sched))
	next, ok := e.NextEvent()
	require.True(t, ok)
	assert.Equal(t, at(t, "2023-02-01T01:00:00Z"), next)
	advance(t, e, at(t, "2023-02-01T01:00:00Z"))
	// Creations at the same instant: by workspace, then pipeline id; run ids follow.
	for want, k := range []key{{"w0", "z"}, {"w1", "a"}, {"w1", "b"}} {
		r, _ := e.Report(k.workspace, k.id)
		require.NotNil(t, r)
		assert.Equal(t, int64(want+1), r.ID, "%v", k)
		assert.Equal(t, RunRunning, r.Status)
	}
	next, _ = e.NextEvent()
	assert.Equal(t, at(t, "2023-02-01T01:01:00Z"), next)

	e.Reset()
	_, ok = e.NextEvent()
	assert.False(t, ok)
	assert.Zero(t, e.RunCount("w1", "a"))
	e.PutPipeline("w1", pipeline("a", from, sched))
	advance(t, e, at(t, "2023-02-01T02:00:00Z"))
	r, _ := e.Report("w1", "a")
	require.NotNil(t, r)
	assert.Equal(t, 2, e.RunCount("w1", "a"), "the intervals due at 01:00 and 02:00")
	assert.Equal(t, int64(5), r.ID, "ids continue after Reset")
}

func TestRunUntilIdleStopsAtTheCap(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2023-02-01T00:00:00Z"), MaxEventsPerAdvance: 10})
	e.PutPipeline(wsID, pipeline("p", incremental("2023-02-01T00:00:00Z", ""),
		interval(FrequencyHourly, "2023-02-01T00:00:00Z", "2023-02-02T00:00:00Z", "")))
	n, err := e.RunUntilIdle()
	require.ErrorIs(t, err, ErrTooMany)
	assert.Equal(t, 10, n)
	assert.Equal(t, 4, e.RunCount(wsID, "p"), "what was processed is kept")

	e = New(Config{Start: at(t, "2023-02-01T00:00:00Z")})
	e.PutPipeline(wsID, pipeline("p", incremental("2023-02-01T00:00:00Z", ""),
		interval(FrequencyHourly, "2023-02-01T00:00:00Z", "2023-02-02T00:00:00Z", "")))
	n, err = e.RunUntilIdle()
	require.NoError(t, err)
	assert.Equal(t, 24*3, n)
	assert.Equal(t, at(t, "2023-02-02T00:01:00Z"), e.Now())
}
