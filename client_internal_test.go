package warehousesync

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// Every attempt has a timeout by default; a caller's *http.Client is not changed, and its own Timeout
// is kept unless WithAttemptTimeout says otherwise. The client's own bound is a deadline on each
// request (timeoutTransport), not http.Client.Timeout, which costs about 15 allocations an attempt.
func TestDefaultAttemptTimeout(t *testing.T) {
	t.Parallel()
	bound := func(c *Client) time.Duration {
		if tt, ok := c.rc.HTTPClient.Transport.(*timeoutTransport); ok {
			assert.Zero(t, c.rc.HTTPClient.Timeout, "one bound, not two")
			return tt.d
		}
		return c.rc.HTTPClient.Timeout
	}
	c, err := NewClient("ws", WithBearerToken("t"))
	require.NoError(t, err)
	assert.Equal(t, DefaultAttemptTimeout, bound(c))

	mine := &http.Client{}
	c, err = NewClient("ws", WithBearerToken("t"), WithHTTPClient(mine))
	require.NoError(t, err)
	assert.Equal(t, DefaultAttemptTimeout, bound(c))
	assert.Zero(t, mine.Timeout, "the caller's client is not modified")
	assert.Nil(t, mine.Transport, "the caller's client is not modified")

	mine = &http.Client{Timeout: 5 * time.Second}
	c, err = NewClient("ws", WithBearerToken("t"), WithHTTPClient(mine))
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, c.rc.HTTPClient.Timeout, "the caller's own timeout is kept")
	assert.Nil(t, c.rc.HTTPClient.Transport)

	c, err = NewClient("ws", WithBearerToken("t"), WithHTTPClient(mine), WithAttemptTimeout(0))
	require.NoError(t, err)
	assert.Zero(t, bound(c), "WithAttemptTimeout(0) turns the bound off")
	assert.Nil(t, c.rc.HTTPClient.Transport)

	c, err = NewClient("ws", WithBearerToken("t"), WithHTTPClient(mine), WithAttemptTimeout(time.Second))
	require.NoError(t, err)
	assert.Equal(t, time.Second, bound(c))
}

// A token is replaced a minute before it expires, or after three quarters of its life when that is
// shorter, so a short-lived token is not fetched again for every call.
func TestTokenRefreshMargin(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		life, refreshAfter time.Duration
	}{
		{time.Hour, 59 * time.Minute},
		{4 * time.Minute, 3 * time.Minute},
		{30 * time.Second, 22500 * time.Millisecond},
		{time.Second, 750 * time.Millisecond},
		{-time.Second, -time.Second}, // already expired when fetched: used once, then replaced
	} {
		h := newAuthHeader(&oauth2.Token{AccessToken: "a", Expiry: now.Add(tc.life)}, now)
		assert.Equal(t, now.Add(tc.refreshAfter), h.refreshAt, "life %s", tc.life)
	}
	assert.True(t, newAuthHeader(&oauth2.Token{AccessToken: "a"}, now).refreshAt.IsZero(), "no expiry: never replaced")
	assert.Equal(t, []string{"Bearer a"}, newAuthHeader(&oauth2.Token{AccessToken: "a"}, now).value)
}
