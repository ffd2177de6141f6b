package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	ws "github.com/wsync-dev/warehousesync"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestLogIsAnAllowlist sends a secret in every path and encoding that once leaked one into the
// request log, and more: the log keeps only what the route's wire shape parsed, secrets masked, and of
// anything else its size.
func TestRequestLogIsAnAllowlist(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	const form, js = "application/x-www-form-urlencoded", "application/json"
	conns, token := a.url("/connections"), srv.TokenURL()
	tokenJSON := func(extra string) string {
		return `{"client_id":"fake-client-id","client_secret":"fake-client-secret","grant_type":"client_credentials",` +
			`"audience":"` + ws.DefaultAudience + `"` + extra + `}`
	}
	tokenForm := "client_id=fake-client-id&client_secret=fake-client-secret&grant_type=client_credentials&audience=" +
		url.QueryEscape(ws.DefaultAudience)
	for _, c := range []struct {
		name, method, url, contentType, body string
		noAuth                               bool
		secret                               string
		kept                                 string // a part of the logged body; "" for a body not kept
		withheld                             int
	}{
		{"a repeated secret member", http.MethodPost, conns, js,
			`{"id":"rs","service_provider":"Redshift","config":{"password":"X1","password":""}}`, false, "X1", "", 0},
		{"a repeated client_secret on the token endpoint", http.MethodPost, token, js,
			tokenJSON(`,"client_secret":""`), true, "fake-client-secret", "", 0},
		{"a secret in the token endpoint's query", http.MethodPost, token + "?client_secret=X3", js,
			tokenJSON(""), true, "X3", `"client_secret":"************"`, 1},
		{"a secret in an API query", http.MethodGet, conns + "?password=X4", "", "", false, "X4", "", 1},
		{"a secret as a query parameter's name", http.MethodGet, conns + "?serviceProvider=Snowflake&X5=1", "", "", false, "X5", "", 1},
		{"a secret as a documented parameter's value", http.MethodGet, conns + "?serviceProvider=X5b&serviceProvider=Snowflake", "", "", false, "X5b", "", 1},
		{"a secret in the runs list's dates", http.MethodGet, a.url("/inputs/data-pipelines/p/runs?startDate=X5c&pageSize=10"), "", "", false, "X5c", "", 1},
		{"JSON inside a JSON string", http.MethodPost, conns, js, `{"id":"c","config":"{\"password\":\"X6\"}"}`, false, "X6", "", 0},
		{"an escaped key", http.MethodPost, conns, js, `{"config":{"p\u0061ssword":"X7"}}`, false, "X7", `{"config":{"password":"************"}}`, 0},
		{"a key in another case", http.MethodPost, conns, js, `{"config":{"PASSWORD":"X8"}}`, false, "X8", "", 0},
		{"a token member in another case", http.MethodPost, token, js, `{"Client_Secret":"X9","grant_type":"client_credentials"}`, true, "X9", "", 0},
		{"a token member with a folded letter", http.MethodPost, token, js, `{"client_ſecret":"X10"}`, true, "X10", "", 0},
		{"a secret of another kind", http.MethodPost, conns, js, `{"config":{"password":123456789}}`, false, "123456789", `"password":"************"`, 0},
		{"a secret object where a string goes", http.MethodPost, conns, js, `{"name":{"password":"X11"}}`, false, "X11", "", 0},
		{"an array", http.MethodPost, conns, js, `[{"config":{"password":"X12"}}]`, false, "X12", "", 0},
		{"trailing data", http.MethodPost, conns, js, `{"id":"c"} {"password":"X13"}`, false, "X13", "", 0},
		{"malformed JSON", http.MethodPost, conns, js, `{"config": {"password": "X14"`, false, "X14", "", 0},
		{"a read-only member", http.MethodPost, conns, js, `{"id":"c","errors":[{"message":"X15"}]}`, false, "X15", `{"id":"c"}`, 0},
		{"JSON labelled as a form", http.MethodPost, conns, form, `{"config":{"password":"X16"}}`, false, "X16", "", 0},
		{"YAML", http.MethodPost, conns, "application/yaml", "config:\n  password: X17\n", false, "X17", "", 0},
		{"a body on a read", http.MethodGet, conns, js, `{"password":"X18"}`, false, "X18", "", 0},
		{"a body without a valid token", http.MethodPost, conns, js, `{"config":{"password":"X19"}}`, true, "X19", "", 0},
		{"a token form", http.MethodPost, token, form, tokenForm, true, "fake-client-secret", "client_secret=" + ws.MaskedSecret, 0},
		{"a token form with an escaped key", http.MethodPost, token, form, strings.Replace(tokenForm, "client_secret", "client_%73ecret", 1),
			true, "fake-client-secret", "client_secret=", 0},
		{"a token form with ; separators", http.MethodPost, token, form, "client_id=a;client_secret=X20", true, "X20", "", 0},
		{"a token form with a repeated member", http.MethodPost, token, form, tokenForm + "&client_secret=", true, "fake-client-secret", "", 0},
		{"a token form with an unknown member", http.MethodPost, token, form, tokenForm + "&password=X21", true, "X21", "", 0},
		{"a JSON string on the token endpoint", http.MethodPost, token, js, `"client_secret=X22"`, true, "X22", "", 0},
		{"an unknown path", http.MethodPost, srv.URL() + "/oauth/token2?client_secret=X23", js, `{"client_secret":"X23"}`, true, "X23", "", 1},
	} {
		auth := a.token
		if c.noAuth {
			auth = ""
		}
		raw(t, c.method, c.url, c.contentType, auth, c.body)
		reqs := srv.Requests()
		last := reqs[len(reqs)-1]
		if c.kept == "" {
			assert.Empty(t, last.Body, c.name)
			if c.body != "" {
				assert.NotEmpty(t, last.BodyNote, c.name)
				assert.EqualValues(t, len(c.body), last.BodySize, c.name)
			}
		} else {
			assert.Contains(t, last.Body, c.kept, c.name)
		}
		assert.Equal(t, c.withheld, last.WithheldQuery, c.name)
		logged, err := json.Marshal(last)
		require.NoError(t, err)
		assert.NotContains(t, string(logged), c.secret, c.name)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/_fake/requests?after=%d", last.Seq-1), nil))
		assert.NotContains(t, rec.Body.String(), c.secret, c.name)
	}
}

