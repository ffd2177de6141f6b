package engine

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMaxRunsTrimsTheOldestFinishedRuns: hourly pipelines over a fake month store at most MaxRuns runs;
// what goes is the oldest finished runs across all pipelines, never an active run.
func TestMaxRunsTrimsTheOldestFinishedRuns(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2025-01-01T00:00:00Z"), MaxRuns: 200})
	for i := range 10 {
		e.PutPipeline(wsID, pipeline(fmt.Sprintf("p%d", i), incremental("", ""),
			interval(FrequencyHourly, "2025-01-01T00:00:00Z", "", "")))
	}
	advance(t, e, at(t, "2025-01-03T00:30:00Z")) // 48 runs each: 480 in all
	require.LessOrEqual(t, e.StoredRuns(), 200)
	assert.GreaterOrEqual(t, e.StoredRuns(), 180-10, "trimmed to a tenth below the cap, not emptied")
	total := 0
	for i := range 10 {
		id := fmt.Sprintf("p%d", i)
		runs := allRuns(t, e, id)
		total += len(runs)
		require.NotEmpty(t, runs)
		assert.Equal(t, at(t, "2025-01-02T23:00:00Z"), runs[len(runs)-1].LogicalDate.Time, "%s keeps its newest run", id)
		assert.Equal(t, e.RunCount(wsID, id), len(runs))
	}
	assert.Equal(t, total, e.StoredRuns(), "the count matches what the pipelines hold")
	// Every pipeline lost the same oldest hours: the oldest runs went first, across pipelines.
	first := allRuns(t, e, "p0")[0].LogicalDate.Time
	for i := 1; i < 10; i++ {
		got := allRuns(t, e, fmt.Sprintf("p%d", i))[0].LogicalDate.Time
		assert.WithinDuration(t, first, got, time.Hour)
	}
	p0 := e.RunCount(wsID, "p0")
	require.NoError(t, e.DeletePipeline(wsID, "p0"))
	assert.Equal(t, total-p0, e.StoredRuns(), "a deleted pipeline's runs leave the count")
	e.Reset()
	assert.Zero(t, e.StoredRuns())
}

// TestMaxRunsBoundsTheHeap reports the live heap of 1,000 hourly pipelines over a fake week with and
// without the cap: the cap holds the history to its size.
func TestMaxRunsBoundsTheHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	measure := func(maxRuns int) (uint64, int) {
		e := New(Config{Start: at(t, "2025-01-01T00:00:00Z"), MaxRuns: maxRuns})
		for i := range 1000 {
			e.PutPipeline(wsID, pipeline(fmt.Sprintf("p%d", i), incremental("", ""),
				interval(FrequencyHourly, "2025-01-01T00:00:00Z", "", "")))
		}
		base := liveHeap()
		for d := 1; d <= 7; d++ {
			advance(t, e, at(t, "2025-01-01T00:00:00Z").Add(time.Duration(d)*24*time.Hour))
		}
		grown := liveHeap() - min(base, liveHeap())
		runtime.KeepAlive(e)
		return grown, e.StoredRuns()
	}
	uncapped, n := measure(0)
	capped, m := measure(20_000)
	t.Logf("1,000 hourly pipelines, one fake week: %d runs, heap +%d KiB uncapped; %d runs, +%d KiB with MaxRuns 20,000",
		n, uncapped>>10, m, capped>>10)
	assert.LessOrEqual(t, m, 20_000)
	assert.Less(t, capped, uncapped/3)
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestActiveAttemptsLeft counts the attempts a run may still make, the one under way included.
func TestActiveAttemptsLeft(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: at(t, "2025-01-01T00:00:00Z")}) // 2 retries: 3 attempts
	e.PutPipeline(wsID, pipeline("p", incremental("", ""), Schedule{Type: ScheduleOnDemand}))
	assert.Equal(t, 0, e.ActiveAttemptsLeft(wsID, "p"), "no active run")
	_, err := e.Trigger(wsID, "p")
	require.NoError(t, err)
	assert.Equal(t, 3, e.ActiveAttemptsLeft(wsID, "p"), "queued")
	require.NoError(t, e.FailNextRuns(wsID, "p", 1, "boom"))
	advanceBy(t, e, 0)
	assert.Equal(t, 3, e.ActiveAttemptsLeft(wsID, "p"), "the first attempt is under way")
	advanceBy(t, e, time.Minute)
	assert.Equal(t, 2, e.ActiveAttemptsLeft(wsID, "p"), "retrying after one failure")
	advanceBy(t, e, 5*time.Minute)
	assert.Equal(t, 2, e.ActiveAttemptsLeft(wsID, "p"), "the second attempt is under way")
}
