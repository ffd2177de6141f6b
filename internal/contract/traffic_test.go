package contract_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/contract"
)

// base is where the client points in tests: any host, the API's base path, a workspace.
const base = "/platform/v2/workspaces/12345"

// exchange is one request and the answer a test server gives it.
type exchange struct {
	name         string
	method, path string // path includes any query
	noAuth       bool
	contentType  string // of the request; application/json when there is a body and this is empty
	body         string
	status       int
	header       map[string]string // of the response; Content-Type application/json when there is a body and it is unset
	respBody     string
	want         []string // substrings of the one report expected; none when empty
}

// exchanges is the table both the RoundTripper and the Middleware are tested with.
var exchanges = []exchange{
	{name: "good create", method: "POST", path: base + "/connections", body: snowflakeRequest,
		status: 200, respBody: snowflakeResponse},
	{name: "good list with filter", method: "GET", path: base + "/connections?serviceProvider=Snowflake",
		status: 200, respBody: `[` + snowflakeResponse + `]`},
	{name: "bad request accepted", method: "POST", path: base + "/data-models",
		body:   `{"id":"m","name":"n","state":"active","type":"sql","config":{}}`,
		status: 200, respBody: dataModelResponse,
		want: []string{"POST " + base + "/data-models", "request does not match", "answered 200 OK", `field "config.sql_query"`}},
	{name: "bad request refused", method: "POST", path: base + "/data-models",
		body:   `{"id":"m","name":"n","state":"active","type":"sql","config":{}}`,
		status: 400, respBody: `{"statusCode":400,"errors":[{"message":"config.sql_query is required"}]}`},
	{name: "bad response", method: "GET", path: base + "/data-models/m",
		status: 200, respBody: `{"id":"m","name":"n","state":"active","type":"sql","config":{"sql_query":"SELECT 1"},"created_on":null}`,
		want: []string{"GET " + base + "/data-models/m", "getDataModel", "response 200 OK does not match",
			`property "status" is missing`, `field "created_on"`}},
	{name: "secret not masked", method: "GET", path: base + "/connections/rs",
		status: 200, respBody: strings.Replace(redshiftResponse, `"password":"************"`, `"password":"hunter2"`, 1),
		want: []string{`field "config.password"`}},
	{name: "no token accepted", method: "GET", path: base + "/data-models", noAuth: true,
		status: 200, respBody: `[]`,
		want: []string{"security requirements failed", `"Authorization"`}},
	{name: "no token refused", method: "GET", path: base + "/data-models", noAuth: true,
		status: 401, respBody: `{"statusCode":401,"errors":[{"message":"Unauthorized"}]}`},
	{name: "no token answered 400", method: "GET", path: base + "/data-models", noAuth: true,
		status: 400, respBody: `{"statusCode":400,"errors":[{"message":"?"}]}`,
		want: []string{"security requirements failed"}},
	{name: "undescribed path", method: "GET", path: base + "/widgets",
		status: 404, respBody: `{"statusCode":404,"errors":[{"message":"no"}]}`,
		want: []string{"GET " + base + "/widgets", "no operation at this path"}},
	{name: "undescribed method", method: "PATCH", path: base + "/connections/sf", body: `{}`,
		status: 200, respBody: `{}`,
		want: []string{"PATCH " + base + "/connections/sf", "no operation with this method"}},
	{name: "admin route", method: "POST", path: "/_fake/clock/advance", body: `{"by":"90m"}`,
		status: 200, respBody: `{"now":"whatever"}`},
	{name: "undescribed status", method: "GET", path: base + "/connections",
		status: 418, respBody: `{"statusCode":418,"errors":[{"message":"teapot"}]}`,
		want: []string{"response 418 I'm a teapot", "status is not supported"}},
	{name: "page size too large accepted", method: "GET", path: base + "/inputs/data-pipelines/p/runs?pageSize=5000",
		status: 200, respBody: runPage,
		want: []string{`parameter "pageSize" in query`}},
	{name: "page size too large refused", method: "GET", path: base + "/inputs/data-pipelines/p/runs?pageSize=5000",
		status: 400, respBody: `{"statusCode":400,"errors":[{"message":"pageSize must be at most 1000"}]}`},
	{name: "runs filtered", method: "GET",
		path:   base + "/inputs/data-pipelines/p/runs?currentPage=2&pageSize=1000&startDate=2023-02-01T00%3A00%3A00Z&endDate=2023-03-01T00%3A00%3A00Z",
		status: 200, respBody: runPage},
	{name: "zone-less start date", method: "GET", path: base + "/inputs/data-pipelines/p/runs?startDate=2023-02-01T00%3A00%3A00",
		status: 200, respBody: runPage,
		want: []string{`parameter "startDate" in query`}},
	{name: "run id not a number", method: "GET", path: base + "/inputs/data-pipelines/p/runs/abc",
		status: 200, respBody: runJSON,
		want: []string{`parameter "pipelineRunId" in path`}},
	{name: "run id not a number refused", method: "GET", path: base + "/inputs/data-pipelines/p/runs/abc",
		status: 404, respBody: `{"statusCode":404,"errors":[{"message":"Run 'abc' not found."}]}`},
	{name: "trigger", method: "POST", path: base + "/inputs/data-pipelines/trigger", body: `{"pipeline_id":"p"}`,
		status: 200, respBody: `{"pipeline_run_id":13325,"status":"attempt_requested"}`},
	{name: "rate limited", method: "POST", path: base + "/inputs/data-pipelines/trigger", body: `{"pipeline_id":"p"}`,
		status: 429, header: map[string]string{"Retry-After": "3", "X-mp-rate-limit-exceeded": "workspace"},
		respBody: `{"statusCode":429,"errors":[{"message":"slow down"}]}`},
	{name: "rate limited without Retry-After", method: "GET", path: base + "/inputs/data-pipelines/p/report",
		status: 429, header: map[string]string{"X-mp-rate-limit-exceeded": "workspace"},
		respBody: `{"statusCode":429,"errors":[{"message":"slow down"}]}`,
		want:     []string{`response header "Retry-After" missing`}},
	{name: "delete", method: "DELETE", path: base + "/inputs/data-pipelines/p", status: 204,
		header: map[string]string{"X-mp-rate-limit-percentage-used": "12.5"}},
	{name: "delete answered 200", method: "DELETE", path: base + "/inputs/data-pipelines/p", status: 200, respBody: `{}`,
		want: []string{"response 200 OK does not match", "status is not supported"}},
	{name: "proxy error page", method: "GET", path: base + "/inputs/data-pipelines", status: 502,
		header: map[string]string{"Content-Type": "text/html"}, respBody: `<html>bad gateway</html>`,
		want: []string{"response 502 Bad Gateway", "Content-Type"}},
	{name: "token", method: "POST", path: "/oauth/token", noAuth: true,
		body:   `{"client_id":"id","client_secret":"sekrit","audience":"https://api.mparticle.com","grant_type":"client_credentials"}`,
		status: 200, respBody: `{"access_token":"tok","expires_in":28800,"token_type":"Bearer"}`},
	{name: "token form-encoded", method: "POST", path: "/oauth/token", noAuth: true, contentType: "application/x-www-form-urlencoded",
		body:   `client_id=id&client_secret=sekrit&audience=https%3A%2F%2Fapi.mparticle.com&grant_type=client_credentials`,
		status: 200, respBody: `{"access_token":"tok","expires_in":28800,"token_type":"Bearer"}`},
	{name: "token wrong grant accepted", method: "POST", path: "/oauth/token", noAuth: true,
		body:   `{"client_id":"id","client_secret":"sekrit","audience":"https://api.mparticle.com","grant_type":"password"}`,
		status: 200, respBody: `{"access_token":"tok","expires_in":28800,"token_type":"Bearer"}`,
		want: []string{"POST /oauth/token", `field "grant_type"`}},
	{name: "token other audience refused", method: "POST", path: "/oauth/token", noAuth: true,
		body:   `{"client_id":"id","client_secret":"sekrit","audience":"https://example.com","grant_type":"client_credentials"}`,
		status: 403, respBody: `{"error":"access_denied","error_description":"Service not enabled within domain: https://example.com"}`},
	{name: "excusing status where the operation does not list it", method: "GET", path: base + "/data-models?x=1",
		status: 415, respBody: `{"statusCode":415,"errors":[{"message":"no"}]}`,
		want: []string{"response 415 Unsupported Media Type", "status is not supported"}},
	{name: "body not JSON refused", method: "POST", path: base + "/data-models", contentType: "text/plain",
		body:   `{"id":"m","name":"n","state":"active","type":"sql","config":{"sql_query":"SELECT 1"}}`,
		status: 415, respBody: `{"statusCode":415,"errors":[{"message":"Content-Type must be application/json"}]}`},
	{name: "body not JSON accepted", method: "POST", path: base + "/data-models", contentType: "text/plain",
		body:   `{"id":"m","name":"n","state":"active","type":"sql","config":{"sql_query":"SELECT 1"}}`,
		status: 200, respBody: dataModelResponse,
		want: []string{"request does not match", "answered 200 OK"}},
	{name: "415 where none is described", method: "GET", path: base + "/data-models",
		status: 415, respBody: `{"statusCode":415,"errors":[{"message":"no"}]}`,
		want: []string{"response 415 Unsupported Media Type", "status is not supported"}},
	{name: "token endpoint wrong method", method: "GET", path: "/oauth/token", noAuth: true,
		status: 405, respBody: ``,
		want: []string{"no operation with this method"}},
}

