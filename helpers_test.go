package warehousesync_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

const (
	testWorkspace = "ws-1"
	// apiPrefix is a path prefix of the base URL: every request must keep it (go-github's trick for
	// catching absolute paths).
	apiPrefix = "/api-prefix"
	testToken = "test-token"
)

// setup starts a server whose mux serves the workspace root of testWorkspace under apiPrefix, and a
// client pointed at it (static token, no retries unless opts say otherwise). A request outside the
// workspace root fails the test.
func setup(t *testing.T, opts ...ws.Option) (*ws.Client, *http.ServeMux) {
	t.Helper()
	return setupAuth(t, ws.WithBearerToken(testToken), opts...)
}

// setupAuth is setup with the auth option auth instead of the static token.
func setupAuth(t *testing.T, auth ws.Option, opts ...ws.Option) (*ws.Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	base := apiPrefix + "/platform/v2/workspaces/" + testWorkspace
	root.Handle(base+"/", http.StripPrefix(base, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the workspace root: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside the workspace root", http.StatusTeapot)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	all := append([]ws.Option{
		ws.WithBaseURL(srv.URL + apiPrefix),
		auth,
		ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}),
	}, opts...)
	c, err := ws.NewClient(testWorkspace, all...)
	require.NoError(t, err)
	return c, mux
}

// testMethod checks the request's method.
func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, want, r.Method, "method")
}

// testQuery checks the whole query string.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(want) == 0 {
		assert.Empty(t, got, "query")
		return
	}
	assert.Equal(t, want, got, "query")
}

// testBody checks that the request's body is the JSON want (null and absent fields count as equal,
// timestamps compare as instants) and that it was sent as JSON.
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"), "content type")
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assertJSONEquivalent(t, want, string(b))
}

// testNoBody checks that the request has no body.
func testNoBody(t *testing.T, r *http.Request) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Empty(t, b, "body")
}

// testHeaders checks what every API request carries.
func testHeaders(t *testing.T, r *http.Request) {
	t.Helper()
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "warehousesync-go/"+ws.Version), r.Header.Get("User-Agent"))
}

// writeJSON answers with status and body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// reference returns a testdata/reference file.
func reference(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference", name+".json"))
	require.NoError(t, err)
	return string(b)
}

// assertJSONEquivalent compares two JSON documents after normalize.
func assertJSONEquivalent(t *testing.T, want, got string) {
	t.Helper()
	assert.Empty(t, jsonDiff(t, want, got), "JSON differs; got %s", got)
}

// jsonDiff returns the paths at which two JSON documents differ after normalize.
func jsonDiff(t *testing.T, a, b string) []string {
	t.Helper()
	var va, vb any
	require.NoError(t, json.Unmarshal([]byte(a), &va), "first document")
	require.NoError(t, json.Unmarshal([]byte(b), &vb), "second document")
	var diffs []string
	diffPaths(normalize(va), normalize(vb), "", &diffs)
	sort.Strings(diffs)
	return diffs
}

// normalize drops null object members (null and absent are equal) and rewrites every string that is a
// timestamp as RFC 3339 UTC with nanoseconds (so "2023-02-03T23:53:08.413" equals
// "2023-02-03T23:53:08.413Z").
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if e != nil {
				out[k] = normalize(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case string:
		if len(v) >= 19 && v[4] == '-' && v[10] == 'T' {
			if ts, err := ws.ParseTimestamp(v); err == nil {
				return ts.UTC().Format(time.RFC3339Nano)
			}
		}
		return v
	}
	return v
}

// diffPaths appends the dotted paths where a and b differ.
func diffPaths(a, b any, path string, diffs *[]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			*diffs = append(*diffs, path)
			return
		}
		for k, e := range av {
			if be, ok := bv[k]; ok {
				diffPaths(e, be, join(k), diffs)
			} else {
				*diffs = append(*diffs, join(k)+" (only in first)")
			}
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				*diffs = append(*diffs, join(k)+" (only in second)")
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			*diffs = append(*diffs, path)
			return
		}
		for i := range av {
			diffPaths(av[i], bv[i], join(strconv.Itoa(i)), diffs)
		}
	default:
		if a != b {
			*diffs = append(*diffs, path)
		}
	}
}
