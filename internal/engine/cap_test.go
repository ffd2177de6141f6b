package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// triggeredOnDemand returns an engine with n on-demand pipelines whose triggered runs are running.
func triggeredOnDemand(t *testing.T, n int, cfg Config) *Engine {
	t.Helper()
	cfg.Start = at(t, "2023-02-01T00:00:00Z")
	e := New(cfg)
	for i := range n {
		id := fmt.Sprintf("p%d", i)
		e.PutPipeline(wsID, pipeline(id, incremental("", ""), Schedule{Type: ScheduleOnDemand}))
		_, err := e.Trigger(wsID, id)
		require.NoError(t, err)
	}
	_, err := e.AdvanceTo(e.Now())
	require.NoError(t, err)
	return e
}

// TestTheCapNeverRefusesTheNextEvent is a regression test: with a cap below the estimate of the active
// runs (six runs counted as failing every attempt: 42 events), every advance that reached an event was
// refused, so the error's advice (advance in smaller steps) could not be followed and the clock was stuck.
func TestTheCapNeverRefusesTheNextEvent(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{20, 2} {
		e := triggeredOnDemand(t, 6, Config{MaxEventsPerAdvance: limit})
		next, pending := e.NextEvent()
		require.True(t, pending)
		n, err := e.AdvanceTo(next)
		require.NoError(t, err, "cap %d: the next event is always reachable", limit)
		assert.Equal(t, 6, n, "cap %d: every attempt completes at the same instant", limit)
		assert.Equal(t, next, e.Now())
		for i := range 6 {
			r, found := e.Run(wsID, fmt.Sprintf("p%d", i), 1+int64(i))
			require.True(t, found)
			assert.Equal(t, RunSuccess, r.Status)
		}
	}
}

// TestTheEstimateCountsOnlyEventsThatCanBeDue is a regression test: the estimate counted every event an
// active run might still have, however far after the target, so a one-second step past the attempts'
// end was refused.
func TestTheEstimateCountsOnlyEventsThatCanBeDue(t *testing.T) {
	t.Parallel()
	e := triggeredOnDemand(t, 6, Config{MaxEventsPerAdvance: 20})
	start := e.Now()
	n, err := e.AdvanceTo(start.Add(time.Minute + time.Second))
	require.NoError(t, err, "six attempt completions fit in a cap of 20")
	assert.Equal(t, 6, n)

	// Runs failing every attempt: each has its completion, a retry start after 5 minutes and a second
	// completion within 7 minutes: 6·3 = 18 events fit; by 13 minutes 6·4 = 24 do not.
	e = triggeredOnDemand(t, 6, Config{MaxEventsPerAdvance: 20})
	for i := range 6 {
		e.FailNextRuns(wsID, fmt.Sprintf("p%d", i), 3, "boom")
	}
	_, err = e.AdvanceTo(start.Add(13 * time.Minute))
	assert.True(t, errors.Is(err, ErrTooMany), "a runaway advance is still refused: %v", err)
	assert.Equal(t, start, e.Now(), "a refused advance changes nothing")
	n, err = e.AdvanceTo(start.Add(7 * time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 18, n)
}

// TestAdvanceInChunksProcessesEverythingDue: AdvanceAtMost never refuses; it processes at most the
// given number of events per call and reaches the target once nothing due is left.
func TestAdvanceInChunksProcessesEverythingDue(t *testing.T) {
	t.Parallel()
	e := hourlyFromFeb1(t, Config{MaxEventsPerAdvance: 5})
	target := e.Now().Add(10 * time.Hour)
	_, err := e.AdvanceTo(target)
	require.True(t, errors.Is(err, ErrTooMany))
	total, calls := 0, 0
	for {
		n, done, err := e.AdvanceAtMost(target, 5)
		require.NoError(t, err)
		require.LessOrEqual(t, n, 5)
		total += n
		calls++
		require.Less(t, calls, 100, "each call makes progress")
		if done {
			break
		}
		require.False(t, e.Now().After(target))
	}
	assert.Equal(t, 29, total, "the same events as one uncapped advance")
	assert.Equal(t, target, e.Now())
	_, _, err = e.AdvanceAtMost(target.Add(-time.Second), 5)
	assert.True(t, errors.Is(err, ErrBackwards))
}
