package warehousesynctest

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

func TestInjectFaultTimes(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	require.NoError(t, srv.InjectFault(Fault{Method: http.MethodPost, Path: "/connections", Status: 503, Times: 2}))
	for i := 0; i < 2; i++ {
		status, body := a.do(http.MethodPost, "/connections", databricksBody("db"))
		require.Equal(t, http.StatusServiceUnavailable, status)
		decodeError(t, http.StatusServiceUnavailable, body)
	}
	assert.Equal(t, `[]`+"\n"+`[]`+"\n"+`[]`+"\n", a.snapshot(), "a faulted request does nothing")
	a.must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)
	assert.Empty(t, srv.Faults(), "a fault with Times is removed when used up")

	var statuses []int
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/connections" {
			statuses = append(statuses, r.Status)
		}
	}
	assert.Equal(t, []int{503, 503, 200}, statuses)
}

func TestInjectFaultRateLimitHeaders(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	require.NoError(t, srv.InjectFault(Fault{Path: "/*", Status: 429, RetryAfter: 1500 * time.Millisecond, RateLimitScope: "org", Times: 1}))
	resp := a.send(http.MethodGet, a.url("/data-models"), nil, a.token)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"), "Retry-After is whole seconds, rounded up")
	assert.Equal(t, "org", resp.Header.Get("X-mp-rate-limit-exceeded"))

	require.NoError(t, srv.InjectFault(Fault{Path: "/*", Status: 429, Times: 1}))
	resp = a.send(http.MethodGet, a.url("/data-models"), nil, a.token)
	resp.Body.Close()
	assert.Equal(t, "workspace", resp.Header.Get("X-mp-rate-limit-exceeded"), "the default scope")
	assert.Empty(t, resp.Header.Get("Retry-After"))
}

func TestInjectFaultMatching(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithWorkspaces("other"))
	a.must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)
	require.NoError(t, srv.InjectFault(Fault{Method: "GET", Path: "/connections/*", Status: 502}))
	require.NoError(t, srv.InjectFault(Fault{Path: "/data-models", Status: 504, Workspace: "other"}))

	status, _ := a.do(http.MethodGet, "/connections/db", nil)
	assert.Equal(t, http.StatusBadGateway, status, "prefix match")
	status, _ = a.do(http.MethodGet, "/connections", nil)
	assert.Equal(t, http.StatusOK, status, "the prefix /connections/ does not match /connections")
	status, _ = a.do(http.MethodPut, "/connections/db", databricksBody("db"))
	assert.Equal(t, http.StatusOK, status, "other methods are not affected")
	status, _ = a.do(http.MethodGet, "/data-models", nil)
	assert.Equal(t, http.StatusOK, status, "another workspace's fault")
	status, _ = a.in("other").do(http.MethodGet, "/data-models", nil)
	assert.Equal(t, http.StatusGatewayTimeout, status)

	// Requests without a valid token get 401 and leave the fault untouched.
	resp := a.send(http.MethodGet, a.url("/connections/db"), nil, "")
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	srv.ClearFaults()
	status, _ = a.do(http.MethodGet, "/connections/db", nil)
	assert.Equal(t, http.StatusOK, status)
}

