package warehousesynctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
)

// These tests drive the clock over HTTP (/_fake/clock) and read the runs over the API, checked against
// the OpenAPI description, as a test in another language would.

// longTTL outlives the fake-clock moves of a test, so one token does.
const longTTL = 10 * 365 * 24 * time.Hour

// httpClock reads GET /_fake/clock.
func httpClock(t *testing.T, srv *Server) clockState {
	t.Helper()
	status, body := admin(t, srv, http.MethodGet, "clock", "")
	require.Equal(t, http.StatusOK, status, string(body))
	var st clockState
	require.NoError(t, json.Unmarshal(body, &st))
	return st
}

// httpAdvance posts body to /_fake/clock/advance and returns the status and the decoded answer.
func httpAdvance(t *testing.T, srv *Server, body string) (int, clockState, []byte) {
	t.Helper()
	status, raw := admin(t, srv, http.MethodPost, "clock/advance", body)
	var st clockState
	if status == http.StatusOK {
		require.NoError(t, json.Unmarshal(raw, &st))
	}
	return status, st, raw
}

// runsPage reads a page of runs over the API.
func (a *api) runsPage(pipelineID, query string) ws.RunPage {
	a.t.Helper()
	var page ws.RunPage
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/"+pipelineID+"/runs"+query, nil, &page)
	return page
}

// createOverHTTP creates the connection "conn", the data model "model" and the pipeline body over the API.
func (a *api) createOverHTTP(pipeline obj) {
	a.t.Helper()
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipeline, nil)
}

func TestClockOverHTTP(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithMaxEventsPerAdvance(100), WithTokenTTL(longTTL))
	a := newCheckedAPI(t, srv)
	s := DefaultStartTime()
	a.createOverHTTP(pipelineBody("p", "conn", "model")) // hourly from start S, from 2024-01-01: its initial run starts now

	st := httpClock(t, srv)
	assert.Equal(t, ws.NewTimestamp(s), st.Now)
	assert.Equal(t, ws.NewTimestamp(s.Add(time.Minute)), st.NextEvent, "the initial run's attempt ends")
	assert.Equal(t, "manual", st.Mode)

	status, st, raw := httpAdvance(t, srv, `{"by":"90m"}`)
	require.Equal(t, http.StatusOK, status, string(raw))
	assert.Equal(t, ws.NewTimestamp(s.Add(90*time.Minute)), st.Now)
	assert.Equal(t, ws.NewTimestamp(s.Add(2*time.Hour)), st.NextEvent)
	require.NotNil(t, st.Events)
	assert.Equal(t, 4, *st.Events, "the initial run's end; run 2 created, started and ended")

	status, st, raw = httpAdvance(t, srv, `{"to":"2025-01-01T05:00:00+01:00"}`)
	require.Equal(t, http.StatusOK, status, string(raw))
	assert.Equal(t, ws.NewTimestamp(s.Add(4*time.Hour)), st.Now, "an offset is an instant")
	assert.Len(t, a.runsPage("p", "").Items, 5)

	// Refusals change nothing: not the clock, not the runs.
	before := a.runsPage("p", "")
	for _, tt := range []struct{ body, want string }{
		{`{"to":"2025-01-01T03:59:59Z"}`, "backwards"},
		{`{"by":"-1m"}`, "backwards"},
		{`{"by":"2d"}`, "more than the limit of 100"},
		{`{"to":"2026-01-01T00:00:00Z"}`, "more than the limit of 100"},
	} {
		status, _, raw := httpAdvance(t, srv, tt.body)
		require.Equal(t, http.StatusBadRequest, status, tt.body)
		assert.Contains(t, decodeError(t, http.StatusBadRequest, raw)[0], tt.want, tt.body)
		assert.Equal(t, ws.NewTimestamp(s.Add(4*time.Hour)), httpClock(t, srv).Now, tt.body)
		assert.Equal(t, before, a.runsPage("p", ""), tt.body)
	}

	// Within the cap, in steps, the same day goes through.
	for range 4 {
		status, _, raw := httpAdvance(t, srv, `{"by":"6h"}`)
		require.Equal(t, http.StatusOK, status, string(raw))
	}
	assert.Equal(t, 29, a.runsPage("p", "").TotalItems)
}

