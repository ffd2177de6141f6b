package warehousesync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

func TestAPIErrorIs(t *testing.T) {
	t.Parallel()
	sentinels := []error{
		ws.ErrBadRequest, ws.ErrUnauthorized, ws.ErrForbidden, ws.ErrNotFound, ws.ErrRateLimited,
		ws.ErrWarehouseUnreachable, ws.ErrServer, ws.ErrPipelineBusy,
	}
	for _, tc := range []struct {
		status   int
		messages []string
		want     []error
	}{
		{400, []string{"config.password is required"}, []error{ws.ErrBadRequest}},
		{400, []string{"first", "Pipeline p is already in progress."}, []error{ws.ErrBadRequest, ws.ErrPipelineBusy}},
		{401, nil, []error{ws.ErrUnauthorized}},
		{403, nil, []error{ws.ErrForbidden}},
		{404, []string{"Pipeline 'p' is already in progress."}, []error{ws.ErrNotFound}}, // busy only on a 400
		{409, nil, nil},
		{429, nil, []error{ws.ErrRateLimited}},
		{500, nil, []error{ws.ErrServer}},
		{502, nil, []error{ws.ErrServer}},
		{503, nil, []error{ws.ErrServer}},
		{505, nil, []error{ws.ErrWarehouseUnreachable}},
		{599, nil, []error{ws.ErrServer}},
	} {
		err := fmt.Errorf("wrapped: %w", &ws.APIError{StatusCode: tc.status, Messages: tc.messages})
		for _, s := range sentinels {
			want := false
			for _, w := range tc.want {
				want = want || w == s
			}
			assert.Equal(t, want, errors.Is(err, s), "%d %v is %v", tc.status, tc.messages, s)
		}
	}
}

func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  *ws.APIError
		want string
	}{
		{
			&ws.APIError{Method: "PUT", Path: "/connections/sf", Status: "400 Bad Request", StatusCode: 400,
				Messages: []string{"config.password is required"}},
			"PUT /connections/sf: 400 Bad Request: config.password is required",
		},
		{
			&ws.APIError{Method: "GET", Path: "/data-models/m", Status: "404 Not Found", StatusCode: 404},
			"GET /data-models/m: 404 Not Found",
		},
		{
			&ws.APIError{Method: "POST", Path: "/connections", Status: "400 Bad Request", StatusCode: 400,
				Messages: []string{"a", "b"}},
			"POST /connections: 400 Bad Request: a; b",
		},
	} {
		assert.Equal(t, tc.want, tc.err.Error())
	}
}

// failWith serves one error response on every path.
func failWith(t *testing.T, status int, header http.Header, body string) *ws.Client {
	c, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
	return c
}

func TestAPIErrorFromResponse(t *testing.T) {
	t.Parallel()
	c := failWith(t, http.StatusBadRequest, http.Header{"Content-Type": {"application/json"}},
		`{"statusCode":400,"errors":[{"message":"config.password is required","code":"required"},{"message":"state is invalid"}],"extra":true}`)
	_, err := c.Connections.Update(context.Background(), &ws.Connection{ID: "sf", Config: &ws.SnowflakeConfig{}})
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr), "%T %v", err, err)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, "400 Bad Request", apiErr.Status)
	assert.Equal(t, http.MethodPut, apiErr.Method)
	assert.Equal(t, "/connections/sf", apiErr.Path)
	assert.True(t, strings.HasSuffix(apiErr.URL, apiPrefix+"/platform/v2/workspaces/ws-1/connections/sf"), apiErr.URL)
	assert.True(t, strings.HasPrefix(apiErr.URL, "http://127.0.0.1:"), apiErr.URL)
	assert.Equal(t, []string{"config.password is required", "state is invalid"}, apiErr.Messages)
	assert.Contains(t, string(apiErr.Body), `"extra":true`)
	assert.Equal(t, "PUT /connections/sf: 400 Bad Request: config.password is required; state is invalid", err.Error())
}

func TestAPIErrorWithoutQueryInURL(t *testing.T) {
	t.Parallel()
	c := failWith(t, http.StatusNotFound, nil, `{"errors":[{"message":"Pipeline 'p' not found."}]}`)
	_, err := c.Runs.List(context.Background(), "p", &ws.ListRunsOptions{PageSize: 5})
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.NotContains(t, apiErr.URL, "?")
	assert.NotContains(t, apiErr.URL, "pageSize")
	assert.Equal(t, "GET /inputs/data-pipelines/p/runs: 404 Not Found: Pipeline 'p' not found.", err.Error())
}

func TestAPIErrorNonJSONBody(t *testing.T) {
	t.Parallel()
	c := failWith(t, http.StatusBadGateway, http.Header{"Content-Type": {"text/html"}},
		"\n  <html><body>Bad Gateway</body></html>\n")
	_, err := c.Pipelines.Get(context.Background(), "p")
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, []string{"<html><body>Bad Gateway</body></html>"}, apiErr.Messages)
	assert.ErrorIs(t, err, ws.ErrServer)
	assert.Equal(t, "GET /inputs/data-pipelines/p: 502 Bad Gateway: <html><body>Bad Gateway</body></html>", err.Error())
}