// request builds the request of ex against url.
func (ex exchange) request(t *testing.T, url string) *http.Request {
	t.Helper()
	var body io.Reader
	if ex.body != "" {
		body = strings.NewReader(ex.body)
	}
	req, err := http.NewRequest(ex.method, url+ex.path, body)
	require.NoError(t, err)
	if ex.body != "" {
		ct := ex.contentType
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		req.Header.Set("Content-Type", ct)
	}
	if !ex.noAuth {
		req.Header.Set("Authorization", "Bearer very-secret-token")
	}
	return req
}

// serve answers as ex says, after recording the request body it received.
func (ex exchange) serve(received *[]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*received = b
		for k, v := range ex.header {
			w.Header().Set(k, v)
		}
		if ex.respBody != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(ex.status)
		_, _ = io.WriteString(w, ex.respBody)
	}
}

// checkExchange sends ex through client to a server at url and checks that the traffic passed
// unchanged and that exactly the expected report was made.
func checkExchange(t *testing.T, ex exchange, client *http.Client, url string, received *[]byte, got *reports) {
	t.Helper()
	resp, err := client.Do(ex.request(t, url))
	require.NoError(t, err)
	respBody, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	assert.Equal(t, ex.body, string(*received), "the server got the request body unchanged")
	assert.Equal(t, ex.status, resp.StatusCode)
	assert.Equal(t, ex.respBody, string(respBody), "the client got the response body unchanged")
	for k, v := range ex.header {
		assert.Equal(t, v, resp.Header.Get(k), "response header %s", k)
	}

	msgs := got.messages()
	if len(ex.want) == 0 {
		assert.Empty(t, msgs)
		return
	}
	require.Len(t, msgs, 1, "one report")
	for _, w := range ex.want {
		assert.Contains(t, msgs[0], w)
	}
	for _, secret := range []string{"hunter2", "sekrit", "very-secret-token"} {
		assert.NotContains(t, msgs[0], secret, "reports never carry values")
	}
}

