package warehousesync_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// attemptLog collects what the attempt hook receives.
type attemptLog struct {
	mu  sync.Mutex
	all []ws.Attempt
}

func (l *attemptLog) hook(ctx context.Context, a ws.Attempt) {
	if ctx == nil {
		panic("the hook got no context")
	}
	l.mu.Lock()
	l.all = append(l.all, a)
	l.mu.Unlock()
}

func (l *attemptLog) attempts() []ws.Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ws.Attempt(nil), l.all...)
}

var hookRetries = ws.RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

func TestAttemptHookSeesEveryAttemptWithTokenRequests(t *testing.T) {
	t.Parallel()
	log := &attemptLog{}
	tokens := newTokenServer(t)
	tokens.statuses = []int{http.StatusServiceUnavailable}
	c, mux := setupAuth(t, ws.WithClientCredentials(testClientID, testClientSecret), ws.WithTokenURL(tokens.url),
		ws.WithRetryPolicy(hookRetries), ws.WithAttemptHook(log.hook))
	var calls atomic.Int32
	mux.HandleFunc("/inputs/data-pipelines/pipe-42/runs/7", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-"+strings.Repeat("1", int(calls.Add(1))))
		if calls.Load() == 1 {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, http.StatusServiceUnavailable, `{}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"id":7,"pipeline_id":"pipe-42"}`)
	})
	_, err := c.Runs.Get(context.Background(), "pipe-42", 7)
	require.NoError(t, err)

	got := log.attempts()
	require.Len(t, got, 4, "two token attempts and two API attempts: %+v", got)
	tokenRoute := "/oauth/token"
	for i, want := range []ws.Attempt{
		{Operation: "Auth.Token", Method: "POST", Route: tokenRoute, Attempt: 1, StatusCode: 503, Retry: true, RetryReason: "503 Service Unavailable"},
		{Operation: "Auth.Token", Method: "POST", Route: tokenRoute, Attempt: 2, StatusCode: 200},
		{Operation: "Runs.Get", Method: "GET", Route: "/inputs/data-pipelines/{pipelineId}/runs/{pipelineRunId}", Attempt: 1,
			StatusCode: 503, RequestID: "req-1", Retry: true, RetryReason: "503 Service Unavailable"},
		{Operation: "Runs.Get", Method: "GET", Route: "/inputs/data-pipelines/{pipelineId}/runs/{pipelineRunId}", Attempt: 2,
			StatusCode: 200, RequestID: "req-11"},
	} {
		a := got[i]
		assert.GreaterOrEqual(t, a.Duration, time.Duration(0))
		assert.LessOrEqual(t, a.RetryWait, 2*time.Millisecond)
		a.Duration, a.RetryWait = 0, 0
		assert.Equal(t, want, a, "attempt %d", i)
		assert.NotContains(t, a.Route, "pipe-42", "never an id")
	}
}

func TestAttemptHookNamesEveryOperationByItsRoute(t *testing.T) {
	t.Parallel()
	log := &attemptLog{}
	c, mux := setup(t, ws.WithAttemptHook(log.hook))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, `{}`)
	})
	ctx := context.Background()
	_, _ = c.Pipelines.Trigger(ctx, "p1")
	_, _ = c.Pipelines.Report(ctx, "p1")
	_, _ = c.Runs.List(ctx, "p1", nil)
	_ = c.Connections.Delete(ctx, "c1")
	_, _ = c.DataModels.Get(ctx, "m1")
	_, _ = c.Connections.List(ctx, nil)
	var got []string
	for _, a := range log.attempts() {
		got = append(got, a.Operation+" "+a.Method+" "+a.Route)
	}
	assert.Equal(t, []string{
		"Pipelines.Trigger POST /inputs/data-pipelines/trigger",
		"Pipelines.Report GET /inputs/data-pipelines/{pipelineId}/report",
		"Runs.List GET /inputs/data-pipelines/{pipelineId}/runs",
		"Connections.Delete DELETE /connections/{connectionId}",
		"DataModels.Get GET /data-models/{modelId}",
		"Connections.List GET /connections",
	}, got)
}

func TestAttemptHookCountsTheResendAfterA401(t *testing.T) {
	t.Parallel()
	log := &attemptLog{}
	tokens := newTokenServer(t)
	c, api := credentialsClient(t, tokens, ws.WithAttemptHook(log.hook))
	api.reject = func(tok string) bool { return tok == "tok-1" }
	_, err := c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	var got []string
	for _, a := range log.attempts() {
		got = append(got, a.Operation+" #"+string(rune('0'+a.Attempt))+" "+http.StatusText(a.StatusCode))
	}
	assert.Equal(t, []string{"Auth.Token #1 OK", "Connections.List #1 Unauthorized", "Auth.Token #1 OK", "Connections.List #2 OK"}, got)
}

// TestADeadAddressShowsEveryAttemptAndWhy: a refused connection was retried silently; the hook and the
// debug log now show each attempt, its error, and why and after how long the next one follows.
func TestADeadAddressShowsEveryAttemptAndWhy(t *testing.T) {
	t.Parallel()
	log := &attemptLog{}
	logs := &logBuffer{}
	c, err := ws.NewClient("w", ws.WithBaseURL("http://127.0.0.1:1"), ws.WithBearerToken("t"),
		ws.WithRetryPolicy(hookRetries), ws.WithAttemptHook(log.hook), ws.WithLogger(debugLogger(logs)))
	require.NoError(t, err)
	_, err = c.Pipelines.Trigger(context.Background(), "p")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)

	got := log.attempts()
	require.Len(t, got, 3)
	for i, a := range got {
		assert.Equal(t, i+1, a.Attempt)
		assert.ErrorIs(t, a.Err, syscall.ECONNREFUSED)
		assert.Zero(t, a.StatusCode)
		assert.Equal(t, i < 2, a.Retry, "attempt %d", i+1)
		if i < 2 {
			assert.Equal(t, "connection refused", a.RetryReason)
			assert.Positive(t, a.RetryWait)
		} else {
			assert.Empty(t, a.RetryReason)
			assert.Zero(t, a.RetryWait)
		}
	}
	recs := logs.records(t, "warehousesync request")
	require.Len(t, recs, 3, "one line per attempt")
	assert.Equal(t, "connection refused", recs[0]["retry_reason"])
	assert.Contains(t, recs[0], "retry_in")
	assert.Equal(t, "Pipelines.Trigger", recs[0]["operation"])
	assert.NotContains(t, recs[2], "retry_reason")
}

func TestAttemptRequestIDIsShownOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]string{
		"abc-123_x.y:z":                    "abc-123_x.y:z",
		"has space":                        "",
		strings.Repeat("a", 129):           "",
		"id-" + testToken:                  "",
		"id-" + strings.ToUpper(testToken): "",
	} {
		log := &attemptLog{}
		c, mux := setup(t, ws.WithAttemptHook(log.hook))
		mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", header)
			writeJSON(w, http.StatusOK, `[]`)
		})
		_, err := c.Connections.List(context.Background(), nil)
		require.NoError(t, err)
		require.Len(t, log.attempts(), 1)
		assert.Equal(t, want, log.attempts()[0].RequestID, header)
	}
}
