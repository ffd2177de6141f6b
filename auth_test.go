package warehousesync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	ws "github.com/wsync-dev/warehousesync"
)

const (
	testClientID     = "client-id-1"
	testClientSecret = "client-secret-Zq8v"
)

// tokenServer is an OAuth token endpoint that hands out tok-1, tok-2, … with the expires_in values of
// expiresIn (the last one repeating; default 3600).
type tokenServer struct {
	t         *testing.T
	url       string
	expiresIn []int
	fail      string // when set, every request fails with 401 and this body
	statuses  []int  // the first requests fail with these statuses, in order
	requests  atomic.Int32
	mu        sync.Mutex
	bodies    []map[string]any
}

func newTokenServer(t *testing.T, expiresIn ...int) *tokenServer {
	ts := &tokenServer{t: t, expiresIn: expiresIn}
	srv := httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(srv.Close)
	ts.url = srv.URL + "/oauth/token"
	return ts
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	n := int(ts.requests.Add(1))
	assert.Equal(ts.t, http.MethodPost, r.Method)
	assert.Equal(ts.t, "/oauth/token", r.URL.Path)
	assert.Equal(ts.t, "application/json", r.Header.Get("Content-Type"))
	var body map[string]any
	assert.NoError(ts.t, json.NewDecoder(r.Body).Decode(&body))
	ts.mu.Lock()
	ts.bodies = append(ts.bodies, body)
	ts.mu.Unlock()
	if ts.fail != "" {
		writeJSON(w, http.StatusUnauthorized, ts.fail)
		return
	}
	if n <= len(ts.statuses) {
		w.Header().Set("Retry-After", "0")
		writeJSON(w, ts.statuses[n-1], `{"error":"temporarily_unavailable"}`)
		return
	}
	exp := 3600
	if len(ts.expiresIn) > 0 {
		exp = ts.expiresIn[min(n, len(ts.expiresIn))-1]
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"access_token":"tok-%d","expires_in":%d,"token_type":"Bearer"}`, n, exp))
}

// apiRecorder answers GET /connections, recording the token of every request; reject decides which
// tokens get a 401.
type apiRecorder struct {
	mu     sync.Mutex
	tokens []string
	reject func(token string) bool
}

func (a *apiRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	a.tokens = append(a.tokens, tok)
	a.mu.Unlock()
	if a.reject != nil && a.reject(tok) {
		writeJSON(w, http.StatusUnauthorized, `{"statusCode":401,"errors":[{"message":"Unauthorized"}]}`)
		return
	}
	writeJSON(w, http.StatusOK, `[]`)
}

func (a *apiRecorder) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.tokens...)
}

// credentialsClient returns a client using client credentials against tokens, and the recorder of its
// API calls.
func credentialsClient(t *testing.T, tokens *tokenServer, opts ...ws.Option) (*ws.Client, *apiRecorder) {
	api := &apiRecorder{}
	c, mux := setupAuth(t, ws.WithClientCredentials(testClientID, testClientSecret),
		append([]ws.Option{ws.WithTokenURL(tokens.url)}, opts...)...)
	mux.Handle("/connections", api)
	return c, api
}

func TestClientCredentialsPostsTheDocumentedJSON(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opts     []ws.Option
		audience string
	}{
		"default audience": {nil, ws.DefaultAudience},
		"custom audience":  {[]ws.Option{ws.WithAudience("https://api.example.com")}, "https://api.example.com"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tokens := newTokenServer(t)
			c, api := credentialsClient(t, tokens, tc.opts...)
			_, err := c.Connections.List(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, []map[string]any{{
				"client_id":     testClientID,
				"client_secret": testClientSecret,
				"audience":      tc.audience,
				"grant_type":    "client_credentials",
			}}, tokens.bodies)
			assert.Equal(t, []string{"tok-1"}, api.seen())
		})
	}
}

func TestConcurrentCallsShareOneTokenRequest(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t)
	c, api := credentialsClient(t, tokens)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Connections.List(context.Background(), nil)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, tokens.requests.Load())
	seen := api.seen()
	assert.Len(t, seen, 50)
	for _, tok := range seen {
		assert.Equal(t, "tok-1", tok)
	}
}

func TestShortLivedTokenServesCalls(t *testing.T) {
	t.Parallel()
	// tok-1 lives 30 s, less than the client's one-minute margin: it still serves the calls that follow
	// (the cache replaces it after three quarters of its life) instead of costing each one a fetch.
	tokens := newTokenServer(t, 30, 3600)
	c, api := credentialsClient(t, tokens)
	for range 3 {
		_, err := c.Connections.List(context.Background(), nil)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"tok-1", "tok-1", "tok-1"}, api.seen())
	assert.EqualValues(t, 1, tokens.requests.Load())
}

func TestUnauthorizedLeadsToOneRefresh(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t)
	c, api := credentialsClient(t, tokens)
	api.reject = func(tok string) bool { return tok == "tok-1" } // as if revoked

	_, err := c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"tok-1", "tok-2"}, api.seen())
	assert.EqualValues(t, 2, tokens.requests.Load())

	_, err = c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"tok-1", "tok-2", "tok-2"}, api.seen(), "the new token is cached")
}

func TestUnauthorizedTwiceIsAnError(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t)
	c, api := credentialsClient(t, tokens, ws.WithRetryPolicy(ws.DefaultRetryPolicy()))
	api.reject = func(string) bool { return true }
	_, err := c.Connections.List(context.Background(), nil)
	require.ErrorIs(t, err, ws.ErrUnauthorized)
	assert.Equal(t, []string{"tok-1", "tok-2"}, api.seen(), "one refresh, one resend, no retries of a 401")
	assert.EqualValues(t, 2, tokens.requests.Load())
}

func TestConcurrentUnauthorizedCallsShareOneRefresh(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t)
	c, api := credentialsClient(t, tokens)
	api.reject = func(tok string) bool { return tok == "tok-1" }
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Connections.List(context.Background(), nil)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 2, tokens.requests.Load())
}

func TestBearerTokenIsNotRefreshed(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	api := &apiRecorder{reject: func(string) bool { return true }}
	mux.Handle("/connections", api)
	_, err := c.Connections.List(context.Background(), nil)
	require.ErrorIs(t, err, ws.ErrUnauthorized)
	assert.Equal(t, []string{testToken}, api.seen())
}

// countingSource is a caller's token source.
type countingSource struct{ n atomic.Int32 }

func (s *countingSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: fmt.Sprintf("src-%d", s.n.Add(1)), TokenType: "bearer"}, nil
}

func TestTokenSource(t *testing.T) {
	t.Parallel()
	src := &countingSource{}
	c, mux := setupAuth(t, ws.WithTokenSource(src))
	api := &apiRecorder{reject: func(tok string) bool { return tok == "src-1" }}
	mux.Handle("/connections", api)
	for range 2 {
		_, err := c.Connections.List(context.Background(), nil)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"src-1", "src-2", "src-2"}, api.seen())
	assert.EqualValues(t, 2, src.n.Load(), "tokens without expiry are cached")
}

func TestTokenEndpointError(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t)
	tokens.fail = `{"error":"access_denied","error_description":"Unauthorized"}`
	c, api := credentialsClient(t, tokens)
	_, err := c.Connections.List(context.Background(), nil)
	require.ErrorIs(t, err, ws.ErrUnauthorized)
	msg := err.Error()
	assert.Contains(t, msg, "GET /connections: fetching access token: POST "+tokens.url+": 401 Unauthorized: access_denied: Unauthorized")
	assert.NotContains(t, msg, testClientSecret)
	assert.Empty(t, api.seen(), "no API request without a token")
}

func TestTokenEndpointEchoingTheSecretIsRedacted(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t)
	tokens.fail = `{"error":"invalid_client","error_description":"bad secret ` + testClientSecret + `"}`
	c, _ := credentialsClient(t, tokens)
	_, err := c.Connections.List(context.Background(), nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testClientSecret)
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.NotContains(t, string(apiErr.Body), testClientSecret)
}

func TestTokenResponseWithoutToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, `{"token_type":"Bearer"}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := setupAuth(t, ws.WithClientCredentials(testClientID, testClientSecret), ws.WithTokenURL(srv.URL))
	_, err := c.Connections.List(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "response has no access_token")
}