func TestHourlyPipelineAdvancedADay(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithTokenTTL(longTTL))
	a := newCheckedAPI(t, srv)
	s := DefaultStartTime()
	body := pipelineBody("p", "conn", "model")
	delete(body["sync_mode"].(obj), "from")
	a.createOverHTTP(body)

	status, _, raw := httpAdvance(t, srv, `{"by":"24h"}`)
	require.Equal(t, http.StatusOK, status, string(raw))
	page := a.runsPage("p", "?pageSize=100")
	require.Len(t, page.Items, 25, "the initial run, then one per hour")
	assert.Equal(t, 25, page.TotalItems)
	assert.Equal(t, 1, page.TotalPages)
	for i, r := range page.Items {
		logical := s.Add(time.Duration(i-1) * time.Hour)
		assert.Equal(t, ws.NewTimestamp(logical), r.LogicalDate, "run %d", i)
		assert.Equal(t, ws.NewTimestamp(logical.Add(time.Hour)), r.StartedOn, "created and started when its interval ended")
		assert.Equal(t, ws.NewTimestamp(logical.Add(time.Hour)), r.RangeEnd)
		if i == 0 {
			assert.True(t, r.RangeStart.IsZero(), "the initial run syncs everything before start")
		} else {
			assert.Equal(t, ws.NewTimestamp(logical), r.RangeStart)
		}
		want := ws.RunSuccess
		if i == 24 {
			want = ws.RunRunning // created at the advance's last instant; its attempt ends a minute later
		}
		assert.Equal(t, want, r.Status, "run %d", i)
	}
}

// TestReferenceExample5OverHTTP replays the reference's example 5, an on-demand pipeline created at
// 2023-02-01T15:13:22Z with from 2020-01-01, and its two triggers, over the API and /_fake/clock.
func TestReferenceExample5OverHTTP(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithStartTime(time.Date(2023, 2, 1, 15, 13, 22, 0, time.UTC)))
	a := newCheckedAPI(t, srv)
	body := pipelineBody("example-pipeline", "conn", "model")
	body["sync_mode"] = obj{"type": "incremental", "iterator_field": "updated_on", "iterator_data_type": "datetime_tz",
		"from": "2020-01-01T00:00:00Z"}
	body["schedule"] = obj{"type": "on_demand"}
	a.createOverHTTP(body)
	var p ws.Pipeline
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/example-pipeline", nil, &p)
	assert.Equal(t, ws.PipelineIdle, p.Status)
	assert.Equal(t, "2023-02-01T15:13:22.000Z", p.CreatedOn.String())
	assert.Zero(t, a.runsPage("example-pipeline", "").TotalItems)

	trigger := func(when string) ws.Run {
		t.Helper()
		status, _, raw := httpAdvance(t, srv, `{"to":"`+when+`"}`)
		require.Equal(t, http.StatusOK, status, string(raw))
		a.token = getToken(t, srv) // days passed on the fake clock: the old token expired
		var tr ws.TriggerResponse
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "example-pipeline"}, &tr)
		assert.Equal(t, ws.TriggerAttemptRequested, tr.Status)
		var run ws.Run
		a.must(http.StatusOK, http.MethodGet, fmt.Sprintf("/inputs/data-pipelines/example-pipeline/runs/%d", tr.PipelineRunID), nil, &run)
		return run
	}
	first := trigger("2023-02-04T08:30:17Z")
	assert.Equal(t, ws.RunManual, first.Type)
	assert.Equal(t, ws.RunRunning, first.Status)
	assert.Equal(t, "2023-02-04T08:30:17.000Z", first.LogicalDate.String())
	assert.Equal(t, "2023-02-04T08:30:17.000Z", first.StartedOn.String())
	assert.Equal(t, "2020-01-01T00:00:00.000Z", first.RangeStart.String())
	assert.Equal(t, "2023-02-04T08:30:17.000Z", first.RangeEnd.String())
	status, _, raw := httpAdvance(t, srv, `{"by":"1m"}`)
	require.Equal(t, http.StatusOK, status, string(raw))

	second := trigger("2023-02-08T12:05:45Z")
	assert.Greater(t, second.ID, first.ID)
	assert.Equal(t, "2023-02-08T12:05:45.000Z", second.LogicalDate.String())
	assert.Equal(t, "2023-02-04T08:30:17.000Z", second.RangeStart.String(), "ranges touch: the reference's :11 is a typo")
	assert.Equal(t, "2023-02-08T12:05:45.000Z", second.RangeEnd.String())

	var rep ws.Report
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/example-pipeline/report", nil, &rep)
	require.NotNil(t, rep.LatestPipelineRun)
	assert.Equal(t, second.ID, rep.LatestPipelineRun.ID)
	require.NotNil(t, rep.LatestSuccessfulPipelineRunID)
	assert.Equal(t, first.ID, *rep.LatestSuccessfulPipelineRunID, "the second run is still running")
}

