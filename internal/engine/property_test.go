package engine

import (
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// action is one step of a random script.
type action struct {
	kind     string
	pipeline string
	by       time.Duration // advance
	n        int           // failNext: attempts; update: schedule choice
}

var propStart = time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)

// propPipelines are the script's pipelines: an hourly one created after its start (it catches up), and
// an on-demand one. Both are incremental from a fixed instant, which the coverage check relies on.
var propPipelines = []string{"a", "b"}

func propFrom(id string) time.Time {
	if id == "a" {
		return propStart.Add(-24 * time.Hour)
	}
	return propStart.Add(-7 * 24 * time.Hour)
}

// propSchedules are what an update action may set.
func propSchedule(n int) Schedule {
	start := NewTimestamp(propStart.Add(-3 * time.Hour))
	switch n {
	case 0:
		return Schedule{Type: ScheduleInterval, Frequency: FrequencyHourly, Start: start}
	case 1:
		d, _ := ParseDelay("15m")
		return Schedule{Type: ScheduleInterval, Frequency: FrequencyHourly, Start: NewTimestamp(propStart.Add(20 * time.Minute)), Delay: d}
	case 2:
		return Schedule{Type: ScheduleInterval, Frequency: FrequencyDaily, Start: start}
	case 3:
		d, _ := ParseDelay("2h")
		return Schedule{Type: ScheduleInterval, Frequency: FrequencyWeekly, Start: start, Delay: d}
	case 4:
		return Schedule{Type: ScheduleOnce}
	}
	return Schedule{Type: ScheduleOnDemand}
}

func drawScript(t *rapid.T) []action {
	kinds := []string{"advance", "advance", "advance", "trigger", "pause", "resume", "update", "fault", "heal", "failNext", "clearFault"}
	durations := []time.Duration{0, 30 * time.Second, time.Minute, 5 * time.Minute, 17 * time.Minute, time.Hour, 3 * time.Hour, 24 * time.Hour}
	n := rapid.IntRange(1, 40).Draw(t, "steps")
	script := make([]action, n)
	for i := range script {
		script[i] = action{
			kind:     rapid.SampledFrom(kinds).Draw(t, "kind"),
			pipeline: rapid.SampledFrom(propPipelines).Draw(t, "pipeline"),
			by:       rapid.SampledFrom(durations).Draw(t, "by"),
			n:        rapid.IntRange(0, 5).Draw(t, "n"),
		}
	}
	return script
}

// propWorld runs a script against an engine and the test's model of faults.
type propWorld struct {
	e         *Engine
	env       *testEnv
	defs      map[string]*Pipeline
	lastClear map[string]time.Time // last PUT or ClearFault
}

func newPropWorld() *propWorld {
	w := &propWorld{env: newTestEnv(), defs: map[string]*Pipeline{}, lastClear: map[string]time.Time{}}
	w.e = withEnv(New(Config{Start: propStart}), w.env)
	for _, id := range propPipelines {
		s := propSchedule(0)
		if id == "b" {
			s = propSchedule(5)
		}
		pl := pipeline(id, SyncMode{Type: SyncIncremental, IteratorField: "updated_on",
			IteratorDataType: IteratorTimestamp, From: NewTimestamp(propFrom(id))}, s)
		w.defs[id] = pl
		w.e.PutPipeline(wsID, pl)
	}
	return w
}

func (w *propWorld) put(id string) {
	w.e.PutPipeline(wsID, w.defs[id])
	w.lastClear[id] = w.e.Now()
}