func TestInjectFaultApplyThenFail(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	require.NoError(t, srv.InjectFault(Fault{Method: "POST", Path: "/connections", ApplyThenFail: true, Times: 1}))
	status, body := a.do(http.MethodPost, "/connections", databricksBody("db"))
	require.Equal(t, http.StatusInternalServerError, status)
	decodeError(t, http.StatusInternalServerError, body)
	var got ws.Connection
	a.must(http.StatusOK, http.MethodGet, "/connections/db", nil, &got)
	assert.Equal(t, "db", got.ID, "the write happened although the client saw a 500")
	status, _ = a.do(http.MethodPost, "/connections", databricksBody("db"))
	assert.Equal(t, http.StatusBadRequest, status, "a blind retry meets the duplicate")

	require.NoError(t, srv.InjectFault(Fault{Method: "DELETE", Path: "/connections/db", Status: 503, ApplyThenFail: true, Times: 1}))
	status, _ = a.do(http.MethodDelete, "/connections/db", nil)
	require.Equal(t, http.StatusServiceUnavailable, status)
	status, _ = a.do(http.MethodGet, "/connections/db", nil)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestInjectFaultLatency(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	require.NoError(t, srv.InjectFault(Fault{Path: "/connections", Latency: time.Millisecond, Status: 503, Times: 1}))
	status, _ := a.do(http.MethodGet, "/connections", nil)
	assert.Equal(t, http.StatusServiceUnavailable, status, "latency, then the status")

	// A client that gives up ends the wait; the fault was used once.
	require.NoError(t, srv.InjectFault(Fault{Path: "/connections", Latency: time.Hour, Times: 1}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url("/connections"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+a.token)
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	status, _ = a.do(http.MethodGet, "/connections", nil)
	assert.Equal(t, http.StatusOK, status)
}

func TestInjectFaultRejectsBadFaults(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, f := range []Fault{
		{Path: "/connections", Status: 404},
		{Path: "/connections", Status: 400},
		{Path: "connections", Status: 500},
		{Path: "/con*ections", Status: 500},
		{Path: "/connections"},
		{Path: "/connections", Status: 500, Times: -1},
		{Path: "/connections", Status: 429, RateLimitScope: "galaxy"},
	} {
		assert.Error(t, srv.InjectFault(f), "%+v", f)
	}
	assert.Empty(t, srv.Faults())
}

func TestConnectionUnreachable(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("sf"), nil)
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("model"), nil)
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "sf", "model"), nil)

	srv.DefaultWorkspace().SetConnectionUnreachable("sf", "")
	var got ws.Connection
	a.must(http.StatusOK, http.MethodGet, "/connections/sf", nil, &got)
	assert.Equal(t, ws.ConnectionFaulted, got.Status)
	require.Len(t, got.Errors, 1)
	assert.Contains(t, got.Errors[0].Message, "Failed to connect")
	var rep ws.Report
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/p/report", nil, &rep)
	assert.Equal(t, ws.ConnectionFaulted, rep.ConnectionStatus)
	assert.Equal(t, got.Errors, rep.ConnectionErrors)

	before := a.snapshot()
	status, _ := a.do(http.MethodPut, "/connections/sf", snowflakeBody("sf"))
	require.Equal(t, statusWarehouseUnreachable, status)
	assert.Equal(t, before, a.snapshot())

	srv.DefaultWorkspace().SetConnectionReachable("sf")
	a.must(http.StatusOK, http.MethodGet, "/connections/sf", nil, &got)
	assert.Equal(t, ws.ConnectionFaulted, got.Status, "the fault stays until the connection is updated")
	var healed ws.Connection
	a.must(http.StatusOK, http.MethodPut, "/connections/sf", snowflakeBody("sf"), &healed)
	assert.Equal(t, ws.ConnectionHealthy, healed.Status)
	assert.Empty(t, healed.Errors)
}

func TestDataModelInvalid(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("m"), nil)
	require.NoError(t, srv.DefaultWorkspace().SetDataModelInvalid("m", "column updated_on does not exist"))
	var got ws.DataModel
	a.must(http.StatusOK, http.MethodGet, "/data-models/m", nil, &got)
	assert.Equal(t, ws.DataModelInvalid, got.Status)
	assert.Equal(t, []ws.ErrorDetail{{Message: "column updated_on does not exist"}}, got.Errors)

	var fixed ws.DataModel
	a.must(http.StatusOK, http.MethodPut, "/data-models/m", dataModelBody("m"), &fixed)
	assert.Equal(t, ws.DataModelValid, fixed.Status, "a PUT fixes the model")
	assert.Empty(t, fixed.Errors)

	srv.DefaultWorkspace().SetDataModelInvalid("m", "")
	a.must(http.StatusOK, http.MethodGet, "/data-models/m", nil, &got)
	assert.Equal(t, ws.DataModelInvalid, got.Status)
	srv.DefaultWorkspace().SetDataModelValid("m")
	a.must(http.StatusOK, http.MethodGet, "/data-models/m", nil, &got)
	assert.Equal(t, ws.DataModelValid, got.Status)
}

