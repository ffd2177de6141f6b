package engine

import (
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestPropertySnapshotRestore runs a random script, saves the engine's state through JSON, restores it
// into a new engine, and runs the rest of the script on both: they stay identical, read for read.
func TestPropertySnapshotRestore(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		script := drawScript(t)
		cut := rapid.IntRange(0, len(script)).Draw(t, "cut")
		w := newPropWorld()
		for _, a := range script[:cut] {
			w.do(t, a)
		}
		b, err := json.Marshal(w.e.Snapshot())
		require.NoError(t, err)
		var st State
		require.NoError(t, json.Unmarshal(b, &st))

		restored := newPropWorld()
		require.NoError(t, restored.e.Restore(st))
		restored.lastClear = maps.Clone(w.lastClear)
		maps.Copy(restored.env.failures, w.env.failures)
		for id, def := range w.defs {
			c := *def
			restored.defs[id] = &c
		}
		require.Equal(t, w.snapshot(t), restored.snapshot(t), "reads right after the restore")
		require.Equal(t, w.e.StoredRuns(), restored.e.StoredRuns(), "the stored runs are counted")
		again, err := json.Marshal(restored.e.Snapshot())
		require.NoError(t, err)
		require.JSONEq(t, string(b), string(again), "a restored engine saves the same state")

		for _, a := range script[cut:] {
			w.do(t, a)
			restored.do(t, a)
		}
		for _, x := range []*propWorld{w, restored} {
			_, err := x.e.AdvanceTo(x.e.Now().Add(time.Hour))
			require.NoError(t, err)
		}
		require.Equal(t, w.snapshot(t), restored.snapshot(t), "the same future")
	})
}

func TestRestoreRefusesInconsistentStates(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{})
	advance(t, e, at(t, "2023-02-01T03:00:30Z"))
	good := e.Snapshot()
	require.Len(t, good.Pipelines, 1)
	require.Equal(t, "scheduled", good.Pipelines[0].Active)
	before, err := json.Marshal(good)
	require.NoError(t, err)

	tests := []struct {
		name   string
		change func(*State)
		want   string
	}{
		{"zero now", func(s *State) { s.Now = time.Time{} }, "now:"},
		{"next run id", func(s *State) { s.NextRunID = 0 }, "next_run_id"},
		{"run id not below next", func(s *State) { s.NextRunID = 2 }, "scheduled_runs[1].id"},
		{"bad workspace", func(s *State) { s.Pipelines[0].Workspace = "a b" }, "workspace"},
		{"duplicate pipeline", func(s *State) { s.Pipelines = append(s.Pipelines, s.Pipelines[0]) }, "appears twice"},
		{"bad status", func(s *State) { s.Pipelines[0].ScheduledRuns[0].Status = "done" }, "status"},
		{"runs out of order", func(s *State) {
			r := s.Pipelines[0].ScheduledRuns
			r[0], r[1] = r[1], r[0]
		}, "creation order"},
		{"active without runs", func(s *State) { s.Pipelines[0].ScheduledRuns = nil }, "active"},
		{"unknown active list", func(s *State) { s.Pipelines[0].Active = "both" }, "active"},
		{"active run not last", func(s *State) { s.Pipelines[0].Active = "manual" }, "is not the active run"},
		{"active run without event", func(s *State) { s.Pipelines[0].Event = nil }, "event"},
		{"event kind", func(s *State) { s.Pipelines[0].Event.Kind = "explode" }, "event.kind"},
		{"creation with an active run", func(s *State) { s.Pipelines[0].Event.Kind = "create" }, "event.kind"},
		{"event in the past", func(s *State) { s.Pipelines[0].Event.At = s.Now.Add(-time.Hour) }, "event.at"},
		{"bad delay", func(s *State) { s.Pipelines[0].Pipeline.Delay = "soon" }, "pipeline.delay"},
		{"interval on a run's step", func(s *State) { s.Pipelines[0].Event.Interval = 3 }, "event.interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st State
			require.NoError(t, json.Unmarshal(before, &st))
			tt.change(&st)
			err := e.Restore(st)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			after, err := json.Marshal(e.Snapshot())
			require.NoError(t, err)
			assert.JSONEq(t, string(before), string(after), "a refused restore changes nothing")
		})
	}
}

func TestRestoreRefusesAnIntervalOutOfRange(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{})
	st := e.Snapshot()
	require.Equal(t, "create", st.Pipelines[0].Event.Kind)
	st.Pipelines[0].Event.Interval = 1 << 40 // about 125 million years of hours
	require.ErrorContains(t, e.Restore(st), "event.interval")
}
