package warehousesynctest

import (
	"io"
	"net"
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
		resp := a.send(c.method, a.url(c.path), nil, a.token)
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, c.status, resp.StatusCode, "%s %s", c.method, c.path)
		msg := decodeError(t, c.status, raw)[0]
		assert.Contains(t, msg, c.allow, "%s %s", c.method, c.path)
		assert.Equal(t, c.allow, resp.Header.Get("Allow"), "%s %s: a 405 names the allowed methods in Allow", c.method, c.path)
	}
	for _, p := range []string{"/nothing-here", "/platform/v2/workspaces/", "/platform/v2/workspaces/12345", "/platform/v1/workspaces/12345/connections"} {
		resp := a.send(http.MethodGet, a.srv.URL()+p, nil, a.token)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"), p)
	}
}

func TestWorkspacesAndServersAreIsolated(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t, WithWorkspaces("other"))
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
	srv.DefaultWorkspace().SetConnectionUnreachable("conn", "down")
	srv.DefaultWorkspace().SetFieldTransformations("ft")
	require.NoError(t, srv.InjectFault(Fault{Path: "/inputs/data-pipelines/p/report", Status: 500}))
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
// TestOnlyKnownWorkspacesAnswer: a typo in a workspace id is a 404 naming the known workspaces, and
// creates nothing; WithWorkspaces and AddWorkspace add workspaces, up to the budget.
func TestOnlyKnownWorkspacesAnswer(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithWorkspaces("eu"), WithBudgets(Budgets{MaxWorkspaces: 3}))
	status, body := a.in("99999").do(http.MethodGet, "/connections", nil)
	require.Equal(t, http.StatusNotFound, status, string(body))
	assert.Contains(t, decodeError(t, status, body)[0], "Workspace '99999' not found: this fake serves workspaces 12345, eu.")
	status, _ = a.in("99999").do(http.MethodPost, "/connections", databricksBody("db"))
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"12345", "eu"}, srv.Workspaces())

	a.in("eu").must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)
	require.NoError(t, srv.AddWorkspace("us"))
	a.in("us").must(http.StatusOK, http.MethodGet, "/connections", nil, nil)
	err := srv.AddWorkspace("ap")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "budget MaxWorkspaces of 3")
	assert.Error(t, srv.AddWorkspace("not a slug"))

	status, _ = admin(t, srv, http.MethodPut, "workspaces/ap", "")
	assert.Equal(t, http.StatusConflict, status, "over the budget")
	srv.Reset()
	assert.Equal(t, []string{"12345", "eu", "us"}, srv.Workspaces(), "Reset keeps the known workspaces")
	assert.Equal(t, "[]\n[]\n[]\n", a.in("eu").snapshot(), "and empties them")

	_, err = Start(WithWorkspaces("a", "b", "c"), WithBudgets(Budgets{MaxWorkspaces: 3}))
	assert.ErrorContains(t, err, "budget MaxWorkspaces of 3")
}

// TestSlowClientsAreCut: a body that never completes and an idle keep-alive connection are cut by the
// server's timeouts (tiny ones here, set by option); a huge header is refused. Nothing sleeps: the test
// reads until the server closes the connection, with a deadline only against a hang.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithHTTPLimits(HTTPLimits{ReadTimeout: 50 * time.Millisecond, IdleTimeout: 50 * time.Millisecond,
		MaxHeaderBytes: 4 << 10}))
	addr := strings.TrimPrefix(srv.URL(), "http://")
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute))) // only against a hang
		return conn
	}

	slow := dial()
	_, err := io.WriteString(slow, "POST "+apiPrefix+"12345/connections HTTP/1.1\r\nHost: "+addr+
		"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":")
	require.NoError(t, err)
	answer, err := io.ReadAll(slow) // returns when the server closes the connection
	require.NoError(t, err, "the server cut the connection rather than the test's deadline")
	assert.NotContains(t, string(answer), "200 OK")

	idle := dial()
	_, err = io.WriteString(idle, "GET /_fake/clock HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
	require.NoError(t, err)
	answer, err = io.ReadAll(idle) // the answer, then the idle connection is closed
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(answer), "HTTP/1.1 200 OK"), string(answer))

	big := dial()
	_, err = io.WriteString(big, "GET /_fake/clock HTTP/1.1\r\nHost: "+addr+"\r\nX-Big: "+strings.Repeat("x", 16<<10)+"\r\n\r\n")
	require.NoError(t, err)
	answer, _ = io.ReadAll(big)
	assert.True(t, strings.HasPrefix(string(answer), "HTTP/1.1 431"), string(answer))
}

// TestServersHaveTimeouts: every server the package starts has read, write and idle timeouts and a
// header limit, the defaults unless an option says otherwise.
func TestServersHaveTimeouts(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	d := DefaultHTTPLimits()
	assert.Equal(t, d.ReadHeaderTimeout, srv.http.ReadHeaderTimeout)
	assert.Equal(t, d.ReadTimeout, srv.http.ReadTimeout)
	assert.Equal(t, d.WriteTimeout, srv.http.WriteTimeout)
	assert.Equal(t, d.IdleTimeout, srv.http.IdleTimeout)
	assert.Equal(t, d.MaxHeaderBytes, srv.http.MaxHeaderBytes)
	for _, v := range []time.Duration{d.ReadHeaderTimeout, d.ReadTimeout, d.WriteTimeout, d.IdleTimeout} {
		assert.Positive(t, v)
	}
	started, err := Start(WithHTTPLimits(HTTPLimits{WriteTimeout: time.Hour}))
	require.NoError(t, err)
	defer started.Close()
	assert.Equal(t, time.Hour, started.http.WriteTimeout)
	assert.Equal(t, d.ReadTimeout, started.http.ReadTimeout, "a zero field keeps its default")
	_, err = Start(WithHTTPLimits(HTTPLimits{ReadTimeout: -time.Second}))
	assert.ErrorContains(t, err, "timeout must be positive")
}

// TestUnescapedPlusInADateHints: startDate=…+01:00 sent unescaped arrives with a space; the error says
// to send %2B.
func TestUnescapedPlusInADateHints(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	status, body := a.do(http.MethodGet, "/inputs/data-pipelines/p/runs?startDate=2025-01-01T00:00:00+01:00", nil)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, decodeError(t, http.StatusBadRequest, body)[0], "%2B")
	status, body = a.do(http.MethodGet, "/inputs/data-pipelines/p/runs?startDate=2025-01-01T00:00:00%2B01:00", nil)
	assert.Equal(t, http.StatusOK, status, string(body))
}
