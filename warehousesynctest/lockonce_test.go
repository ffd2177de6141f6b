package warehousesynctest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRequestTakesTheMutexOnce: an API request, answered or refused, takes the server's mutex once: the
// token's expiry, the request log, routing, the handler and the logged status share one critical
// section. (Before, a request took it four times.)
func TestRequestTakesTheMutexOnce(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	onDemandPipeline(a)
	for _, rq := range []struct {
		method, path string
		body         any
		status       int
	}{
		{http.MethodGet, "/connections", nil, http.StatusOK},
		{http.MethodGet, "/data-models/model", nil, http.StatusOK},
		{http.MethodPost, "/data-models", dataModelBody("model2"), http.StatusOK},
		{http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, http.StatusOK},
		{http.MethodGet, "/inputs/data-pipelines/p/runs", nil, http.StatusOK},
		{http.MethodGet, "/inputs/data-pipelines/p/report", nil, http.StatusOK},
		{http.MethodDelete, "/connections/conn", nil, http.StatusBadRequest}, // in use
		{http.MethodGet, "/inputs/data-pipelines/missing", nil, http.StatusNotFound},
	} {
		before := srv.mu.locks.Load()
		a.must(rq.status, rq.method, rq.path, rq.body, nil)
		assert.Equal(t, int64(1), srv.mu.locks.Load()-before, "%s %s", rq.method, rq.path)
	}
	before := srv.mu.locks.Load()
	resp := a.send(http.MethodGet, a.url("/connections"), nil, "not-a-token")
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, int64(1), srv.mu.locks.Load()-before, "a refused token")
}
