package warehousesynctest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	apidesc "github.com/wsync-dev/warehousesync/api"
)

// admin sends a request to /_fake/… and returns the status and body.
func admin(t *testing.T, srv *Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+"/_fake/"+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func TestAdminClock(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	status, body := admin(t, srv, http.MethodGet, "clock", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"now":"2025-01-01T00:00:00.000Z","next_event":null,"mode":"manual"}`, string(body))

	status, body = admin(t, srv, http.MethodPost, "clock/advance", `{"by":"90m"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	var st clockState
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, DefaultStartTime().Add(90*time.Minute), st.Now.Time)
	assert.Equal(t, DefaultStartTime().Add(90*time.Minute), srv.Now())

	status, body = admin(t, srv, http.MethodPost, "clock/advance", `{"by":"2d"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.Equal(t, DefaultStartTime().Add(48*time.Hour+90*time.Minute), srv.Now())

	status, body = admin(t, srv, http.MethodPost, "clock/advance", `{"to":"2025-02-01T00:00:00Z"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.Equal(t, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), srv.Now())

	for _, bad := range []struct{ body, field string }{
		{`{"to":"2025-01-15T00:00:00Z"}`, "backwards"},
		{`{"by":"-1h"}`, "by"},
		{`{"by":"soon"}`, "by"},
		{`{"to":"2025-03-01T:12:00:00Z"}`, "to"},
		{`{"by":"1h","to":"2026-01-01T00:00:00Z"}`, "exactly one"},
		{`{}`, "exactly one"},
		{`[`, "request body"},
	} {
		status, body := admin(t, srv, http.MethodPost, "clock/advance", bad.body)
		require.Equal(t, http.StatusBadRequest, status, bad.body)
		assert.Contains(t, decodeError(t, http.StatusBadRequest, body)[0], bad.field, bad.body)
	}
	assert.Equal(t, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), srv.Now(), "refused moves change nothing")

	status, _ = admin(t, srv, http.MethodPost, "clock/run-until-idle", "")
	assert.Equal(t, http.StatusOK, status)
	status, _ = admin(t, srv, http.MethodDelete, "clock", "")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
}

func TestClockGoAPI(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC)
	srv := NewServer(t, WithStartTime(t0))
	assert.Equal(t, t0, srv.Now())
	require.NoError(t, srv.Advance(time.Hour))
	require.NoError(t, srv.AdvanceTo(t0.Add(2*time.Hour)))
	assert.Equal(t, t0.Add(2*time.Hour), srv.Now())
	assert.Error(t, srv.AdvanceTo(t0), "time never goes backwards")
	assert.Error(t, srv.Advance(-time.Second))
	assert.Equal(t, t0.Add(2*time.Hour), srv.Now())
	require.NoError(t, srv.RunUntilIdle())
	_, pending := srv.NextEvent()
	assert.False(t, pending)
}

func TestRealTimeClockRefusesManualMoves(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithRealTimeClock())
	assert.ErrorIs(t, srv.Advance(time.Hour), errRealTime)
	assert.ErrorIs(t, srv.RunUntilIdle(), errRealTime)
	status, body := admin(t, srv, http.MethodGet, "clock", "")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"mode":"real"`)
	status, body = admin(t, srv, http.MethodPost, "clock/advance", `{"by":"1h"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "Start the binary with -clock manual", "the refusal says how to get a manual clock")
	status, body = admin(t, srv, http.MethodPost, "clock/run-until-idle", "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "-clock manual")
	// The API works on the real clock too.
	a := &api{t: t, srv: srv, ws: srv.WorkspaceID(), token: getToken(t, srv)}
	a.must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)
}