// TestSameScriptSameRuns runs one script against two fresh servers: the runs JSON is identical, byte
// for byte, ids and timestamps included.
func TestSameScriptSameRuns(t *testing.T) {
	t.Parallel()
	script := func() [][]byte {
		srv := NewServer(t, WithTokenTTL(longTTL))
		a := newCheckedAPI(t, srv)
		a.seedBasics()
		srv.DefaultWorkspace().SeedRecords("model", []map[string]any{
			{"updated_on": "2025-01-01T00:30:00Z"}, {"updated_on": "2025-01-01T05:30:00Z"}, {"updated_on": "bad"},
		})
		hourly := pipelineBody("hourly", "conn", "model")
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", hourly, nil)
		manual := pipelineBody("manual", "conn", "model")
		manual["schedule"] = obj{"type": "on_demand"}
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", manual, nil)

		advance := func(body string) {
			status, _, raw := httpAdvance(t, srv, body)
			require.Equal(t, http.StatusOK, status, string(raw))
		}
		advance(`{"by":"3h17m"}`)
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "manual"}, nil)
		require.NoError(t, srv.DefaultWorkspace().FailNextRuns("hourly", 1, "disk full"))
		advance(`{"by":"2h"}`)
		a.must(http.StatusOK, http.MethodPut, "/inputs/data-pipelines/hourly", hourly, nil) // clears the fault
		paused := clone(hourly)
		paused["state"] = "paused"
		advance(`{"by":"30m"}`)
		a.must(http.StatusOK, http.MethodPut, "/inputs/data-pipelines/hourly", paused, nil)
		advance(`{"by":"3h"}`)
		a.must(http.StatusOK, http.MethodPut, "/inputs/data-pipelines/hourly", hourly, nil) // resumes
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "manual"}, nil)
		advance(`{"to":"2025-01-02T00:00:00Z"}`)

		var out [][]byte
		for _, path := range []string{"/inputs/data-pipelines/hourly/runs?pageSize=1000", "/inputs/data-pipelines/manual/runs",
			"/inputs/data-pipelines/hourly/report", "/inputs/data-pipelines/manual/report"} {
			status, body := a.do(http.MethodGet, path, nil)
			require.Equal(t, http.StatusOK, status, string(body))
			out = append(out, body)
		}
		return out
	}
	first, second := script(), script()
	require.Len(t, first, 4)
	for i := range first {
		assert.Equal(t, string(first[i]), string(second[i]))
	}
	var page ws.RunPage
	require.NoError(t, json.Unmarshal(first[0], &page))
	assert.Greater(t, page.TotalItems, 15, "the script ran a day of an hourly pipeline")
	statuses := map[ws.RunStatus]int{}
	for _, r := range page.Items {
		statuses[r.Status]++
	}
	assert.Equal(t, 1, statuses[ws.RunFailed], "the script has a failed run")
}

