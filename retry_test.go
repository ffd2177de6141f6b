package warehousesync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// The retry tests attach httpmock's global transport to the client's HTTP client, so they do not run
// in parallel with each other.

const mockRoot = "https://api.example.com/prefix/platform/v2/workspaces/ws"

// fastRetries retries twice with waits too short to notice.
var fastRetries = RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

// mockClient returns a client whose HTTP client is served by httpmock.
func mockClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	var given settings
	for _, opt := range opts {
		opt(&given)
	}
	all := []Option{WithBaseURL("https://api.example.com/prefix/"), WithRetryPolicy(fastRetries)}
	if given.auth == authNone {
		all = append(all, WithBearerToken("tok"))
	}
	c, err := NewClient("ws", append(all, opts...)...)
	require.NoError(t, err)
	httpmock.ActivateNonDefault(c.rc.HTTPClient)
	t.Cleanup(httpmock.DeactivateAndReset)
	return c
}

// calls returns how often method url was requested.
func calls(method, url string) int {
	return httpmock.GetCallCountInfo()[method+" "+url]
}

func TestRetry503Then200(t *testing.T) {
	c := mockClient(t)
	httpmock.RegisterResponder(http.MethodGet, mockRoot+"/connections",
		httpmock.NewStringResponder(http.StatusServiceUnavailable, `{"errors":[{"message":"busy"}]}`).
			Then(httpmock.NewStringResponder(http.StatusOK, `[{"id":"a"}]`)))
	conns, err := c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, conns, 1)
	assert.Equal(t, "a", conns[0].ID)
	assert.Equal(t, 2, calls(http.MethodGet, mockRoot+"/connections"))
}

func TestRetryByMethodAndStatus(t *testing.T) {
	retriedIdempotent := map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true}
	retriedTrigger := map[int]bool{429: true} // a trigger that may have started a run is never resent
	for _, status := range []int{400, 401, 403, 404, 409, 429, 500, 501, 502, 503, 504, 505} {
		for _, tc := range []struct {
			method, url string
			call        func(c *Client) error
			retried     bool
		}{
			{http.MethodGet, mockRoot + "/inputs/data-pipelines/p", func(c *Client) error {
				_, err := c.Pipelines.Get(context.Background(), "p")
				return err
			}, retriedIdempotent[status]},
			{http.MethodPut, mockRoot + "/inputs/data-pipelines/p", func(c *Client) error {
				_, err := c.Pipelines.Update(context.Background(), &Pipeline{ID: "p"})
				return err
			}, retriedIdempotent[status]},
			{http.MethodDelete, mockRoot + "/inputs/data-pipelines/p", func(c *Client) error {
				return c.Pipelines.Delete(context.Background(), "p")
			}, retriedIdempotent[status]},
			{http.MethodPost, mockRoot + "/inputs/data-pipelines/trigger", func(c *Client) error {
				_, err := c.Pipelines.Trigger(context.Background(), "p")
				return err
			}, retriedTrigger[status]},
			{http.MethodPost, mockRoot + "/inputs/data-pipelines", func(c *Client) error {
				_, err := c.Pipelines.Create(context.Background(), &Pipeline{ID: "p"})
				return err
			}, retriedIdempotent[status]}, // a retried create is reconciled
		} {
			t.Run(fmt.Sprintf("%s %s %d", tc.method, tc.url[len(mockRoot):], status), func(t *testing.T) {
				c := mockClient(t)
				httpmock.RegisterResponder(tc.method, tc.url,
					httpmock.NewStringResponder(status, fmt.Sprintf(`{"errors":[{"message":"status %d"}]}`, status)))
				err := tc.call(c)
				var apiErr *APIError
				require.True(t, errors.As(err, &apiErr), "%T %v", err, err)
				assert.Equal(t, status, apiErr.StatusCode, "the last response becomes the error")
				assert.Equal(t, []string{fmt.Sprintf("status %d", status)}, apiErr.Messages)
				want := 1
				if tc.retried {
					want = 1 + fastRetries.MaxRetries
				}
				assert.Equal(t, want, calls(tc.method, tc.url))
			})
		}
	}
}

