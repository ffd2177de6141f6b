package warehousesync_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// elsewhere is a server on another origin (another port of the loopback) that records what reaches it.
type elsewhere struct {
	url  string
	mu   sync.Mutex
	seen []string // "<method> <path> auth=<Authorization> body=<body>"
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(b))
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, `{"access_token":"stolen","expires_in":3600,"token_type":"Bearer"}`)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func (e *elsewhere) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// redirecting answers every request with status and a Location of target, counting the requests.
func redirecting(t *testing.T, status int, target string, n *atomic.Int32) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", target)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestTokenRequestNeverFollowsARedirectToAnotherOrigin(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			other := newElsewhere(t)
			// The Location echoes the secret in its path and query: the error must name the target
			// without it.
			target := other.url + "/steal/" + testClientSecret + "?secret=" + testClientSecret
			var hits atomic.Int32
			tokenURL := redirecting(t, status, target, &hits) + "/oauth/token"
			c, api := credentialsClient(t, &tokenServer{url: tokenURL},
				ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 3, MinWait: 1, MaxWait: 1}))
			_, err := c.Connections.List(context.Background(), nil)
			require.ErrorIs(t, err, ws.ErrRedirectRefused)
			assert.Empty(t, other.requests(), "nothing reaches the other origin")
			assert.Empty(t, api.seen())
			assert.Equal(t, int32(1), hits.Load(), "a refused redirect is not retried")
			assert.Contains(t, err.Error(), strings.TrimPrefix(other.url, "http://"), "the error names the target")
			assert.NotContains(t, err.Error(), testClientSecret)
			assert.NotContains(t, err.Error(), "secret=")
		})
	}
}

func TestAPIRequestNeverCarriesTheTokenToAnotherOrigin(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect,
		http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			other := newElsewhere(t)
			var hits atomic.Int32
			base := redirecting(t, status, other.url+"/platform/v2/workspaces/"+testWorkspace+"/connections", &hits)
			c, err := ws.NewClient(testWorkspace, ws.WithBaseURL(base), ws.WithBearerToken(testToken),
				ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 2, MinWait: 1, MaxWait: 1}))
			require.NoError(t, err)
			_, err = c.Connections.List(context.Background(), nil)
			require.ErrorIs(t, err, ws.ErrRedirectRefused)
			assert.Empty(t, other.requests())
			assert.Equal(t, int32(1), hits.Load())
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestSameOriginRedirectsAreFollowed(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "moved") // relative to the request's own URL
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	var auth string
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		writeJSON(w, http.StatusOK, `[]`)
	})
	_, err := c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+testToken, auth)
}

func TestWithHTTPClientKeepsTheCallersCheckRedirectWithinTheOrigin(t *testing.T) {
	t.Parallel()
	var asked atomic.Int32
	mine := errors.New("my policy")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		asked.Add(1)
		return mine
	}}
	c, mux := setup(t, ws.WithHTTPClient(hc))
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "elsewhere")
		w.WriteHeader(http.StatusFound)
	})
	_, err := c.Connections.List(context.Background(), nil)
	require.ErrorIs(t, err, mine, "a same-origin redirect is the caller's CheckRedirect's to decide")
	assert.Equal(t, int32(1), asked.Load())

	other := newElsewhere(t)
	c2, mux2 := setup(t, ws.WithHTTPClient(hc))
	mux2.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.url+"/x", http.StatusFound)
	})
	_, err = c2.Connections.List(context.Background(), nil)
	require.ErrorIs(t, err, ws.ErrRedirectRefused, "another origin is refused before the caller's check")
	assert.Equal(t, int32(1), asked.Load())
	assert.Empty(t, other.requests())
}