// blockingSource hands out one token, but only once the test releases it.
type blockingSource struct {
	started, release chan struct{}
	calls            atomic.Int32
}

func (s *blockingSource) Token() (*oauth2.Token, error) {
	if s.calls.Add(1) == 1 {
		close(s.started)
	}
	<-s.release
	return &oauth2.Token{AccessToken: "slow", Expiry: time.Now().Add(time.Hour)}, nil
}

func TestWaitingForATokenEndsWithTheContext(t *testing.T) {
	t.Parallel()
	src := &blockingSource{started: make(chan struct{}), release: make(chan struct{})}
	c, mux := setupAuth(t, ws.WithTokenSource(src))
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer slow", r.Header.Get("Authorization"))
		writeJSON(w, http.StatusOK, `[]`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-src.started // the token fetch is under way
		cancel()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := c.Connections.List(ctx, nil)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute): // a guard against hanging, not a speed assertion
		t.Error("the call still waits for the token after its context ended")
		close(src.release)
		<-done
		return
	}
	close(src.release) // only now does the fetch end
	require.ErrorIs(t, err, context.Canceled)

	// The fetch that went on without the caller filled the cache.
	_, err = c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, src.calls.Load())
}

// A token endpoint that is busy for a moment (429, 503) does not fail the call: token requests are
// retried like idempotent API calls.
func TestTokenRequestsAreRetried(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t)
	tokens.statuses = []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway}
	c, api := credentialsClient(t, tokens,
		ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	_, err := c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 4, tokens.requests.Load())
	assert.Equal(t, []string{"tok-4"}, api.seen())

	// A refusal is not retried.
	tokens = newTokenServer(t)
	tokens.fail = `{"error":"access_denied","error_description":"Unauthorized"}`
	c, _ = credentialsClient(t, tokens,
		ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	_, err = c.Connections.List(context.Background(), nil)
	require.ErrorIs(t, err, ws.ErrUnauthorized)
	assert.EqualValues(t, 1, tokens.requests.Load())
}

