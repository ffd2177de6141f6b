package warehousesynctest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chanListener is a net.Listener whose connections come from a channel.
type chanListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{} }

// TestConnectionsAreBounded: the server accepted any number of connections, each holding a goroutine
// and its buffers while its client sent nothing or a byte at a time. Accept now waits while
// MaxConnections are open, and a closed connection frees its slot once.
func TestConnectionsAreBounded(t *testing.T) {
	t.Parallel()
	inner := &chanListener{conns: make(chan net.Conn, 10), closed: make(chan struct{})}
	ln := limitListener(inner, 2)
	pipe := func() net.Conn { a, b := net.Pipe(); t.Cleanup(func() { _ = b.Close() }); return a }
	for range 3 {
		inner.conns <- pipe()
	}
	first, err := ln.Accept()
	require.NoError(t, err)
	second, err := ln.Accept()
	require.NoError(t, err)
	third := make(chan net.Conn)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			third <- c
		}
		close(third)
	}()
	select {
	case <-third:
		t.Fatal("a third connection was accepted while two were open")
	default:
	}
	require.NoError(t, first.Close())
	require.NoError(t, first.Close(), "closing twice frees one slot")
	c := <-third
	require.NotNil(t, c, "a closed connection frees its slot")
	require.NoError(t, second.Close())
	require.NoError(t, c.Close())

	// Close stops an Accept that waits for a slot.
	full := limitListener(&chanListener{conns: make(chan net.Conn, 1), closed: make(chan struct{})}, 1)
	full.(*limitedListener).Listener.(*chanListener).conns <- pipe()
	_, err = full.Accept()
	require.NoError(t, err)
	waiting := make(chan error)
	go func() { _, err := full.Accept(); waiting <- err }()
	require.NoError(t, full.Close())
	assert.ErrorIs(t, <-waiting, net.ErrClosed)
}

// startedReader is a body that signals its first Read, then blocks until released.
type startedReader struct {
	started, release chan struct{}
	once             sync.Once
}

func (r *startedReader) Read(p []byte) (int, error) {
	r.once.Do(func() { close(r.started) })
	<-r.release
	return 0, http.ErrBodyReadAfterClose
}

// TestAnnouncedBodiesCostNothingUntilSent: a body's buffer was grown to its announced Content-Length
// (up to MaxBodyBytes, 1 MiB) before a byte arrived, so each slow client announcing 1 MiB held 1 MiB.
// It is now grown by at most 64 KiB ahead of the bytes received.
func TestAnnouncedBodiesCostNothingUntilSent(t *testing.T) {
	srv := NewServer(t)
	h := srv.Handler()
	token := mintToken(h, srv)
	const clients = 20
	base := liveHeap()
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		body := &startedReader{started: make(chan struct{}), release: release}
		req := httptest.NewRequest(http.MethodPost, apiPrefix+srv.WorkspaceID()+"/data-models", body)
		req.ContentLength = 1 << 20
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		wg.Add(1)
		go func() { defer wg.Done(); h.ServeHTTP(httptest.NewRecorder(), req) }()
		<-body.started
	}
	held := int64(liveHeap()) - int64(base)
	close(release)
	wg.Wait()
	t.Logf("%d requests announcing 1 MiB, none sent: live heap +%d KiB", clients, held>>10)
	assert.Less(t, held, int64(clients*256<<10), "no buffer of the announced length")
}

// TestLargeAdminDocumentsTakeTurns: seeded rows, snapshots and the request log (up to 64 MiB each, a
// few times that to decode or encode) were read and written by any number of admin requests at once.
// They now take turns: while one holds the turn, another waits, and one whose client has gone away
// gets a 503 without being read.
func TestLargeAdminDocumentsTakeTurns(t *testing.T) {
	srv, a := newAPI(t)
	a.seedBasics()
	h := srv.Handler()
	body := &startedReader{started: make(chan struct{}), release: make(chan struct{})}
	first := httptest.NewRequest(http.MethodPut, "/_fake/workspaces/"+srv.WorkspaceID()+"/data-models/model/records", body)
	first.Header.Set("Content-Type", "application/json")
	done := make(chan struct{})
	go func() { defer close(done); h.ServeHTTP(httptest.NewRecorder(), first) }()
	<-body.started // the first holds the turn while its body is read

	for _, target := range []string{"/_fake/requests", "/_fake/state"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil).WithContext(ctx))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s waits for its turn: %s", target, rec.Body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_fake/clock", nil))
	assert.Equal(t, http.StatusOK, rec.Code, "small admin requests do not wait")

	close(body.release)
	<-done
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_fake/requests", nil))
	assert.Equal(t, http.StatusOK, rec.Code, "the turn is free again")
}