func TestAPIErrorOtherEnvelopes(t *testing.T) {
	t.Parallel()
	for body, want := range map[string][]string{
		`{"message":"internal error"}`:                                 {"internal error"},
		`{"error":"access_denied","error_description":"Unauthorized"}`: {"access_denied: Unauthorized"},
		`{"errors":[]}`: nil,
		``:              nil,
		`[1,2]`:         {"[1,2]"},
	} {
		c := failWith(t, http.StatusInternalServerError, nil, body)
		_, err := c.DataModels.List(context.Background(), nil)
		var apiErr *ws.APIError
		require.True(t, errors.As(err, &apiErr))
		assert.Equal(t, want, apiErr.Messages, "body %q", body)
	}
}

func TestAPIErrorBodyIsBounded(t *testing.T) {
	t.Parallel()
	c := failWith(t, http.StatusBadRequest, nil, strings.Repeat("x", 1<<20))
	_, err := c.DataModels.List(context.Background(), nil)
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Len(t, apiErr.Body, 64<<10)
	require.Len(t, apiErr.Messages, 1)
	assert.Less(t, len(apiErr.Messages[0]), 2<<10)
}

func TestAPIErrorRateLimit(t *testing.T) {
	t.Parallel()
	// The date is made when the subtest runs, not when the table is built: parallel subtests start only
	// after the package's sequential tests, seconds later on a busy machine.
	for name, tc := range map[string]struct {
		retryAfter func() string
		min, max   time.Duration
	}{
		"seconds":   {func() string { return "7" }, 7 * time.Second, 7 * time.Second},
		"HTTP date": {func() string { return time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat) }, 80 * time.Second, 90 * time.Second},
		"past date": {func() string { return "Mon, 02 Jan 2006 15:04:05 GMT" }, 0, 0},
		"garbage":   {func() string { return "soon" }, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := failWith(t, http.StatusTooManyRequests, http.Header{
				"Retry-After":              {tc.retryAfter()},
				"X-Mp-Rate-Limit-Exceeded": {"workspace"},
			}, `{"errors":[{"message":"rate limit exceeded"}]}`)
			_, err := c.Connections.List(context.Background(), nil)
			require.ErrorIs(t, err, ws.ErrRateLimited)
			var apiErr *ws.APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Equal(t, "workspace", apiErr.RateLimitScope)
			assert.GreaterOrEqual(t, apiErr.RetryAfter, tc.min)
			assert.LessOrEqual(t, apiErr.RetryAfter, tc.max)
		})
	}
}

func TestWarehouseUnreachable(t *testing.T) {
	t.Parallel()
	c := failWith(t, http.StatusHTTPVersionNotSupported, nil,
		`{"statusCode":505,"errors":[{"message":"Failed to connect to the warehouse account."}]}`)
	_, err := c.Connections.Create(context.Background(), &ws.Connection{ID: "sf", Config: &ws.SnowflakeConfig{}})
	require.ErrorIs(t, err, ws.ErrWarehouseUnreachable)
	assert.NotErrorIs(t, err, ws.ErrServer)
	assert.Contains(t, err.Error(), "POST /connections: 505 ")
	assert.Contains(t, err.Error(), "Failed to connect to the warehouse account.")
}

func TestSuccessStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 201, 202} {
		c, mux := setup(t)
		mux.HandleFunc("/inputs/data-pipelines/trigger", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, status, `{"pipeline_run_id":"42","status":"attempt_requested"}`)
		})
		tr, err := c.Pipelines.Trigger(context.Background(), "p")
		require.NoError(t, err, "status %d", status)
		assert.EqualValues(t, 42, tr.PipelineRunID)
	}
	c, mux := setup(t)
	mux.HandleFunc("/connections/c", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	assert.NoError(t, c.Connections.Delete(context.Background(), "c"), "a 200 without body deletes")
}

func TestUndecodableResponse(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections/c", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":"c","created_on":"yesterday"}`)
	})
	_, err := c.Connections.Get(context.Background(), "c")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GET /connections/c: decoding response: ")
	assert.Contains(t, err.Error(), `"yesterday"`)
}

func TestAPIErrorToleratesANumericCode(t *testing.T) {
	t.Parallel()
	// A client tolerates extra fields in an error, such as code, whatever their JSON type.
	c := failWith(t, http.StatusBadRequest, nil,
		`{"statusCode":400,"errors":[{"code":1001,"message":"Pipeline p is already in progress."}]}`)
	_, err := c.Pipelines.Trigger(context.Background(), "p")
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, []string{"Pipeline p is already in progress."}, apiErr.Messages)
	assert.Equal(t, "POST /inputs/data-pipelines/trigger: 400 Bad Request: Pipeline p is already in progress.", err.Error())
}

// The API's 505 means that the warehouse could not be reached: the error says that, not HTTP's
// "HTTP Version Not Supported".
func TestWarehouseUnreachableStatusText(t *testing.T) {
	t.Parallel()
	c := failWith(t, http.StatusHTTPVersionNotSupported, http.Header{"Content-Type": {"application/json"}},
		`{"statusCode":505,"errors":[{"message":"password expired"}]}`)
	_, err := c.Connections.Get(context.Background(), "sf")
	require.ErrorIs(t, err, ws.ErrWarehouseUnreachable)
	assert.EqualError(t, err, "GET /connections/sf: 505 Warehouse Unreachable: password expired")
}
