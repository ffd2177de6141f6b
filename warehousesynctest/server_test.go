package warehousesynctest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnknownPathsAndMethods(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/nowhere", http.StatusNotFound, ""},
		{http.MethodGet, "/connections/a/b", http.StatusNotFound, ""},
		{http.MethodGet, "/connections/", http.StatusNotFound, ""},
		{http.MethodPatch, "/connections/x", http.StatusMethodNotAllowed, "DELETE, GET, PUT"},
		{http.MethodDelete, "/connections", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodPut, "/inputs/data-pipelines/p/report", http.StatusMethodNotAllowed, "GET"},
		{http.MethodPost, "/inputs/data-pipelines/p/runs/1", http.StatusMethodNotAllowed, "GET"},
	} {
		status, raw := a.do(c.method, c.path, nil)
		require.Equal(t, c.status, status, "%s %s", c.method, c.path)
		msg := decodeError(t, c.status, raw)[0]
		assert.Contains(t, msg, c.allow, "%s %s", c.method, c.path)
	}
	for _, p := range []string{"/", "/platform/v2/workspaces/", "/platform/v2/workspaces/12345", "/platform/v1/workspaces/12345/connections"} {
		resp := a.send(http.MethodGet, a.srv.URL()+p, nil, a.token)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"), p)
	}
}

func TestWorkspacesAndServersAreIsolated(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	_, b := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)
	assert.Equal(t, "[]\n[]\n[]\n", b.snapshot(), "another server")
	assert.Equal(t, "[]\n[]\n[]\n", a.in("other").snapshot(), "another workspace")
	a.in("other").must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)

	resp := b.send(http.MethodGet, b.url("/connections"), nil, a.token)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "tokens belong to their server")
}

func TestRequestsLogMasksSecrets(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("sf"), nil)
	a.must(http.StatusOK, http.MethodPost, "/connections", bigQueryBody("bq"), nil)
	a.do(http.MethodPost, "/connections", `{"id": "broken", "config": {"password": "half-a-secret`)
	form := url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "grant_type": {"client_credentials"}}
	post(t, srv.TokenURL(), "application/x-www-form-urlencoded", []byte(form.Encode()))
	a.do(http.MethodGet, "/connections?serviceProvider=BigQuery", nil)

	reqs := srv.Requests()
	require.Len(t, reqs, 6)
	all := ""
	for _, r := range reqs {
		all += r.Body + "\n"
	}
	for _, secret := range []string{"sf-secret-password", "bq-secret-key", "half-a-secret", DefaultClientSecret, a.token} {
		assert.NotContains(t, all, secret)
	}
	assert.Contains(t, reqs[1].Body, `"password":"************"`)
	assert.Contains(t, reqs[1].Body, `"account_identifier":"gd12345"`, "the rest of the body is kept")
	assert.Equal(t, http.StatusOK, reqs[1].Status)
	assert.Equal(t, "12345", reqs[1].Workspace)
	assert.Equal(t, DefaultStartTime(), reqs[1].Time)
	assert.Equal(t, http.StatusBadRequest, reqs[3].Status)
	assert.Contains(t, reqs[4].Body, "client_secret=************")
	assert.Equal(t, url.Values{"serviceProvider": {"BigQuery"}}, reqs[5].Query)
}

func TestReset(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	srv.SetConnectionUnreachable("conn", "down")
	srv.SetFieldTransformations("ft")
	require.NoError(t, srv.InjectFault(Fault{Path: "/nowhere", Status: 500}))
	require.NoError(t, srv.Advance(time.Hour))

	srv.Reset()
	assert.Empty(t, srv.Requests())
	assert.Empty(t, srv.Faults())
	assert.Equal(t, DefaultStartTime().Add(time.Hour), srv.Now(), "the clock keeps its time")
	assert.Equal(t, "[]\n[]\n[]\n", a.snapshot(), "the old token still works")
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("conn"), nil)
}

func TestStartOptionsAreChecked(t *testing.T) {
	t.Parallel()
	for _, opts := range [][]Option{
		{WithWorkspace("a b")},
		{WithCredentials("", "x")},
		{WithMaxActivePipelines(-1)},
		{WithTokenTTL(0)},
		{WithFieldTransformations("a b")},
		{WithAddr("256.0.0.1:0")},
	} {
		s, err := Start(opts...)
		if !assert.Error(t, err) {
			s.Close()
		}
	}
	s, err := Start(WithWorkspace("ws-1"), WithAddr("127.0.0.1:0"))
	require.NoError(t, err)
	defer s.Close()
	assert.True(t, strings.HasPrefix(s.URL(), "http://127.0.0.1:"))
	assert.Equal(t, s.URL()+"/oauth/token", s.TokenURL())
	assert.Equal(t, "ws-1", s.WorkspaceID())
	s.Close()
	s.Close() // idempotent
}

func TestHandlerServesEverything(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	// The handler is the whole fake: mounting it elsewhere serves the same state.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_fake/clock", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "2025-01-01T00:00:00.000Z")
}

// Run ids increase across the whole server (scheduler.md): Reset empties the runs but does not reuse
// their ids, so a run id a test kept from before a Reset never names a different run.
func TestResetKeepsRunIDsIncreasing(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	c := newCheckedClient(t, srv)
	createBasics(t, c)
	mustCreate(t, c, newPipeline("p", time.Time{}, onDemand()))
	require.Equal(t, int64(1), mustTrigger(t, c, "p"))

	srv.Reset()
	createBasics(t, c)
	mustCreate(t, c, newPipeline("p", time.Time{}, onDemand()))
	assert.Equal(t, int64(2), mustTrigger(t, c, "p"))
}

func TestOnlyWritesThatStoreSomethingKeepAWorkspace(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	workspaces := func() int {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.workspaces)
	}
	before := workspaces()
	for i := range 20 {
		a.in(fmt.Sprintf("invented-%d", i)).must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines", nil, nil)
	}
	status, _ := a.in("rejected").do(http.MethodPost, "/connections", obj{"id": "x"})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, before, workspaces(), "reads and rejected writes in new workspaces keep nothing")

	a.in("kept").must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)
	assert.Equal(t, before+1, workspaces(), "a workspace with a connection is kept")
	assert.Contains(t, a.in("kept").snapshot(), `"id":"db"`)
}