func TestRetentionOverTheAPI(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithTokenTTL(longTTL))
	a := newCheckedAPI(t, srv)
	body := pipelineBody("p", "conn", "model")
	body["schedule"] = obj{"type": "interval", "frequency": "daily", "start": "2025-01-01T00:00:00Z"}
	a.createOverHTTP(body)
	status, _, raw := httpAdvance(t, srv, `{"to":"2027-03-15T12:00:00Z"}`)
	require.Equal(t, http.StatusOK, status, string(raw))

	// Runs whose logical date is more than two years old are gone: the oldest kept is 2025-03-16's.
	first := time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)
	last := time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC) // its run was due at 2027-03-15T00:00
	want := int(last.Sub(first)/(24*time.Hour)) + 1
	page := a.runsPage("p", "?pageSize=1000")
	require.Equal(t, want, page.TotalItems)
	assert.Equal(t, ws.NewTimestamp(first), page.Items[0].LogicalDate)
	assert.Equal(t, ws.NewTimestamp(last), page.Items[want-1].LogicalDate)
	assert.Empty(t, a.runsPage("p", "?endDate=2025-03-15T12:00:00Z").Items, "nothing older than two years is listed")

	status, body2 := a.do(http.MethodGet, "/inputs/data-pipelines/p/runs/1", nil)
	assert.Equal(t, http.StatusNotFound, status, "an expired run is gone: %s", body2)
	var rep ws.Report
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/p/report", nil, &rep)
	require.NotNil(t, rep.LatestPipelineRun)
	assert.Equal(t, ws.NewTimestamp(last), rep.LatestPipelineRun.LogicalDate)
	require.NotNil(t, rep.LatestSuccessfulPipelineRunID)
	assert.Equal(t, rep.LatestPipelineRun.ID, *rep.LatestSuccessfulPipelineRunID)

	// The next day's run widens nothing: ranges keep touching after old runs are gone.
	status, _, raw = httpAdvance(t, srv, `{"by":"1d"}`)
	require.Equal(t, http.StatusOK, status, string(raw))
	page = a.runsPage("p", "?startDate=2027-03-14T00:00:00Z")
	require.Len(t, page.Items, 2)
	assert.Equal(t, page.Items[0].RangeEnd, page.Items[1].RangeStart)
	assert.Equal(t, ws.NewTimestamp(first.AddDate(0, 0, 1)), a.runsPage("p", "?pageSize=1").Items[0].LogicalDate,
		"a day later, one more day has expired")
}

// TestSmallEventCapStillServesRequests is a regression test: with a cap below the estimate of one active
// run, the advance to the current instant that every request makes was refused, the triggered run stayed
// queued, and every request was answered 500.
func TestSmallEventCapStillServesRequests(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := newCheckedServer(t, WithMaxEventsPerAdvance(2))
	createBasics(t, c)
	mustCreate(t, c, newPipeline("p", time.Time{}, onDemand()))
	id := mustTrigger(t, c, "p")
	run, err := c.Runs.Get(ctx, "p", id)
	require.NoError(t, err)
	assert.Equal(t, ws.RunRunning, run.Status)

	// The attempt ends at +1m, an advance there is always allowed; by 10m the worst case (a failed
	// attempt, its retry at +6m, its end at +7m) is 3 events.
	status, _, raw := httpAdvance(t, srv, `{"by":"10m"}`)
	require.Equal(t, http.StatusBadRequest, status, "moving the clock is still capped")
	assert.Contains(t, decodeError(t, http.StatusBadRequest, raw)[0], "more than the limit of 2")
	assert.Equal(t, DefaultStartTime(), srv.Now())
}

// TestRunUntilIdleStoppedByTheCap is a regression test: when RunUntilIdle stopped at the event cap, the
// engine kept the events it had processed but the clock stayed behind, so every later request was a
// 500 ("cannot move the clock backwards").
func TestRunUntilIdleStoppedByTheCap(t *testing.T) {
	t.Parallel()
	srv, c := newCheckedServer(t, WithMaxEventsPerAdvance(20))
	createBasics(t, c)
	s := DefaultStartTime()
	sched := hourly(s)
	sched.End = ws.NewTimestamp(s.Add(30 * time.Hour))
	mustCreate(t, c, newPipeline("p", s, sched))

	status, raw := admin(t, srv, http.MethodPost, "clock/run-until-idle", "")
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeError(t, http.StatusBadRequest, raw)[0], "still pending after 20 events")
	assert.Equal(t, s.Add(7*time.Hour), srv.Now(), "the clock is at the last event processed")
	page, err := c.Runs.List(t.Context(), "p", nil)
	require.NoError(t, err)
	assert.Equal(t, 7, page.TotalItems)

	for i := 0; srv.RunUntilIdle() != nil; i++ {
		require.Less(t, i, 10, "each call makes progress")
	}
	page, err = c.Runs.List(t.Context(), "p", nil)
	require.NoError(t, err)
	assert.Equal(t, 30, page.TotalItems, "in steps, every interval up to schedule.end")
	_, pending := srv.NextEvent()
	assert.False(t, pending)
	assert.Equal(t, s.Add(30*time.Hour+time.Minute), srv.Now())
}

