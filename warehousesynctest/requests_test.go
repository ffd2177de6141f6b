package warehousesynctest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestsLogMasksWhateverTheContentType sends every shape of body that once leaked a secret into
// the request log and checks that none does, whatever the Content-Type said.
func TestRequestsLogMasksWhateverTheContentType(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	const form = "application/x-www-form-urlencoded"
	conns := a.url("/connections")
	for _, c := range []struct {
		name, url, contentType, body string
		secret                       string
		shown                        string // a part of the logged body, "" for not shown
	}{
		{"JSON labelled as a form", conns, form,
			`{"id":"rs","name":"R","state":"active","service_provider":"Redshift","config":{"database":"d","host":"h","user":"u","password":"P1","aws_iam_role_arn":"arn:aws:iam::1:role/r"}}`,
			"P1", `"password":"************"`},
		{"an escaped key", conns, "application/json", `{"config":{"p\u0061ssword":"P2"}}`, "P2", `"password":"************"`},
		{"any case at any depth", conns, "text/plain", `[{"CONFIG":{"x":[{"PassWord":"P3"}]}}]`, "P3", `"PassWord":"************"`},
		{"a JSON token request labelled as a form", srv.TokenURL(), form,
			`{"client_id":"fake-client-id","client_secret":"S4","grant_type":"client_credentials"}`, "S4", `"client_secret":"************"`},
		{"a form token body with ; separators", srv.TokenURL(), form,
			"client_id=fake-client-id;client_secret=S5;grant_type=client_credentials", "S5", "client_secret=************;"},
		{"a form token body with an escaped key", srv.TokenURL(), form,
			"client_%73ecret=S6&grant_type=client_credentials", "S6", "client_%73ecret=************"},
		{"JSON inside a form field", conns, form, "config=%7B%22password%22%3A%22S7%22%7D", "S7", "config=************"},
		{"neither JSON nor a form", conns, "application/json", `{"config": {"password": "S8"`, "S8", ""},
		{"YAML", conns, "application/yaml", "config:\n  password: S9\n", "S9", ""},
		{"a JSON string on the token endpoint", srv.TokenURL(), "application/json", `"client_secret=S10"`, "S10", ""},
	} {
		status, _, body := raw(t, http.MethodPost, c.url, c.contentType, a.token, c.body)
		assert.Less(t, status, 500, "%s: %s", c.name, body)
		assert.NotContains(t, string(body), c.secret, c.name)
		reqs := srv.Requests()
		logged := reqs[len(reqs)-1].Body
		assert.NotContains(t, logged, c.secret, c.name)
		if c.shown == "" {
			assert.True(t, strings.HasPrefix(logged, "[body not shown: "), "%s: %s", c.name, logged)
		} else {
			assert.Contains(t, logged, c.shown, c.name)
		}
	}
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
	jsonBody := `{"client_id":"fake-client-id","client_secret":"fake-client-secret","grant_type":"client_credentials"}`
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
	big := `{"name":"` + strings.Repeat("é", 10_000) + `","config":{"password":"P"}}`
	raw(t, http.MethodPost, a.url("/data-models"), "application/json", a.token, big)
	reqs := srv.Requests()
	logged := reqs[len(reqs)-1].Body
	assert.LessOrEqual(t, len(logged), MaxLoggedBody+64)
	assert.Contains(t, logged, fmt.Sprintf("[truncated: %d bytes in all]", len(big)))
	assert.True(t, strings.HasPrefix(logged, `{"config":{"password":"************"}`) || strings.Contains(logged, `"name":"é`), logged)
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
	assert.Equal(t, "[body not read: 1048576 bytes announced by a request without a valid token]", reqs[0].Body)

	// Authenticated bodies are kept up to 4 KiB each, and the log up to MaxRequestLogBytes: fill it.
	big := "note: " + strings.Repeat("x", MaxLoggedBody)
	srv.mu.Lock()
	for range 9_000 {
		srv.logRequestLocked(httptest.NewRequest(http.MethodPost, apiPrefix+"12345/data-models", nil), "12345",
			[]byte(big), len(big), srv.clock.Now())
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
