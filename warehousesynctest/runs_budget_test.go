package warehousesynctest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunHistoryHoldsItsBudget: hourly pipelines run for fake weeks; the runs they store stay within
// MaxRuns, and the live heap they hold stays within the documented estimate of MaxRuns (about 150
// bytes a run: 36 MiB for the default 250,000). The test reports the heap per stored run.
func TestRunHistoryHoldsItsBudget(t *testing.T) {
	const maxRuns = 20_000
	srv, a := newAPI(t, WithBudgets(Budgets{MaxRuns: maxRuns}), WithMaxActivePipelines(0), WithAttemptDuration(time.Second))
	a.seedBasics()
	base := liveHeap()
	for i := range 50 {
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody(fmt.Sprintf("p%d", i), "conn", "model"), nil)
	}
	for range 4 {
		require.NoError(t, srv.Advance(7*24*time.Hour)) // 50 pipelines × 168 hourly runs a week
	}
	held := int64(liveHeap()) - int64(base)
	stored := 0
	srv.mu.Lock()
	for i := range 50 {
		stored += srv.eng.RunCount(srv.WorkspaceID(), fmt.Sprintf("p%d", i))
	}
	srv.mu.Unlock()
	t.Logf("50 hourly pipelines for 4 fake weeks (33,600 runs made): %d stored, live heap +%d KiB, %d bytes a run",
		stored, held>>10, held/int64(max(stored, 1)))
	assert.LessOrEqual(t, stored, maxRuns)
	assert.Less(t, held, int64(maxRuns*150+4<<20), "within the documented estimate of MaxRuns")
}
