package warehousesync

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every attempt has a timeout by default; a caller's *http.Client is not changed, and its own Timeout
// is kept unless WithAttemptTimeout says otherwise.
func TestDefaultAttemptTimeout(t *testing.T) {
	t.Parallel()
	c, err := NewClient("ws", WithBearerToken("t"))
	require.NoError(t, err)
	assert.Equal(t, DefaultAttemptTimeout, c.rc.HTTPClient.Timeout)

	mine := &http.Client{}
	c, err = NewClient("ws", WithBearerToken("t"), WithHTTPClient(mine))
	require.NoError(t, err)
	assert.Equal(t, DefaultAttemptTimeout, c.rc.HTTPClient.Timeout)
	assert.Zero(t, mine.Timeout, "the caller's client is not modified")

	mine = &http.Client{Timeout: 5 * time.Second}
	c, err = NewClient("ws", WithBearerToken("t"), WithHTTPClient(mine))
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, c.rc.HTTPClient.Timeout, "the caller's own timeout is kept")

	c, err = NewClient("ws", WithBearerToken("t"), WithHTTPClient(mine), WithAttemptTimeout(0))
	require.NoError(t, err)
	assert.Zero(t, c.rc.HTTPClient.Timeout, "WithAttemptTimeout(0) turns the bound off")
}
