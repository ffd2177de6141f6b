package contract_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/contract"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// checkedFake is a fake served through Middleware, with a client whose transport is the RoundTripper:
// every exchange is checked on both sides and each mismatch lands in reports.
type checkedFake struct {
	srv  *warehousesynctest.Server
	base string // the checked listener's URL
	hc   *http.Client
	got  *reports
}

func newCheckedFake(t *testing.T, b warehousesynctest.Budgets) *checkedFake {
	t.Helper()
	doc := loadDoc(t)
	got := &reports{}
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithBudgets(b))
	checked := httptest.NewServer(contract.Middleware(srv.Handler(), doc, got.add))
	t.Cleanup(checked.Close)
	return &checkedFake{srv: srv, base: checked.URL, hc: &http.Client{Transport: contract.NewRoundTripper(nil, doc, got.add)}, got: got}
}

// send sends one request to base+path (Content-Type application/json when there is a body, unless
// contentType says otherwise) and returns the status and the body.
func (f *checkedFake) send(t *testing.T, base, method, path, token, contentType, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// tokenBody is a token request with the fake's credentials.
func (f *checkedFake) tokenBody(t *testing.T) string {
	t.Helper()
	id, secret := f.srv.Credentials()
	b, err := json.Marshal(map[string]string{"client_id": id, "client_secret": secret,
		"audience": "https://api.mparticle.com", "grant_type": "client_credentials"})
	require.NoError(t, err)
	return string(b)
}

// token gets a bearer token through the checked path.
func (f *checkedFake) token(t *testing.T) string {
	t.Helper()
	status, body := f.send(t, f.base, http.MethodPost, "/oauth/token", "", "", f.tokenBody(t))
	require.Equal(t, http.StatusOK, status, body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	return tok.AccessToken
}

// dataModel is a valid data model create body whose sql_query is padded to about n bytes.
func dataModel(id string, n int) string {
	query := "SELECT a" + strings.Repeat(", a", max(0, n/3)) + " FROM t"
	return `{"id":"` + id + `","name":"n","state":"active","type":"sql","config":{"sql_query":"` + query + `"}}`
}

// TestFakeStatusesMatchTheDescription drives every status the fake answers on its own account (its
// budgets, an unknown workspace, a wrong media type on the token endpoint, a foreign Host) through the
// fake, checked by Middleware and the RoundTripper, and requires that each is described: the status is
// listed for the operation and the body matches its schema.
func TestFakeStatusesMatchTheDescription(t *testing.T) {
	t.Parallel()
	const ws = "/platform/v2/workspaces/12345"
	cases := []struct {
		name    string
		budgets warehousesynctest.Budgets
		// do sends the request under test, after any set-up, and returns its status and body.
		do     func(t *testing.T, f *checkedFake) (int, string)
		status int
		want   string // a substring of the answer's body
	}{
		{name: "413 body over MaxBodyBytes on create", budgets: warehousesynctest.Budgets{MaxBodyBytes: 256},
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodPost, ws+"/data-models", f.token(t), "", dataModel("m", 400))
			}, status: http.StatusRequestEntityTooLarge, want: "MaxBodyBytes"},
		{name: "413 body over MaxBodyBytes on update", budgets: warehousesynctest.Budgets{MaxBodyBytes: 256},
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodPut, ws+"/data-models/m", f.token(t), "", dataModel("m", 400))
			}, status: http.StatusRequestEntityTooLarge, want: "MaxBodyBytes"},
		{name: "413 excuses a body that is also invalid", budgets: warehousesynctest.Budgets{MaxBodyBytes: 256},
			do: func(t *testing.T, f *checkedFake) (int, string) {
				body := `{"id":"m","unknown":"` + strings.Repeat("x", 300) + `"}`
				return f.send(t, f.base, http.MethodPost, ws+"/data-models", f.token(t), "", body)
			}, status: http.StatusRequestEntityTooLarge, want: "MaxBodyBytes"},
		{name: "415 token request as text/plain",
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodPost, "/oauth/token", "", "text/plain", f.tokenBody(t))
			}, status: http.StatusUnsupportedMediaType, want: `"error":"invalid_request"`},
		{name: "503 token beyond MaxTokens", budgets: warehousesynctest.Budgets{MaxTokens: 1},
			do: func(t *testing.T, f *checkedFake) (int, string) {
				f.token(t)
				return f.send(t, f.base, http.MethodPost, "/oauth/token", "", "", f.tokenBody(t))
			}, status: http.StatusServiceUnavailable, want: "MaxTokens"},
		{name: "404 unknown workspace on a list",
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodGet, "/platform/v2/workspaces/99999/connections", f.token(t), "", "")
			}, status: http.StatusNotFound, want: "Workspace '99999' not found"},
		{name: "404 unknown workspace on a create",
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodPost, "/platform/v2/workspaces/99999/data-models", f.token(t), "", dataModel("m", 0))
			}, status: http.StatusNotFound, want: "Workspace '99999' not found"},
		{name: "404 unknown workspace on a trigger",
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodPost, "/platform/v2/workspaces/99999/inputs/data-pipelines/trigger",
					f.token(t), "", `{"pipeline_id":"p"}`)
			}, status: http.StatusNotFound, want: "Workspace '99999' not found"},
		{name: "404 unknown workspace on a report",
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodGet, "/platform/v2/workspaces/99999/inputs/data-pipelines/p/report", f.token(t), "", "")
			}, status: http.StatusNotFound, want: "Workspace '99999' not found"},
		{name: "400 beyond MaxResources", budgets: warehousesynctest.Budgets{MaxResources: 1},
			do: func(t *testing.T, f *checkedFake) (int, string) {
				token := f.token(t)
				status, body := f.send(t, f.base, http.MethodPost, ws+"/data-models", token, "", dataModel("m1", 0))
				require.Equal(t, http.StatusOK, status, body)
				return f.send(t, f.base, http.MethodPost, ws+"/data-models", token, "", dataModel("m2", 0))
			}, status: http.StatusBadRequest, want: "MaxResources"},
		{name: "400 beyond MaxStoredBytes", budgets: warehousesynctest.Budgets{MaxStoredBytes: 100},
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodPost, ws+"/data-models", f.token(t), "", dataModel("m", 200))
			}, status: http.StatusBadRequest, want: "MaxStoredBytes"},
		{name: "400 beyond MaxFieldBytes", budgets: warehousesynctest.Budgets{MaxFieldBytes: 64},
			do: func(t *testing.T, f *checkedFake) (int, string) {
				return f.send(t, f.base, http.MethodPost, ws+"/data-models", f.token(t), "", dataModel("m", 200))
			}, status: http.StatusBadRequest, want: "MaxFieldBytes"},
		{name: "403 foreign Host on the fake's own loopback listener",
			do: func(t *testing.T, f *checkedFake) (int, string) {
				token := f.token(t)
				req, err := http.NewRequest(http.MethodGet, f.srv.URL()+ws+"/connections", nil)
				require.NoError(t, err)
				req.Host = "rebind.example"
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := f.hc.Do(req) // the RoundTripper checks it; the fake's listener is not behind Middleware
				require.NoError(t, err)
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp.StatusCode, string(b)
			}, status: http.StatusForbidden, want: "DNS rebinding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newCheckedFake(t, tc.budgets)
			status, body := tc.do(t, f)
			require.Equal(t, tc.status, status, body)
			assert.Contains(t, body, tc.want)
			assert.Empty(t, f.got.messages(), "the answer is described")
		})
	}
}

// TestEveryWorkspaceOperationListsTheFakesStatuses: the fake can answer any workspace operation with
// 403 (a foreign Host), 404 (an unknown workspace) and 413 (a body over MaxBodyBytes, on any method),
// so every operation but the token endpoint lists them, each with the error envelope.
func TestEveryWorkspaceOperationListsTheFakesStatuses(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	n := 0
	for path, item := range doc.Paths.Map() {
		if path == "/oauth/token" {
			continue
		}
		for method, op := range item.Operations() {
			n++
			for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge} {
				resp := op.Responses.Status(status)
				if assert.NotNil(t, resp, "%s %s lists no %d", method, path, status) {
					media := resp.Value.Content.Get("application/json")
					if assert.NotNil(t, media, "%s %s %d: no JSON body", method, path, status) {
						assert.Equal(t, "#/components/schemas/Error", media.Schema.Ref, "%s %s %d", method, path, status)
					}
				}
			}
		}
	}
	assert.Equal(t, 19, n, "the workspace operations")
}