func TestExhaustedRetriesKeepTheLastResponse(t *testing.T) {
	c := mockClient(t)
	httpmock.RegisterResponder(http.MethodGet, mockRoot+"/data-models",
		httpmock.NewStringResponder(http.StatusServiceUnavailable, `{"errors":[{"message":"first"}]}`).
			Then(httpmock.NewStringResponder(http.StatusBadGateway, "<html>proxy</html>")).
			Then(httpmock.NewStringResponder(http.StatusGatewayTimeout, `{"errors":[{"message":"last"}]}`)))
	_, err := c.DataModels.List(context.Background(), nil)
	var apiErr *APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, http.StatusGatewayTimeout, apiErr.StatusCode)
	assert.Equal(t, []string{"last"}, apiErr.Messages)
	assert.Equal(t, "GET /data-models: 504 Gateway Timeout: last", err.Error())
	assert.NotContains(t, err.Error(), "giving up")
}

func TestNoRetriesWhenDisabled(t *testing.T) {
	c := mockClient(t, WithRetryPolicy(RetryPolicy{Disabled: true}))
	httpmock.RegisterResponder(http.MethodGet, mockRoot+"/data-models",
		httpmock.NewStringResponder(http.StatusServiceUnavailable, ``))
	_, err := c.DataModels.List(context.Background(), nil)
	require.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 1, calls(http.MethodGet, mockRoot+"/data-models"))
}

func TestRetryNetworkErrors(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, tc := range []struct {
		name    string
		method  string
		url     string
		err     error
		call    func(c *Client) error
		retried bool
	}{
		{"GET reset", http.MethodGet, mockRoot + "/connections/c", reset, func(c *Client) error {
			_, err := c.Connections.Get(context.Background(), "c")
			return err
		}, true},
		{"create reset", http.MethodPost, mockRoot + "/connections", reset, func(c *Client) error {
			_, err := c.Connections.Create(context.Background(), &Connection{ID: "c"})
			return err
		}, true}, // a retried create is reconciled
		{"trigger reset", http.MethodPost, mockRoot + "/inputs/data-pipelines/trigger", reset, func(c *Client) error {
			_, err := c.Pipelines.Trigger(context.Background(), "p")
			return err
		}, false},
		{"trigger refused", http.MethodPost, mockRoot + "/inputs/data-pipelines/trigger", refused, func(c *Client) error {
			_, err := c.Pipelines.Trigger(context.Background(), "p")
			return err
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mockClient(t)
			httpmock.RegisterResponder(tc.method, tc.url, httpmock.NewErrorResponder(tc.err))
			err := tc.call(c)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.err.(*net.OpError).Err.(*os.SyscallError).Err), "%v", err)
			want := 1
			if tc.retried {
				want = 1 + fastRetries.MaxRetries
			}
			assert.Equal(t, want, calls(tc.method, tc.url))
		})
	}
}

func TestRetryResendsTheBody(t *testing.T) {
	c := mockClient(t)
	var mu sync.Mutex
	var bodies []string
	httpmock.RegisterResponder(http.MethodPut, mockRoot+"/data-models/m", func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, string(b))
		if len(bodies) == 1 {
			return httpmock.NewStringResponse(http.StatusInternalServerError, ``), nil
		}
		return httpmock.NewStringResponse(http.StatusOK, string(b)), nil
	})
	m, err := c.DataModels.Update(context.Background(), &DataModel{ID: "m", Config: DataModelConfig{SQLQuery: "SELECT 1"}})
	require.NoError(t, err)
	assert.Equal(t, "SELECT 1", m.Config.SQLQuery)
	require.Len(t, bodies, 2)
	assert.Equal(t, bodies[0], bodies[1])
	assert.Contains(t, bodies[0], `"sql_query":"SELECT 1"`)
}

// expiringSource hands out src-1, src-2, … each valid for 30 s, which the cache replaces after 22.5 s.
type expiringSource struct {
	mu sync.Mutex
	n  int
}

func (s *expiringSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return &oauth2.Token{AccessToken: fmt.Sprintf("src-%d", s.n), Expiry: time.Now().Add(30 * time.Second)}, nil
}