// TestFaultWithFullPathIsRefused: a full URL path would never match; InjectFault and the admin endpoint
// refuse it with the form that works.
func TestFaultWithFullPathIsRefused(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	err := srv.InjectFault(Fault{Path: "/platform/v2/workspaces/12345/connections", Status: 503})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `use Fault{Path: "/connections", Workspace: "12345"}`)
	status, b := admin(t, srv, http.MethodPost, "faults", `{"path":"/platform/v2/workspaces/12345/connections/*","status":503}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeError(t, http.StatusBadRequest, b)[0], `send "path": "/connections/*", "workspace": "12345"`)
	assert.Empty(t, srv.Faults())
}

// recordingTB is a testing.TB whose cleanups and errors a test can inspect.
type recordingTB struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestUnfiredFaultFailsTheTest: a test that ends with a fault that matched nothing fails, naming the
// fault; an Optional fault, a fault that fired and a cleared one do not.
func TestUnfiredFaultFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	srv := NewServer(rec)
	assert.ErrorContains(t, srv.InjectFault(Fault{Method: "POST", Path: "/connectons", Status: 503}),
		`fault: path "/connectons" matches no route of the API, so the fault could never fire; did you mean "/connections"?`)
	require.NoError(t, srv.InjectFault(Fault{Method: "POST", Path: "/connections", Status: 503}))
	_, _, line, _ := runtime.Caller(0)
	require.NoError(t, srv.InjectFault(Fault{Path: "/data-models", Status: 503, Optional: true}))
	require.NoError(t, srv.InjectFault(Fault{Path: "/inputs/*", Status: 500}))
	status, _, _ := raw(t, http.MethodGet, srv.URL()+apiPrefix+"12345/inputs/data-pipelines", "", getToken(t, srv), "")
	require.Equal(t, http.StatusInternalServerError, status, "the /inputs/* fault fired")
	rec.end()
	require.Len(t, rec.errors, 1, "%q", rec.errors)
	assert.Contains(t, rec.errors[0], `Fault{Method: "POST", Path: "/connections", Status: 503}`)
	assert.Contains(t, rec.errors[0], "never fired")
	assert.Contains(t, rec.errors[0], fmt.Sprintf("injected at faults_test.go:%d,", line-1), "the message points at the InjectFault call")

	rec = &recordingTB{TB: t}
	srv = NewServer(rec)
	require.NoError(t, srv.InjectFault(Fault{Path: "/data-models", Status: 503}))
	srv.ClearFaults()
	rec.end()
	assert.Empty(t, rec.errors, "a cleared fault is not checked")
}

// TestFaultWarehouseUnreachable: a 505 fault refuses a connection's create as unreachable, and creates
// nothing; a fault on an unknown workspace is refused.
func TestFaultWarehouseUnreachable(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	require.NoError(t, srv.InjectFault(Fault{Method: "POST", Path: "/connections", Status: 505, Times: 1}))
	status, body := a.do(http.MethodPost, "/connections", databricksBody("db"))
	require.Equal(t, statusWarehouseUnreachable, status, string(body))
	assert.Equal(t, []string{defaultUnreachableMessage}, decodeError(t, status, body))
	assert.Equal(t, "[]\n[]\n[]\n", a.snapshot())
	assert.ErrorContains(t, srv.InjectFault(Fault{Path: "/connections", Status: 503, Workspace: "99999"}),
		"Workspace '99999' not found")
}
