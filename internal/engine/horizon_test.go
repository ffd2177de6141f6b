package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// TestEstimateCountsTheLastSecondOfYear9999 checks that the event estimate's horizon is the last instant
// the clock can reach (the shared wire.LastInstant), not a second before it: a once run due in the last
// second of year 9999 is counted, so the estimate stays an upper bound of what AdvanceTo processes.
func TestEstimateCountsTheLastSecondOfYear9999(t *testing.T) {
	t.Parallel()
	last := wire.LastInstant()
	e := withEnv(New(Config{Start: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}), newTestEnv())
	due := time.Date(9999, 12, 31, 23, 59, 59, 500_000_000, time.UTC)
	e.PutPipeline(wsID, pipeline("late", SyncMode{Type: SyncFull},
		Schedule{Type: ScheduleOnce, Start: NewTimestamp(due)}))
	estimate := e.estimate(last)
	n, err := e.AdvanceTo(last)
	require.NoError(t, err)
	require.Positive(t, n, "the once run falls due before the last instant")
	assert.GreaterOrEqual(t, estimate, int64(n), "the event estimate is an upper bound")
}
