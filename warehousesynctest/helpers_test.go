package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/oauthwire"

	ws "github.com/wsync-dev/warehousesync"
)

// api is a tiny plain-HTTP client of one workspace of a fake server, for tests that must not depend on
// the warehousesync client.
type api struct {
	t     testing.TB
	srv   *Server
	ws    string
	token string
	base  string       // the API root; "" means srv.URL()
	hc    *http.Client // nil means http.DefaultClient
}

// newAPI starts a server and returns a client of its default workspace with a valid token.
func newAPI(t testing.TB, opts ...Option) (*Server, *api) {
	t.Helper()
	srv := NewServer(t, opts...)
	return srv, &api{t: t, srv: srv, ws: srv.WorkspaceID(), token: getToken(t, srv)}
}

// in returns a client of another workspace with the same token.
func (a *api) in(workspaceID string) *api {
	b := *a
	b.ws = workspaceID
	return &b
}

// getToken asks the token endpoint for a token with the server's credentials.
func getToken(t testing.TB, srv *Server) string {
	t.Helper()
	id, secret := srv.Credentials()
	status, body := post(t, srv.TokenURL(), "application/json", mustJSON(t, map[string]string{
		"client_id": id, "client_secret": secret, "audience": ws.DefaultAudience, "grant_type": "client_credentials",
	}))
	require.Equal(t, http.StatusOK, status, string(body))
	var tr oauthwire.TokenResponse
	require.NoError(t, json.Unmarshal(body, &tr))
	require.NotEmpty(t, tr.AccessToken)
	return tr.AccessToken
}

func post(t testing.TB, url, contentType string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// url is the full URL of a path relative to the workspace root.
func (a *api) url(path string) string {
	base := a.base
	if base == "" {
		base = a.srv.URL()
	}
	return base + apiPrefix + a.ws + path
}

// do sends a request to a path relative to the workspace root; body may be nil, a string (sent as is)
// or any value (sent as JSON).
func (a *api) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	resp := a.send(method, a.url(path), body, a.token)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return resp.StatusCode, b
}

// send sends a request with an optional bearer token and returns the open response.
func (a *api) send(method, url string, body any, token string) *http.Response {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		r = bytes.NewReader(mustJSON(a.t, b))
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(a.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	hc := a.hc
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	require.NoError(a.t, err)
	return resp
}

// ok sends a request that must succeed with want and decodes the answer into out (if not nil).
func (a *api) must(want int, method, path string, body any, out any) {
	a.t.Helper()
	status, b := a.do(method, path, body)
	require.Equal(a.t, want, status, "%s %s: %s", method, path, b)
	if out != nil {
		require.NoError(a.t, json.Unmarshal(b, out), string(b))
	}
}

// decodeError decodes the documented error envelope and checks that its statusCode is status.
func decodeError(t testing.TB, status int, body []byte) []string {
	t.Helper()
	var e errorBody
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.Equal(t, status, e.StatusCode, string(body))
	require.NotEmpty(t, e.Errors, string(body))
	msgs := make([]string, len(e.Errors))
	for i, d := range e.Errors {
		msgs[i] = d.Message
	}
	return msgs
}

// snapshot is every resource of the workspace as the API lists them.
func (a *api) snapshot() string {
	a.t.Helper()
	var b strings.Builder
	for _, p := range []string{"/connections", "/data-models", "/inputs/data-pipelines"} {
		status, body := a.do(http.MethodGet, p, nil)
		require.Equal(a.t, http.StatusOK, status, string(body))
		b.Write(body)
	}
	return b.String()
}

// obj is a JSON object under construction.
type obj = map[string]any

// clone deep-copies a JSON object made of maps, slices and scalars.
func clone(o obj) obj {
	out := maps.Clone(o)
	for k, v := range out {
		if m, isMap := v.(obj); isMap {
			out[k] = clone(m)
		}
	}
	return out
}

func snowflakeBody(id string) obj {
	return obj{
		"id": id, "name": "Snowflake " + id, "state": "active", "service_provider": "Snowflake",
		"config": obj{
			"account_identifier": "gd12345", "region": "us-central1.gcp", "warehouse": "compute_wh",
			"database": "my_database", "role": "mparticle_role", "user": "mparticle_user",
			"password": "sf-secret-password", "storage_integration": "mp_us1_123_123_s3",
		},
	}
}

func bigQueryBody(id string) obj {
	return obj{
		"id": id, "name": "BigQuery " + id, "state": "active", "service_provider": "BigQuery",
		"config": obj{
			"region": "us-east1", "project_id": "my-gcp-project", "dataset_id": "my-dataset",
			"service_account_id":  "mp@my-gcp-project.iam.gserviceaccount.com",
			"service_account_key": `{"type": "service_account", "private_key": "bq-secret-key"}`,
		},
	}
}

func redshiftBody(id string) obj {
	return obj{
		"id": id, "name": "Redshift " + id, "state": "active", "service_provider": "Redshift",
		"config": obj{
			"database": "dev", "host": "dwi-test.example.us-east-1.redshift.amazonaws.com", "user": "mParticle",
			"password": "rs-secret-password", "aws_iam_role_arn": "arn:aws:iam::123456789:role/mParticle_role",
		},
	}
}

func databricksBody(id string) obj {
	return obj{
		"id": id, "name": "Databricks " + id, "state": "active", "service_provider": "Databricks",
		"config": obj{"provider": "my-org", "schema": "my-schema"},
	}
}

func dataModelBody(id string) obj {
	return obj{
		"id": id, "name": "Model " + id, "state": "active", "type": "sql",
		"config": obj{"sql_query": "SELECT email, updated_on FROM db.schema.users WHERE status = 'open'"},
	}
}

func pipelineBody(id, connectionID, modelID string) obj {
	return obj{
		"id": id, "name": "Pipeline " + id, "pipeline_type": "user_attributes",
		"connection_id": connectionID, "data_model_id": modelID, "state": "active", "environment": "development",
		"sync_mode": obj{"type": "incremental", "iterator_field": "updated_on", "iterator_data_type": "timestamp",
			"from": "2024-01-01T00:00:00Z"},
		"schedule": obj{"type": "interval", "frequency": "hourly", "start": "2025-01-01T00:00:00Z"},
	}
}

// seedBasics creates a Snowflake connection "conn" and a data model "model".
func (a *api) seedBasics() {
	a.t.Helper()
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("conn"), nil)
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("model"), nil)
}

// onDemandPipeline creates the connection "conn", the model "model" and an on-demand pipeline "p".
func onDemandPipeline(a *api) {
	a.t.Helper()
	a.seedBasics()
	p := pipelineBody("p", "conn", "model")
	p["schedule"] = obj{"type": "on_demand"}
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", p, nil)
}

// raw sends a request with exactly the given Content-Type ("" for none) and bearer token ("" for none).
func raw(t testing.TB, method, url, contentType, token, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}
