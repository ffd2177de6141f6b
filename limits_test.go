package warehousesync_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// endlessBody answers with a JSON object that never ends, until the client goes away.
func endlessBody(w http.ResponseWriter, r *http.Request) {
	chunk := []byte(strings.Repeat("a", 32<<10))
	if _, err := w.Write([]byte(`{"id":"big","name":"`)); err != nil {
		return
	}
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// allocatedBy returns how many heap bytes f allocated in total.
func allocatedBy(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An endless successful answer fails with the limit error after reading the limit, with the client's
// heap bounded by a small multiple of the limit (without a limit it grew until the process died; a
// finite 400 MB answer allocated 874 MiB).
func TestResponseBodyLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []ws.Option
		limit int64
	}{
		{"default", nil, ws.DefaultMaxResponseBody},
		{"option", []ws.Option{ws.WithMaxResponseBody(1 << 20)}, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := setup(t, tc.opts...)
			mux.HandleFunc("/data-models/big", endlessBody)
			var err error
			alloc := allocatedBy(func() { _, err = c.DataModels.Get(context.Background(), "big") })
			require.ErrorIs(t, err, ws.ErrResponseTooLarge)
			assert.Contains(t, err.Error(), "GET /data-models/big: reading response: response body too large: the body exceeds the limit of "+
				strconv.FormatInt(tc.limit, 10)+" bytes (WithMaxResponseBody changes it)")
			t.Logf("an endless body allocated %d MiB with a limit of %d MiB", alloc>>20, tc.limit>>20)
			assert.Less(t, alloc, uint64(6*tc.limit+8<<20), "heap bytes allocated reading an endless body")
		})
	}
}

// A body announced longer than the limit fails before it is read; one of exactly the limit is read.
func TestResponseBodyLimitContentLength(t *testing.T) {
	body := `{"id":"m","name":"` + strings.Repeat("n", 100) + `"}`
	c, mux := setup(t, ws.WithMaxResponseBody(int64(len(body))))
	mux.HandleFunc("/data-models/m", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(body))
	})
	mux.HandleFunc("/data-models/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(1<<30))
		_, _ = w.Write([]byte(body))
	})
	m, err := c.DataModels.Get(context.Background(), "m")
	require.NoError(t, err)
	assert.Equal(t, "m", m.ID)
	_, err = c.DataModels.Get(context.Background(), "huge")
	assert.ErrorIs(t, err, ws.ErrResponseTooLarge)

	for _, n := range []int64{0, -1} {
		_, err := ws.NewClient("ws", ws.WithBearerToken("t"), ws.WithMaxResponseBody(n))
		assert.EqualError(t, err, `WithMaxResponseBody "`+strconv.FormatInt(n, 10)+`" must be positive`)
	}
}

// A silent server cannot hold a call whose context has no deadline: each attempt has a timeout.
func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	var tried atomic.Int32 // attempts as the client counts them: a slow machine may time one out before it reaches the server
	c, mux := setup(t, ws.WithAttemptTimeout(20*time.Millisecond),
		ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
		ws.WithAttemptHook(func(context.Context, ws.Attempt) { tried.Add(1) }))
	attempts := make(chan struct{}, 10)
	mux.HandleFunc("/data-models/slow", func(w http.ResponseWriter, r *http.Request) {
		attempts <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	_, err := c.DataModels.Get(context.Background(), "slow")
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Equal(t, int32(2), tried.Load(), "a timed-out GET is retried")

	_, err = ws.NewClient("ws", ws.WithBearerToken("t"), ws.WithAttemptTimeout(-time.Second))
	assert.EqualError(t, err, `WithAttemptTimeout "-1s" must not be negative`)
}

// The attempt timeout bounds reading the answer too: a server that sends the headers and then stalls
// in the middle of the body cannot hold the call.
func TestAttemptTimeoutBoundsTheBody(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	c, mux := setup(t, ws.WithAttemptTimeout(50*time.Millisecond))
	mux.HandleFunc("/data-models/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"id":"stall","name":"`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	_, err := c.DataModels.Get(context.Background(), "stall")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "reading response: attempt timed out after 50ms")
}