// TestRequestLogPathIsRelativeToTheWorkspace: a test filters the log with the paths it uses for faults.
func TestRequestLogPathIsRelativeToTheWorkspace(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	onDemandPipeline(a)
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, nil)
	a.do(http.MethodGet, "/connections?serviceProvider=Snowflake", nil)
	var trigger, list *Request
	for _, r := range srv.Requests() {
		switch {
		case r.Path == "/inputs/data-pipelines/trigger":
			trigger = &r
		case r.Path == "/connections" && r.Method == http.MethodGet:
			list = &r
		}
	}
	require.NotNil(t, trigger, "the trigger is logged as /inputs/data-pipelines/trigger")
	assert.Equal(t, srv.WorkspaceID(), trigger.Workspace)
	assert.Equal(t, `{"pipeline_id":"p"}`, trigger.Body)
	require.NotNil(t, list)
	assert.Equal(t, url.Values{"serviceProvider": {"Snowflake"}}, list.Query)
}

// TestAPIRefusesBodiesThatAreNotJSON: API writes need Content-Type application/json (415 otherwise), and
// nothing is created by a mislabelled body.
func TestAPIRefusesBodiesThatAreNotJSON(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	body := string(mustJSON(t, databricksBody("db")))
	for _, ct := range []string{"", "application/x-www-form-urlencoded", "text/plain", "application/jsonx"} {
		status, _, b := raw(t, http.MethodPost, a.url("/connections"), ct, a.token, body)
		require.Equal(t, http.StatusUnsupportedMediaType, status, "%q: %s", ct, b)
		msgs := decodeError(t, http.StatusUnsupportedMediaType, b)
		assert.Contains(t, msgs[0], "Content-Type: application/json", ct)
	}
	status, _, b := raw(t, http.MethodPut, a.url("/connections/db"), "text/plain", a.token, body)
	assert.Equal(t, http.StatusUnsupportedMediaType, status, string(b))
	status, _, b = raw(t, http.MethodPost, a.url("/connections"), "application/json; charset=utf-8", a.token, body)
	assert.Equal(t, http.StatusOK, status, "parameters of the media type are fine: %s", b)
	status, _, b = raw(t, http.MethodDelete, a.url("/connections/db"), "", a.token, "")
	assert.Equal(t, http.StatusNoContent, status, "a DELETE has no body to label: %s", b)
}