// An expires_in so large that the expiry would overflow into the past is clamped: the token is cached,
// not fetched again for every call.
func TestHugeExpiresInIsClamped(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t, 9_300_000_000, 3600)
	c, api := credentialsClient(t, tokens)
	for range 3 {
		_, err := c.Connections.List(context.Background(), nil)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"tok-1", "tok-1", "tok-1"}, api.seen())
	assert.EqualValues(t, 1, tokens.requests.Load())
}

// sequenceSource hands out T1, T2, … in order; it is safe for concurrent use.
type sequenceSource struct{ n atomic.Int32 }

func (s *sequenceSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: fmt.Sprintf("T%d", s.n.Add(1)), TokenType: "Bearer"}, nil
}

// The interleaving that made the load test flaky, replayed step by step: call A sends T1; while it is
// in flight, call B is rejected for T1 too, fetches T2 and succeeds, and then T2 expires on the
// server's clock (the fake's clock moves hours, the client's cache goes by the wall clock). A's 401
// finds T2 cached, resends with it and is rejected again. A must then fetch T3 rather than fail: it
// resent with another call's token, not with one it fetched itself.
func TestUnauthorizedWithAnotherCallsStaleToken(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		expired = map[string]bool{"T1": true}
		seen    []string
		c       *ws.Client
	)
	api := roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+tok)
		first := len(seen) == 1
		mu.Unlock()
		if first {
			// A's request with T1 is in flight: B runs to its end now, on this goroutine.
			_, err := c.DataModels.Get(r.Context(), "b")
			assert.NoError(t, err, "call B")
			mu.Lock()
			expired["T2"] = true // the server's clock moves on: B's token expires
			mu.Unlock()
		}
		mu.Lock()
		reject := expired[tok]
		mu.Unlock()
		if reject {
			return jsonResponse(r, http.StatusUnauthorized, `{"statusCode":401,"errors":[{"message":"Unauthorized: the access token has expired; request a new one."}]}`), nil
		}
		return jsonResponse(r, http.StatusOK, `{"id":"`+strings.TrimPrefix(r.URL.Path, "/platform/v2/workspaces/ws-1/data-models/")+`"}`), nil
	})
	var err error
	c, err = ws.NewClient("ws-1", ws.WithBaseURL("http://interleave.invalid"), ws.WithTokenSource(&sequenceSource{}),
		ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}), ws.WithHTTPClient(&http.Client{Transport: api}))
	require.NoError(t, err)
	m, err := c.DataModels.Get(context.Background(), "a")
	require.NoError(t, err, "call A")
	assert.Equal(t, "a", m.ID)
	const root = "/platform/v2/workspaces/ws-1/data-models/"
	assert.Equal(t, []string{
		root + "a T1", // A
		root + "b T1", // B, rejected: B fetches T2
		root + "b T2", // B succeeds
		root + "a T2", // A's resend with B's token, which has expired meanwhile
		root + "a T3", // A's own fresh token
	}, seen)
}

// jsonResponse is a response to r with status and a JSON body.
func jsonResponse(r *http.Request, status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}
}