func TestEveryAttemptGetsACurrentToken(t *testing.T) {
	c := mockClient(t, WithTokenSource(&expiringSource{}))
	var ahead atomic.Int64 // how far the cache's clock is ahead of the wall clock
	c.tokens.now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	var auths []string
	httpmock.RegisterResponder(http.MethodGet, mockRoot+"/data-models", func(r *http.Request) (*http.Response, error) {
		auths = append(auths, r.Header.Get("Authorization"))
		if len(auths) == 1 {
			ahead.Store(int64(25 * time.Second)) // src-1 is now due for its refresh
			return httpmock.NewStringResponse(http.StatusServiceUnavailable, ``), nil
		}
		return httpmock.NewStringResponse(http.StatusOK, `[]`), nil
	})
	_, err := c.DataModels.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer src-1", "Bearer src-2"}, auths)
}

func TestRetryAfterIsCapped(t *testing.T) {
	// Retry-After asks for an hour; MaxWait caps the wait at 2 ms. Were it not capped, the call would
	// hit the context's deadline instead of succeeding.
	c := mockClient(t)
	resp := httpmock.NewStringResponse(http.StatusTooManyRequests, `{"errors":[{"message":"slow down"}]}`)
	resp.Header.Set("Retry-After", "3600")
	httpmock.RegisterResponder(http.MethodGet, mockRoot+"/connections",
		httpmock.ResponderFromResponse(resp).Then(httpmock.NewStringResponder(http.StatusOK, `[]`)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.Connections.List(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, calls(http.MethodGet, mockRoot+"/connections"))
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	waiting := make(chan time.Duration, 1)
	c := mockClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 3, MinWait: time.Hour, MaxWait: time.Hour}),
		WithAttemptHook(func(_ context.Context, a Attempt) { waiting <- a.RetryWait }))
	httpmock.RegisterResponder(http.MethodGet, mockRoot+"/connections",
		httpmock.NewStringResponder(http.StatusServiceUnavailable, ``))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-waiting // the client is about to wait an hour
		cancel()
	}()
	start := time.Now()
	_, err := c.Connections.List(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 10*time.Second, "returned without waiting out the back-off")
	assert.Equal(t, 1, calls(http.MethodGet, mockRoot+"/connections"))
	assert.Contains(t, err.Error(), "GET /connections: ")
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	withHeader := func(v string) *http.Response {
		return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {v}}}
	}
	const lo, hi = 100 * time.Millisecond, 10 * time.Second
	assert.Equal(t, 3*time.Second, backoff(lo, hi, 0, withHeader("3")), "Retry-After seconds")
	assert.Equal(t, hi, backoff(lo, hi, 0, withHeader("3600")), "Retry-After capped")
	date := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
	d := backoff(lo, hi, 0, withHeader(date))
	assert.True(t, d > 3*time.Second && d <= 5*time.Second, "Retry-After date: %v", d)
	assert.Equal(t, time.Duration(0), backoff(lo, hi, 0, withHeader("Mon, 02 Jan 2006 15:04:05 GMT")), "date in the past")
	assert.Equal(t, hi, backoff(lo, hi, 0, withHeader(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))))

	for attempt := range 12 {
		base := min(lo<<attempt, hi)
		for range 50 {
			d := backoff(lo, hi, attempt, nil)
			assert.GreaterOrEqual(t, d, base, "attempt %d", attempt)
			assert.LessOrEqual(t, d, min(base+base/2, hi), "attempt %d", attempt)
		}
	}
	assert.Equal(t, hi, backoff(lo, hi, 1000, withHeader("junk")), "no overflow on late attempts")
}

func TestBackoffHasJitter(t *testing.T) {
	t.Parallel()
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[backoff(time.Second, time.Minute, 1, nil)] = true
	}
	assert.Greater(t, len(seen), 1)
}

func TestShouldRetry(t *testing.T) {
	t.Parallel()
	status := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	refused := fmt.Errorf("dial: %w", syscall.ECONNREFUSED)
	reset := errors.New("connection reset")
	const (
		idem = retryIdempotent
		rec  = retryReconciled
		uns  = retryUnsafe
	)
	for _, tc := range []struct {
		kind    retryKind
		resp    *http.Response
		err     error
		want    bool
		applied bool // mayHaveApplied
	}{
		{idem, status(200), nil, false, false},
		{idem, status(400), nil, false, false},
		{idem, status(401), nil, false, false},
		{idem, status(404), nil, false, false},
		{idem, status(429), nil, true, false},
		{idem, status(500), nil, true, true},
		{idem, status(501), nil, false, true},
		{idem, status(505), nil, false, false},
		{rec, status(429), nil, true, false},
		{rec, status(500), nil, true, true},
		{rec, status(503), nil, true, true},
		{rec, status(505), nil, false, false},
		{rec, nil, reset, true, true},
		{uns, status(429), nil, true, false},
		{uns, status(500), nil, false, true},
		{uns, status(502), nil, false, true},
		{uns, status(503), nil, false, true}, // a 503 may come after the trigger started a run
		{uns, status(504), nil, false, true},
		{idem, nil, reset, true, true},
		{uns, nil, reset, false, true},
		{uns, nil, refused, true, false},
	} {
		assert.Equal(t, tc.want, shouldRetry(tc.kind, tc.resp, tc.err), "kind=%d %v %v", tc.kind, tc.resp, tc.err)
		assert.Equal(t, tc.applied, mayHaveApplied(tc.resp, tc.err), "%v %v", tc.resp, tc.err)
	}
}