// TestTokenEndpointSaysWhatIsWrongWithTheContentType: the token endpoint takes JSON and forms, and says
// when the label does not fit the body.
func TestTokenEndpointSaysWhatIsWrongWithTheContentType(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	jsonBody := `{"client_id":"fake-client-id","client_secret":"fake-client-secret","grant_type":"client_credentials","audience":"https://api.mparticle.com"}`
	status, _, b := raw(t, http.MethodPost, srv.TokenURL(), "", "", jsonBody)
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	assert.Contains(t, string(b), "no Content-Type")
	assert.Contains(t, string(b), "add Content-Type: application/json")
	status, _, b = raw(t, http.MethodPost, srv.TokenURL(), "application/x-www-form-urlencoded", "", jsonBody)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(b), "the body is JSON but Content-Type is application/x-www-form-urlencoded")
	status, _, b = raw(t, http.MethodPost, srv.TokenURL(), "application/json", "", jsonBody)
	assert.Equal(t, http.StatusOK, status, string(b))
}

// TestErrorJSONIsNotHTMLEscaped: messages read as written, <access token> and all.
func TestErrorJSONIsNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	_, _, b := raw(t, http.MethodGet, a.url("/connections"), "", "", "")
	assert.Contains(t, string(b), "Bearer <access token>")
	assert.NotContains(t, string(b), `\u003c`)
}

// TestRequestLogKeepsBodiesShort: a logged body is cut after masking, and the cut is marked.
func TestRequestLogKeepsBodiesShort(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	big := `{"config":{"sql_query":"` + strings.Repeat("é", 10_000) + `"}}`
	raw(t, http.MethodPost, a.url("/data-models"), "application/json", a.token, big)
	reqs := srv.Requests()
	logged := reqs[len(reqs)-1].Body
	assert.LessOrEqual(t, len(logged), MaxLoggedBody+64)
	assert.Contains(t, logged, fmt.Sprintf("[truncated: %d bytes in all]", len(big)))
	assert.True(t, strings.HasPrefix(logged, `{"config":{"sql_query":"é`), logged)
}

// TestRequestLogIsBoundedByBytes: 10,000 unauthenticated 1 MiB POSTs leave the live heap under 100 MiB,
// and the log holds at most MaxRequestLogBytes.
func TestRequestLogIsBoundedByBytes(t *testing.T) {
	srv := NewServer(t)
	h := srv.Handler()
	body := []byte(`{"name":"` + strings.Repeat("x", 1<<20-11) + `"}`)
	before := liveHeap()
	for i := range 10_000 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, apiPrefix+"12345/connections", bytes.NewReader(body))
		if i%2 == 1 {
			req.Header.Set("Authorization", "Bearer not-a-token")
		}
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	after := liveHeap()
	t.Logf("live heap: %d MiB before, %d MiB after 10,000 unauthenticated 1 MiB POSTs", before>>20, after>>20)
	assert.Less(t, after, uint64(100<<20))
	reqs := srv.Requests()
	require.Len(t, reqs, 10_000)
	assert.Empty(t, reqs[0].Body)
	assert.Equal(t, int64(1<<20), reqs[0].BodySize)
	assert.Equal(t, noteUnread, reqs[0].BodyNote)

	// Authenticated bodies are kept up to 4 KiB each, and the log up to MaxRequestLogBytes: fill it.
	big := `{"name":"` + strings.Repeat("x", MaxLoggedBody) + `"}`
	srv.mu.Lock()
	for range 9_000 {
		r := httptest.NewRequest(http.MethodPost, apiPrefix+"12345/data-models", nil)
		r.Header.Set("Content-Type", "application/json")
		srv.logRequestLocked(r, "12345", "POST data-models", "/data-models", []byte(big), int64(len(big)), srv.clock.Now())
	}
	n, size := len(srv.log.entries), srv.log.bytes
	srv.mu.Unlock()
	assert.LessOrEqual(t, size, MaxRequestLogBytes)
	assert.Less(t, n, 9_000, "the byte bound dropped the oldest entries")
	t.Logf("the log keeps %d entries, %d MiB; live heap %d MiB", n, size>>20, liveHeap()>>20)
	assert.Less(t, liveHeap(), uint64(100<<20))

	// Reading the whole log costs in proportion to the bound, not to the traffic.
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_fake/requests", nil))
	runtime.ReadMemStats(&m1)
	require.Equal(t, http.StatusOK, rec.Code)
	read := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("GET /_fake/requests: %d MiB of JSON, %d MiB allocated", rec.Body.Len()>>20, read>>20)
	assert.Less(t, read, uint64(16*MaxRequestLogBytes), "about 4.5 times the bound without -race, 9 with it")
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
