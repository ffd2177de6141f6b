package warehousesynctest

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRequestLogBudgetCountsAllocations: bodies cut at 4 KiB plus the mark of the cut (4,130 bytes)
// sat in 4,864-byte allocations, so a log of long bodies held 16% more than its budget (4,758 KiB at
// peak for a budget of 4,096). The cut now includes its mark and every string counts its allocation.
func TestRequestLogBudgetCountsAllocations(t *testing.T) {
	const budget = 4 << 20
	for _, nameBytes := range []int{5000, 1960} {
		srv := NewServer(t, WithBudgets(Budgets{MaxRequestLogBytes: budget}))
		h := srv.Handler()
		token := mintToken(h, srv)
		body := fmt.Sprintf(`{"id":"m","name":"%s","state":"active","type":"sql","config":{"sql_query":"SELECT 1"}}`,
			strings.Repeat("n", nameBytes))
		p := newPeakHeap()
		for i := range 2500 {
			serve(h, http.MethodPut, apiPrefix+srv.WorkspaceID()+"/data-models/m", token, body)
			if i%250 == 0 {
				p.sample()
			}
		}
		p.sample()
		runtime.KeepAlive(srv)
		last := srv.LatestRequests(1)[0]
		t.Logf("names of %d bytes: peak live heap +%d KiB for a log budget of %d KiB; a kept body is %d bytes",
			nameBytes, p.peak>>10, budget>>10, len(last.Body))
		assert.LessOrEqual(t, len(last.Body), MaxLoggedBody)
		assert.Less(t, p.peak, uint64(budget), "the log's real memory stays within its budget")
	}
}