// sixTriggered creates six active on-demand pipelines and triggers each; it returns the run ids.
func sixTriggered(t *testing.T, c *ws.Client) map[string]int64 {
	t.Helper()
	createBasics(t, c)
	ids := map[string]int64{}
	for i := range 6 {
		id := fmt.Sprintf("p%d", i)
		mustCreate(t, c, newPipeline(id, time.Time{}, onDemand()))
		ids[id] = mustTrigger(t, c, id)
	}
	return ids
}

// TestEventCapNeverFreezesTheManualClock is a regression test: with six runs in progress and a cap of
// 20 events, the estimate (every run failing every attempt: 42 events) refused Advance(1m) and
// AdvanceTo(next event) alike, so the clock could not move at all.
func TestEventCapNeverFreezesTheManualClock(t *testing.T) {
	t.Parallel()
	srv, c := newCheckedServer(t, WithMaxEventsPerAdvance(20), WithMaxActivePipelines(0))
	runs := sixTriggered(t, c)
	next, pending := srv.NextEvent()
	require.True(t, pending)
	require.NoError(t, srv.AdvanceTo(next), "the next event is always reachable")
	for id, runID := range runs {
		run, err := c.Runs.Get(t.Context(), id, runID)
		require.NoError(t, err)
		assert.Equal(t, ws.RunSuccess, run.Status, id)
	}
	for id := range runs {
		mustTrigger(t, c, id)
	}
	require.NoError(t, srv.Advance(time.Minute+time.Second), "six attempt completions fit in the cap")
	assert.Equal(t, next.Add(time.Minute+time.Second), srv.Now())
}

// TestEventCapNeverStopsTheRealTimeClock is a regression test: with six runs in progress and a cap of
// 20 events, once the wall clock passed the attempts' end every request was answered 500 ("could
// process up to 42 events") for good. The real-time driver now catches up in bounded chunks.
func TestEventCapNeverStopsTheRealTimeClock(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2025-03-01T00:00:00Z")
	wall := newTestWall(t0)
	srv := NewServer(t, WithRealTimeClock(), withWallClock(wall), WithMaxEventsPerAdvance(20),
		WithMaxActivePipelines(0))
	c := newCheckedClient(t, srv)
	runs := sixTriggered(t, c)
	// An hour on, an advance would be refused (in the worst case each run has 5 events by then: 30),
	// but catching up with the wall clock only processes what is due, in chunks of at most 20.
	wall.set(t0.Add(time.Hour))
	for id, runID := range runs {
		run, err := c.Runs.Get(t.Context(), id, runID)
		require.NoError(t, err, "every request is served")
		assert.Equal(t, ws.RunSuccess, run.Status, id)
		assert.Equal(t, ws.NewTimestamp(t0.Add(time.Minute)), run.EndedOn, id)
	}
	assert.Equal(t, t0.Add(time.Hour), srv.Now())
}

// TestRequestLeavesTheEngineCaughtUp checks the manual clock's invariant that lets a request catch the
// engine up once: after a request that made an event due at the current instant (a trigger), the event
// has happened before the next request, with no further sync: the next event is the attempt's end.
func TestRequestLeavesTheEngineCaughtUp(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	onDemandPipeline(a)
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, nil)
	next, pending := srv.NextEvent()
	require.True(t, pending)
	assert.Equal(t, srv.Now().Add(time.Minute), next, "the triggered run started within its request")
	srv.mu.Lock()
	run, found := srv.eng.Run(srv.cfg.workspace, "p", 1)
	srv.mu.Unlock()
	require.True(t, found)
	assert.Equal(t, engine.RunRunning, run.Status)
}
