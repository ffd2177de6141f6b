package warehousesynctest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeAllocations checks that the request path allocates only what a request keeps or answers:
// serving GET of a pipeline or of a runs page allocates no more than the answer, the request log's
// entry and the route's parameters. Allocation counts do not depend on the machine's load.
func TestServeAllocations(t *testing.T) {
	srv, a := newAPI(t, WithTokenTTL(10000*time.Hour))
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	require.NoError(t, srv.Advance(5*time.Hour))
	for _, tc := range []struct {
		path string
		max  float64
	}{
		// The recorder and its copy of the answer are 5 of these; the request log's entry, its path and
		// query, the route's parameters and the call are most of the rest.
		{"/inputs/data-pipelines/p", 21},
		{"/inputs/data-pipelines/p/runs?pageSize=100", 30},
	} {
		req := httptest.NewRequest(http.MethodGet, apiPrefix+a.ws+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+a.token)
		h := srv.Handler()
		got := testing.AllocsPerRun(50, func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body)
			}
		})
		t.Logf("%s: %.0f allocations", tc.path, got)
		require.LessOrEqual(t, got, tc.max, tc.path)
	}
}
