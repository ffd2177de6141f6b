package warehousesynctest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoredResourcesBudgets: the body, field, resource and stored-bytes budgets refuse with a status
// and a message naming the budget, and a delete gives its share back.
func TestStoredResourcesBudgets(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t, WithBudgets(Budgets{MaxResources: 3, MaxStoredBytes: 1000, MaxBodyBytes: 600, MaxFieldBytes: 300}))
	a.must(http.StatusOK, http.MethodPost, "/connections", databricksBody("c"), nil)
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("m1"), nil)
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("m2"), nil)
	status, body := a.do(http.MethodPost, "/data-models", dataModelBody("m3"))
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, decodeError(t, status, body)[0], "workspace 12345: 3 connections, data models and pipelines: over the fake's budget MaxResources of 3")
	a.must(http.StatusNoContent, http.MethodDelete, "/data-models/m2", nil, nil)
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("m3"), nil)

	m := dataModelBody("m1")
	m["name"] = strings.Repeat("n", 290)
	a.must(http.StatusOK, http.MethodPut, "/data-models/m1", m, nil) // about 400 bytes
	m["name"] = strings.Repeat("n", 299)
	m3 := dataModelBody("m3")
	m3["name"] = strings.Repeat("n", 299)
	status, body = a.do(http.MethodPut, "/data-models/m3", m3)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, decodeError(t, status, body)[0], "over the fake's budget MaxStoredBytes of 1000")

	m["name"] = strings.Repeat("n", 301)
	status, body = a.do(http.MethodPut, "/data-models/m1", m)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, decodeError(t, status, body)[0], `"name": 301 bytes: over the fake's budget MaxFieldBytes of 300`)

	m["name"] = strings.Repeat("n", 700)
	status, body = a.do(http.MethodPut, "/data-models/m1", m)
	require.Equal(t, http.StatusRequestEntityTooLarge, status, string(body))
	assert.Contains(t, decodeError(t, status, body)[0], "over the fake's budget MaxBodyBytes of 600 (raise it with WithBudgets, or the binary's -max-body-bytes flag)")
}

// TestTokensAreBounded: tokens beyond MaxTokens are refused with 503 naming the budget until some
// expire; expired tokens are forgotten as new ones are issued.
func TestTokensAreBounded(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithBudgets(Budgets{MaxTokens: 50}))
	h := srv.Handler()
	for range 50 {
		require.NotEmpty(t, mintToken(h, srv))
	}
	status, _, body := raw(t, http.MethodPost, srv.TokenURL(), "application/json", "",
		`{"client_id":"fake-client-id","client_secret":"fake-client-secret","grant_type":"client_credentials","audience":"https://api.mparticle.com"}`)
	require.Equal(t, http.StatusServiceUnavailable, status, string(body))
	assert.Contains(t, string(body), "50 unexpired access tokens: over the fake's budget MaxTokens of 50")
	require.NoError(t, srv.Advance(DefaultTokenTTL))
	require.NotEmpty(t, mintToken(h, srv), "the expired tokens are forgotten")
	srv.mu.Lock()
	n, q := len(srv.tokens), len(srv.tokenQueue)
	srv.mu.Unlock()
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, q)
}

// TestRequestLogBudgetCountsRealMemory: query strings of many keys or values fill the log up to its
// budget of real memory, not to a multiple of it.
func TestRequestLogBudgetCountsRealMemory(t *testing.T) {
	const budget = 4 << 20
	for _, documented := range []bool{false, true} {
		srv := NewServer(t, WithBudgets(Budgets{MaxRequestLogBytes: budget}))
		peak := hostileQueries(srv, 300, 3500, documented)
		srv.mu.Lock()
		counted := srv.log.bytes
		srv.mu.Unlock()
		t.Logf("documented=%v: 300 list requests of 3,500 query parameters: peak live heap +%d KiB, log counted %d KiB (budget %d KiB)",
			documented, peak>>10, counted>>10, budget>>10)
		assert.LessOrEqual(t, counted, budget)
		assert.Less(t, peak, uint64(budget+budget/4), "the log's real memory stays within its budget")
	}
}