func TestAdminFaultsAndFixtures(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)

	status, body := admin(t, srv, http.MethodPost, "faults", `{"method":"GET","path":"/connections","status":429,"retry_after":"3s","rate_limit_scope":"app","times":1}`)
	require.Equal(t, http.StatusNoContent, status, string(body))
	status, body = admin(t, srv, http.MethodGet, "faults", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `[{"method":"GET","path":"/connections","status":429,"retry_after":"3s","rate_limit_scope":"app","times":1}]`, string(body))
	resp := a.send(http.MethodGet, a.url("/connections"), nil, a.token)
	resp.Body.Close()
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	assert.Equal(t, "app", resp.Header.Get("X-mp-rate-limit-exceeded"))

	status, _ = admin(t, srv, http.MethodPost, "faults", `{"path":"/connections","status":503,"retry_after":2,"latency":"1ms"}`)
	require.Equal(t, http.StatusNoContent, status)
	status, _ = admin(t, srv, http.MethodDelete, "faults", "")
	require.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, srv.Faults())
	for _, bad := range []string{`{"path":"/x","status":418}`, `{"path":"/x","status":500,"latency":"soon"}`, `{"path":"/x","status":500,"colour":"red"}`} {
		status, _ = admin(t, srv, http.MethodPost, "faults", bad)
		assert.Equal(t, http.StatusBadRequest, status, bad)
	}

	ws1 := "workspaces/" + srv.WorkspaceID()
	status, _ = admin(t, srv, http.MethodPost, ws1+"/connections/conn/unreachable", `{"message":"network down"}`)
	require.Equal(t, http.StatusNoContent, status)
	var conn ws.Connection
	a.must(http.StatusOK, http.MethodGet, "/connections/conn", nil, &conn)
	assert.Equal(t, ws.ConnectionFaulted, conn.Status)
	assert.Equal(t, []ws.ErrorDetail{{Message: "network down"}}, conn.Errors)
	status, _ = admin(t, srv, http.MethodDelete, ws1+"/connections/conn/unreachable", "")
	require.Equal(t, http.StatusNoContent, status)
	a.must(http.StatusOK, http.MethodPut, "/connections/conn", snowflakeBody("conn"), nil)

	status, _ = admin(t, srv, http.MethodPost, ws1+"/data-models/model/invalid", "")
	require.Equal(t, http.StatusNoContent, status)
	var m ws.DataModel
	a.must(http.StatusOK, http.MethodGet, "/data-models/model", nil, &m)
	assert.Equal(t, ws.DataModelInvalid, m.Status)
	status, _ = admin(t, srv, http.MethodDelete, ws1+"/data-models/model/invalid", "")
	require.Equal(t, http.StatusNoContent, status)

	status, body = admin(t, srv, http.MethodPut, ws1+"/data-models/model/records", `[{"updated_on":"2025-01-01T00:00:00Z","ms":1735689600000,"x":1.5}]`)
	require.Equal(t, http.StatusNoContent, status, string(body))
	srv.mu.Lock()
	rows, _ := srv.eng.SeededRows(srv.WorkspaceID(), "model")
	srv.mu.Unlock()
	require.Len(t, rows, 1)
	assert.Equal(t, int64(1735689600000), rows[0]["ms"], "integral numbers are int64")
	assert.Equal(t, 1.5, rows[0]["x"])
	status, _ = admin(t, srv, http.MethodPut, ws1+"/data-models/model/records", `{"not":"an array"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = admin(t, srv, http.MethodDelete, ws1+"/data-models/model/records", "")
	assert.Equal(t, http.StatusNoContent, status)

	status, _ = admin(t, srv, http.MethodPost, ws1+"/inputs/data-pipelines/p/fail-next-runs", `{"n":2,"message":"boom"}`)
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = admin(t, srv, http.MethodPost, ws1+"/inputs/data-pipelines/ghost/fail-next-runs", `{"n":1}`)
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = admin(t, srv, http.MethodPost, ws1+"/inputs/data-pipelines/p/fail-next-runs", `{"n":0}`)
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = admin(t, srv, http.MethodPost, ws1+"/inputs/data-pipelines/p/fail-next-runs", `{}`)
	assert.Equal(t, http.StatusBadRequest, status)

	status, _ = admin(t, srv, http.MethodPut, ws1+"/field-transformations", `["ft-1"]`)
	require.Equal(t, http.StatusNoContent, status)
	events := pipelineBody("e", "conn", "model")
	events["pipeline_type"], events["field_transformation_id"], events["state"] = "events", "ft-2", "new"
	st, _ := a.do(http.MethodPost, "/inputs/data-pipelines", events)
	assert.Equal(t, http.StatusBadRequest, st)
	status, _ = admin(t, srv, http.MethodDelete, ws1+"/field-transformations", "")
	require.Equal(t, http.StatusNoContent, status)
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", events, nil)

	status, _ = admin(t, srv, http.MethodGet, "nowhere", "")
	assert.Equal(t, http.StatusNotFound, status)
}

func TestAdminRequestsAndReset(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.seedBasics()
	status, body := admin(t, srv, http.MethodGet, "requests", "")
	require.Equal(t, http.StatusOK, status)
	var reqs []Request
	require.NoError(t, json.Unmarshal(body, &reqs))
	require.Len(t, reqs, 3, "the token request and two creates; admin requests are not recorded")
	assert.Equal(t, "/oauth/token", reqs[0].Path)
	assert.NotContains(t, string(body), DefaultClientSecret)
	assert.NotContains(t, string(body), "sf-secret-password")

	status, _ = admin(t, srv, http.MethodPost, "reset", "")
	require.Equal(t, http.StatusNoContent, status)
	assert.Equal(t, "[]\n[]\n[]\n", a.snapshot(), "reset empties the store; the token stays valid")
	assert.Len(t, srv.Requests(), 3, "the log restarted with the snapshot's three requests")
}

func TestAdminServesTheOpenAPIDescription(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	resp, err := http.Get(srv.URL() + "/_fake/openapi.yaml")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/yaml", resp.Header.Get("Content-Type"))
	assert.Equal(t, apidesc.OpenAPI(), body, "the description of package api, byte for byte")
	doc, err := openapi3.NewLoader().LoadFromData(body)
	require.NoError(t, err, "a client in another language can load it")
	assert.Equal(t, "3.0.3", doc.OpenAPI)

	status, _ := admin(t, srv, http.MethodPost, "openapi.yaml", "")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
	assert.Empty(t, srv.Requests(), "admin requests are not recorded")
}

// TestAdminWritesNeedJSON: a web page can send a POST with text/plain (or no Content-Type) without a
// CORS preflight; the admin endpoints refuse it, and nothing changes.
func TestAdminWritesNeedJSON(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, c := range []struct{ path, ct, body string }{
		{"/_fake/reset", "text/plain", ""},
		{"/_fake/reset", "", ""},
		{"/_fake/clock/advance", "text/plain", `{"by":"1h"}`},
		{"/_fake/faults", "application/x-www-form-urlencoded", `{"path":"/*","status":503}`},
		{"/_fake/workspaces/12345/data-models/m/records", "multipart/form-data; boundary=x", `[]`},
	} {
		method := http.MethodPost
		if strings.HasSuffix(c.path, "/records") {
			method = http.MethodPut
		}
		status, _, b := raw(t, method, srv.URL()+c.path, c.ct, "", c.body)
		assert.Equal(t, http.StatusUnsupportedMediaType, status, "%s %q: %s", c.path, c.ct, b)
		decodeError(t, http.StatusUnsupportedMediaType, b)
	}
	assert.Equal(t, DefaultStartTime(), srv.Now(), "the clock did not move")
	assert.Empty(t, srv.Faults())
	status, _, b := raw(t, http.MethodPost, srv.URL()+"/_fake/clock/advance", "application/json", "", `{"by":"1h"}`)
	assert.Equal(t, http.StatusOK, status, string(b))
}

// TestHostIsCheckedOnLoopback: a request whose Host is another name (a DNS-rebinding page) is refused
// on every path; localhost and loopback IPs are served.
func TestHostIsCheckedOnLoopback(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "http://"))
	require.NoError(t, err)
	get := func(host, path string) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
		require.NoError(t, err)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, host := range []string{"rebind.attacker.example:" + port, "rebind.attacker.example", "127.0.0.1.attacker.example:" + port} {
		for _, path := range []string{"/_fake/requests", "/_fake/clock", apiPrefix + "12345/connections", "/"} {
			status, b := get(host, path)
			assert.Equal(t, http.StatusForbidden, status, "%s %s", host, path)
			assert.Contains(t, decodeError(t, http.StatusForbidden, b)[0], "DNS rebinding")
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.0.0.2:" + port} {
		status, b := get(host, "/_fake/clock")
		assert.Equal(t, http.StatusOK, status, "%s: %s", host, b)
	}
	// Handler, mounted in another server, leaves the Host to that server.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/_fake/clock", nil)
	req.Host = "fake.internal.example"
	srv.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
}

// TestAdminToken: with WithAdminToken the admin endpoints need it; the API does not.
func TestAdminToken(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithAdminToken("admin-secret"))
	status, _, b := raw(t, http.MethodPost, srv.URL()+"/_fake/reset", "application/json", "", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.NotContains(t, string(b), "admin-secret")
	status, _, _ = raw(t, http.MethodGet, srv.URL()+"/_fake/requests", "", "wrong", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = raw(t, http.MethodPost, srv.URL()+"/_fake/reset", "application/json", "admin-secret", "")
	assert.Equal(t, http.StatusNoContent, status)
	for _, index := range []string{"/", "/_fake/"} {
		status, _, _ = raw(t, http.MethodGet, srv.URL()+index, "", "", "")
		assert.Equal(t, http.StatusUnauthorized, status, index)
		status, _, _ = raw(t, http.MethodGet, srv.URL()+index, "", "admin-secret", "")
		assert.Equal(t, http.StatusOK, status, index)
	}
	getToken(t, srv) // the token endpoint needs no admin token
}

// TestAdminMethodNotAllowedHasAllow: a 405 names the allowed methods in its Allow header.
func TestAdminMethodNotAllowedHasAllow(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for path, allow := range map[string]string{"/_fake/clock": "GET", "/_fake/faults": "DELETE, GET, POST",
		"/_fake/workspaces/1/connections/c/unreachable": "DELETE, POST"} {
		status, h, _ := raw(t, http.MethodPatch, srv.URL()+path, "application/json", "", "{}")
		assert.Equal(t, http.StatusMethodNotAllowed, status, path)
		assert.Equal(t, allow, h.Get("Allow"), path)
	}
	status, h, _ := raw(t, http.MethodGet, srv.TokenURL(), "", "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
	assert.Equal(t, "POST", h.Get("Allow"))
}

// TestAdminAnswers404ForUnknownIDs: every admin setter refuses a workspace or a resource that does not
// exist with a 404 naming what does, and changes nothing.
func TestAdminAnswers404ForUnknownIDs(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.seedBasics()
	ws := srv.WorkspaceID()
	for _, c := range []struct{ method, path, body, want string }{
		{http.MethodPost, "workspaces/12345/connections/nope/unreachable", "", `connection 'nope' not found in workspace 12345 (connections: conn)`},
		{http.MethodDelete, "workspaces/12345/connections/nope/unreachable", "", `connection 'nope' not found`},
		{http.MethodPost, "workspaces/12345/data-models/nope/invalid", "", `data model 'nope' not found in workspace 12345 (data models: model)`},
		{http.MethodDelete, "workspaces/12345/data-models/nope/invalid", "", `data model 'nope' not found`},
		{http.MethodPut, "workspaces/12345/data-models/nope/records", "[]", `data model 'nope' not found`},
		{http.MethodDelete, "workspaces/12345/data-models/nope/records", "", `data model 'nope' not found`},
		{http.MethodPost, "workspaces/12345/inputs/data-pipelines/nope/fail-next-runs", `{"n":1}`, `pipeline 'nope' not found`},
		{http.MethodPost, "workspaces/nobody/connections/conn/unreachable", "", "Workspace 'nobody' not found: this fake serves workspaces 12345."},
		{http.MethodPut, "workspaces/nobody/field-transformations", `["t"]`, "Workspace 'nobody' not found"},
		{http.MethodDelete, "workspaces/nobody/field-transformations", "", "Workspace 'nobody' not found"},
	} {
		status, b := admin(t, srv, c.method, c.path, c.body)
		require.Equal(t, http.StatusNotFound, status, "%s %s: %s", c.method, c.path, b)
		assert.Contains(t, string(b), c.want, "%s %s", c.method, c.path)
	}
	assert.Equal(t, []string{ws}, srv.Workspaces(), "no workspace was created")
	status, b := admin(t, srv, http.MethodPost, "workspaces/12345/connections/conn/unreachable", "")
	assert.Equal(t, http.StatusNoContent, status, string(b))
}

// TestIndex: GET / and GET /_fake/ list the admin endpoints and link the API root and the OpenAPI
// description.
func TestIndex(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, path := range []string{"/", "/_fake/", "/_fake"} {
		status, _, b := raw(t, http.MethodGet, srv.URL()+path, "", "", "")
		require.Equal(t, http.StatusOK, status, path)
		var idx indexPage
		require.NoError(t, json.Unmarshal(b, &idx), string(b))
		assert.Equal(t, srv.URL()+"/_fake/openapi.yaml", idx.OpenAPI)
		assert.Equal(t, srv.URL()+apiPrefix+"12345", idx.API)
		assert.Equal(t, srv.TokenURL(), idx.TokenURL)
		require.Len(t, idx.Endpoints, len(adminRoutes()))
		assert.Contains(t, string(b), `"path":"/_fake/workspaces/{id}/connections/{id}/unreachable"`)
		assert.Contains(t, string(b), `"path":"/_fake/clock/advance"`)
	}
}

// TestAdminRequestsPages: GET /_fake/requests?after=&limit= pages by sequence number.
func TestAdminRequestsPages(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t) // the token request is the first
	for range 4 {
		a.do(http.MethodGet, "/connections", nil)
	}
	page := func(query string) []Request {
		status, b := admin(t, srv, http.MethodGet, "requests"+query, "")
		require.Equal(t, http.StatusOK, status, string(b))
		var out []Request
		require.NoError(t, json.Unmarshal(b, &out))
		return out
	}
	all := page("")
	require.Len(t, all, 5)
	assert.Equal(t, int64(1), all[0].Seq)
	two := page("?limit=2")
	require.Len(t, two, 2)
	next := page(fmt.Sprintf("?after=%d&limit=2", two[1].Seq))
	require.Len(t, next, 2)
	assert.Equal(t, int64(3), next[0].Seq)
	assert.Empty(t, page("?after=5"))
	for _, bad := range []string{"?limit=-1", "?after=x"} {
		status, _ := admin(t, srv, http.MethodGet, "requests"+bad, "")
		assert.Equal(t, http.StatusBadRequest, status, bad)
	}
}