func TestRetryPolicyNormalized(t *testing.T) {
	t.Parallel()
	def := DefaultRetryPolicy()
	assert.Equal(t, RetryPolicy{MaxRetries: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second}, def)
	assert.Equal(t, def, RetryPolicy{}.normalized(), "the zero value is the default policy")
	assert.Equal(t, RetryPolicy{MaxRetries: 4, MinWait: 100 * time.Millisecond, MaxWait: 100 * time.Millisecond},
		RetryPolicy{MaxWait: 100 * time.Millisecond}.normalized(), "a small MaxWait lowers the default MinWait")
	assert.Equal(t, RetryPolicy{MaxRetries: 4, MinWait: 500 * time.Millisecond, MaxWait: 5 * time.Second},
		RetryPolicy{MaxWait: 5 * time.Second}.normalized(), "setting only MaxWait keeps retries on")
	assert.Equal(t, RetryPolicy{MaxRetries: 1, MinWait: time.Second, MaxWait: 30 * time.Second},
		RetryPolicy{MaxRetries: 1, MinWait: time.Second}.normalized())
	assert.Equal(t, 0, RetryPolicy{Disabled: true}.normalized().MaxRetries)
}

func TestRetryPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    RetryPolicy
		want string
	}{
		{RetryPolicy{MaxRetries: -1}, `RetryPolicy.MaxRetries "-1" must not be negative (use Disabled to turn retries off)`},
		{RetryPolicy{MinWait: -time.Second}, `RetryPolicy.MinWait "-1s" must not be negative`},
		{RetryPolicy{MaxWait: -time.Second}, `RetryPolicy.MaxWait "-1s" must not be negative`},
		{RetryPolicy{MinWait: 3 * time.Second, MaxWait: 100 * time.Millisecond}, `RetryPolicy.MinWait "3s" must not exceed MaxWait 100ms`},
		{RetryPolicy{MinWait: 40 * time.Second}, `RetryPolicy.MinWait "40s" must not exceed MaxWait 30s (the default; set MaxWait too)`},
		{RetryPolicy{Disabled: true, MaxRetries: 2}, `RetryPolicy must set no other field when Disabled is true`},
	} {
		_, err := NewClient("ws", WithBearerToken("t"), WithRetryPolicy(tc.p))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, "%+v", tc.p)
		assert.Equal(t, tc.want, err.Error())
	}
	for _, p := range []RetryPolicy{{}, {Disabled: true}, {MaxWait: time.Millisecond}, {MinWait: time.Minute, MaxWait: time.Minute}} {
		_, err := NewClient("ws", WithBearerToken("t"), WithRetryPolicy(p))
		assert.NoError(t, err, "%+v", p)
	}
}

// MaxWait caps every wait: the computed back-off with its jitter, and a longer Retry-After.
func TestRetryPolicyMaxWaitCapsEveryWait(t *testing.T) {
	t.Parallel()
	for _, p := range []RetryPolicy{{MaxWait: 100 * time.Millisecond}, {MinWait: 80 * time.Millisecond, MaxWait: 100 * time.Millisecond}} {
		n := p.normalized()
		for attempt := range 10 {
			for range 20 {
				assert.LessOrEqual(t, backoff(n.MinWait, n.MaxWait, attempt, nil), p.MaxWait, "%+v attempt %d", p, attempt)
			}
		}
		resp := &http.Response{Header: http.Header{"Retry-After": {"40"}}}
		assert.Equal(t, p.MaxWait, backoff(n.MinWait, n.MaxWait, 0, resp))
	}
}