func TestRoundTripperChecksTraffic(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	for _, ex := range exchanges {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			var received []byte
			srv := httptest.NewServer(ex.serve(&received))
			t.Cleanup(srv.Close)
			var got reports
			client := &http.Client{Transport: contract.NewRoundTripper(srv.Client().Transport, doc, got.add)}
			checkExchange(t, ex, client, srv.URL, &received, &got)
		})
	}
}

func TestMiddlewareChecksTraffic(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	for _, ex := range exchanges {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			var received []byte
			var got reports
			srv := httptest.NewServer(contract.Middleware(ex.serve(&received), doc, got.add))
			t.Cleanup(srv.Close)
			checkExchange(t, ex, srv.Client(), srv.URL, &received, &got)
		})
	}
}

// TestRoundTripperLeavesTheRequestAlone checks the http.RoundTripper contract: the caller's request is
// not changed, and a retrying caller can get the body again.
func TestRoundTripperLeavesTheRequestAlone(t *testing.T) {
	t.Parallel()
	var bodies []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"pipeline_run_id":1,"status":"attempt_requested"}`)
	}))
	t.Cleanup(srv.Close)
	var got reports
	rt := contract.NewRoundTripper(srv.Client().Transport, loadDoc(t), got.add)

	req, err := http.NewRequest("POST", srv.URL+base+"/inputs/data-pipelines/trigger", bytes.NewBufferString(`{"pipeline_id":"p"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	origBody := req.Body
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.True(t, origBody == req.Body, "the caller's request keeps its body field")
	assert.Equal(t, []string{`{"pipeline_id":"p"}`}, bodies)
	assert.Empty(t, got.messages())
}

// TestRoundTripperConcurrentUse sends many requests at once; run with -race.
func TestRoundTripperConcurrentUse(t *testing.T) {
	t.Parallel()
	ex := exchanges[0]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, ex.respBody)
	}))
	t.Cleanup(srv.Close)
	var got reports
	client := &http.Client{Transport: contract.NewRoundTripper(srv.Client().Transport, loadDoc(t), got.add)}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Do(ex.request(t, srv.URL))
			if assert.NoError(t, err) {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, got.messages())
}

// failingTransport fails every request.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

func TestRoundTripperReportsBadRequestsThatGetNoAnswer(t *testing.T) {
	t.Parallel()
	var got reports
	client := &http.Client{Transport: contract.NewRoundTripper(failingTransport{}, loadDoc(t), got.add)}
	_, err := client.Post("http://127.0.0.1:1"+base+"/inputs/data-pipelines/trigger", "application/json",
		strings.NewReader(`{}`))
	require.ErrorContains(t, err, "connection refused")
	msgs := got.messages()
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0], `header "Authorization" must be "Bearer <token>"`)
	assert.Contains(t, msgs[0], `property "pipeline_id" is missing`)
}

func TestWithoutADescriptionEveryExchangeIsReported(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	var got reports
	client := &http.Client{Transport: contract.NewRoundTripper(srv.Client().Transport, nil, got.add)}
	resp, err := client.Get(srv.URL + base + "/connections")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	msgs := got.messages()
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0], "no description")
}