// TestHostileInputPeakHeap reports the peak live heap under hostile traffic: huge names, many creates
// (with MaxStoredBytes lowered to 8 MiB, to stay quick), many tokens, many query keys and values.
func TestHostileInputPeakHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("sends about 60 MB of requests")
	}
	peak, accepted := hostileCreates(NewServer(t), 20, 1_000_000)
	t.Logf("20 creates with 1 MB names: %d accepted, peak live heap +%d MiB", accepted, peak>>20)
	assert.Zero(t, accepted, "over MaxFieldBytes")
	assert.Less(t, peak, uint64(16<<20))

	const stored = 8 << 20
	peak, accepted = hostileCreates(NewServer(t, WithBudgets(Budgets{MaxStoredBytes: stored})), 300, 60_000)
	t.Logf("300 creates with 60 kB names: %d accepted, peak live heap +%d MiB (MaxStoredBytes 8 MiB)", accepted, peak>>20)
	assert.Less(t, accepted, 300, "over MaxStoredBytes")
	assert.Less(t, peak, uint64(2*stored))

	peak, perMint := hostileTokens(NewServer(t), 20_000)
	t.Logf("20,000 token mints: peak live heap +%d MiB; per mint by quarter %v", peak>>20, perMint)

	peak = hostileQueries(NewServer(t), 200, 10_000, false)
	t.Logf("200 list requests with 10,000 distinct query keys: peak live heap +%d MiB", peak>>20)
	assert.Less(t, peak, uint64(4<<20), "undocumented parameters are withheld")
	peak = hostileQueries(NewServer(t), 300, 3500, true)
	t.Logf("300 list requests with 3,500 values of serviceProvider: peak live heap +%d MiB", peak>>20)
	assert.Less(t, peak, uint64(MaxRequestLogBytes))
}

// TestMaxRunsReachesTheEngine: the server's run budget caps the runs it stores; the oldest go first.
func TestMaxRunsReachesTheEngine(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithBudgets(Budgets{MaxRuns: 20}), WithAttemptDuration(time.Second))
	onDemandPipeline(a)
	for range 30 {
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, nil)
		require.NoError(t, srv.RunUntilIdle())
	}
	var page struct {
		TotalItems int `json:"total_items"`
		Items      []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/p/runs?pageSize=100", nil, &page)
	assert.LessOrEqual(t, page.TotalItems, 20)
	require.NotEmpty(t, page.Items)
	assert.EqualValues(t, 30, page.Items[len(page.Items)-1].ID, "the newest run is kept")
	assert.Greater(t, page.Items[0].ID, int64(10), "the oldest runs went")
}

// TestAdminInputsHaveBudgets: faults, seeded records and field transformation ids sent to the admin
// endpoints are bounded too.
func TestAdminInputsHaveBudgets(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithBudgets(Budgets{MaxFaults: 2, MaxStoredBytes: 2000, MaxResources: 3}))
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("m"), nil)
	require.NoError(t, srv.InjectFault(Fault{Path: "/connections", Status: 503, Optional: true}))
	require.NoError(t, srv.InjectFault(Fault{Path: "/data-models", Status: 503, Optional: true}))
	assert.ErrorContains(t, srv.InjectFault(Fault{Path: "/connections/c", Status: 503}), "2 faults installed: over the fake's budget MaxFaults of 2")
	status, body := admin(t, srv, http.MethodPost, "faults", `{"path":"/connections/c","status":503}`)
	assert.Equal(t, http.StatusBadRequest, status, string(body))

	rows := `[{"v":"` + strings.Repeat("x", 2000) + `"}]`
	status, body = admin(t, srv, http.MethodPut, "workspaces/12345/data-models/m/records", rows)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, string(body), "over the fake's budget MaxStoredBytes of 2000")
	status, body = admin(t, srv, http.MethodPut, "workspaces/12345/data-models/m/records", `[{"v":1}]`)
	require.Equal(t, http.StatusNoContent, status, string(body))

	status, body = admin(t, srv, http.MethodPut, "workspaces/12345/field-transformations", `["a","b","c","d"]`)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, string(body), "budget MaxResources of 3")
}