func (w *propWorld) do(t require.TestingT, a action) {
	e, id := w.e, a.pipeline
	switch a.kind {
	case "advance":
		to := e.Now().Add(a.by)
		estimate := e.estimate(to)
		n, err := e.AdvanceTo(to)
		require.NoError(t, err)
		require.LessOrEqual(t, int64(n), estimate, "the event estimate is an upper bound")
	case "trigger":
		busy := e.ActiveRunCount(wsID, id) > 0
		_, err := e.Trigger(wsID, id)
		switch {
		case busy:
			require.True(t, errors.Is(err, ErrBusy), "busy trigger: %v", err)
		case w.defs[id].State != StateActive:
			require.True(t, errors.Is(err, ErrNotActive), "inactive trigger: %v", err)
		default:
			require.NoError(t, err)
		}
	case "pause":
		w.defs[id].State = StatePaused
		w.put(id)
	case "resume":
		w.defs[id].State = StateActive
		w.put(id)
	case "update":
		w.defs[id].Schedule = propSchedule(a.n)
		w.put(id)
	case "fault":
		w.env.failures[id] = []ErrorDetail{{Message: "connection of " + id + " is faulted"}}
	case "heal":
		delete(w.env.failures, id)
	case "failNext":
		e.FailNextRuns(wsID, id, a.n, "injected")
	case "clearFault":
		e.ClearFault(wsID, id)
		w.lastClear[id] = e.Now()
	}
}

// check asserts the invariants of every pipeline.
func (w *propWorld) check(t tb) {
	for _, id := range propPipelines {
		runs := allRuns(t, w.e, id)
		active := 0
		for _, r := range runs {
			if !r.Status.Terminal() {
				active++
			}
		}
		require.LessOrEqual(t, active, 1, "pipeline %s has %d active runs", id, active)
		require.Equal(t, active, w.e.ActiveRunCount(wsID, id))

		// The expected status, from the runs alone: the last run to succeed or fail decides the fault.
		byEnd := slices.DeleteFunc(slices.Clone(runs), func(r Run) bool {
			return r.Status != RunSuccess && r.Status != RunFailed
		})
		slices.SortFunc(byEnd, func(a, b Run) int {
			return cmp.Or(a.EndedOn.Compare(b.EndedOn.Time), cmp.Compare(a.ID, b.ID))
		})
		faulted := len(byEnd) > 0 && byEnd[len(byEnd)-1].Status == RunFailed &&
			byEnd[len(byEnd)-1].EndedOn.After(w.lastClear[id])
		want := PipelineIdle
		switch {
		case active > 0:
			want = PipelineRunning
		case faulted:
			want = PipelineFaulted
		case w.defs[id].State == StatePaused:
			want = PipelineStopped
		}
		status, errs := w.e.Status(wsID, id)
		require.Equal(t, want, status, "pipeline %s", id)
		if status == PipelineFaulted {
			require.Equal(t, byEnd[len(byEnd)-1].Errors, errs)
		}

		// Successful incremental ranges, in creation order, cover [from, latest range_end) exactly.
		ok := slices.DeleteFunc(slices.Clone(runs), func(r Run) bool { return r.Status != RunSuccess })
		slices.SortFunc(ok, func(a, b Run) int { return cmp.Compare(a.ID, b.ID) })
		next := NewTimestamp(propFrom(id))
		for _, r := range ok {
			require.Equal(t, next, r.RangeStart, "pipeline %s run %d (%s) starts where the last success ended", id, r.ID, r.Type)
			require.False(t, r.RangeEnd.Before(r.RangeStart.Time), "run %d has an inverted range", r.ID)
			next = r.RangeEnd
		}
	}
}

// snapshot is the JSON of every run and status, for the determinism check.
func (w *propWorld) snapshot(t tb) string {
	out := map[string]any{"now": w.e.Now()}
	for _, id := range propPipelines {
		status, errs := w.e.Status(wsID, id)
		latest, successful := w.e.Report(wsID, id)
		out[id] = map[string]any{"runs": allRuns(t, w.e, id), "status": status, "errors": errs,
			"latest": latest, "successful": successful}
	}
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return string(b)
}

func TestPropertyRandomScripts(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		script := drawScript(t)
		w := newPropWorld()
		for i, a := range script {
			w.do(t, a)
			t.Logf("step %d: %+v at %s", i, a, w.e.Now().Format(time.RFC3339))
			w.check(t)
		}
		// Let the last runs finish, then check again.
		_, err := w.e.AdvanceTo(w.e.Now().Add(time.Hour))
		require.NoError(t, err)
		w.check(t)

		// Determinism: the same script on a new engine gives byte-identical runs.
		again := newPropWorld()
		for _, a := range script {
			again.do(t, a)
		}
		_, err = again.e.AdvanceTo(again.e.Now().Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, w.snapshot(t), again.snapshot(t))
	})
}
