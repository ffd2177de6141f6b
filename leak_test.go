package warehousesync_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// The leak tests are not parallel: goleak compares every goroutine of the process against a snapshot
// taken at the start of the test, and a test running beside it would add its own.

// leakIdleConns are the goroutines of keep-alive connections that an http.Transport (client side)
// and an http.Server (server side) keep open between requests by design. They end when the idle
// connections are closed (CloseIdleConnections, the server's Close or the transport's idle timeout).
var leakIdleConns = []goleak.Option{
	goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
}

// leakWorkout runs every kind of client work against srv: a token fetch, reads and writes, retries
// after injected faults, a 401 that makes the client fetch a new token, a Wait that polls, and a
// request abandoned by its context during injected latency.
func leakWorkout(t *testing.T, srv *warehousesynctest.Server, c *ws.Client) {
	t.Helper()
	ctx := context.Background()
	_, err := c.Connections.Create(ctx, chaosConnection("leak-conn", "Leak", 0))
	require.NoError(t, err)
	_, err = c.DataModels.Create(ctx, chaosDataModel("leak-model", "Leak"))
	require.NoError(t, err)
	_, err = c.Pipelines.Create(ctx, chaosPipeline("leak-pipe", "Leak", "leak-conn", "leak-model"))
	require.NoError(t, err)

	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodGet, Path: "/connections",
		Status: http.StatusServiceUnavailable, Times: 2}))
	_, err = c.Connections.List(ctx, nil)
	require.NoError(t, err, "retried twice")

	tr, err := c.Pipelines.Trigger(ctx, "leak-pipe")
	require.NoError(t, err)
	run, err := c.Runs.Wait(ctx, "leak-pipe", tr.PipelineRunID, ws.PollEvery(time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)

	// Tokens expire on the fake clock: the next call gets a 401, fetches a new token and resends.
	require.NoError(t, srv.Advance(warehousesynctest.DefaultTokenTTL))
	_, err = c.Pipelines.Report(ctx, "leak-pipe")
	require.NoError(t, err)

	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodGet, Path: "/data-models",
		Latency: time.Minute, Times: 1}))
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = c.DataModels.List(short, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestLeakClosingAServerEndsEverything: a fake with the real-time clock, used by a client with its own
// connection pool, leaves no goroutine behind once it is closed, neither its own nor the client's.
func TestLeakClosingAServerEndsEverything(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	srv, err := warehousesynctest.Start(warehousesynctest.WithRealTimeClock())
	require.NoError(t, err)
	c := srv.Client()
	ctx := context.Background()
	_, err = c.Connections.Create(ctx, chaosConnection("leak-conn", "Leak", 1))
	require.NoError(t, err)
	_, err = c.DataModels.Create(ctx, chaosDataModel("leak-model", "Leak"))
	require.NoError(t, err)
	_, err = c.Pipelines.Create(ctx, chaosPipeline("leak-pipe", "Leak", "leak-conn", "leak-model"))
	require.NoError(t, err)
	_, err = c.Pipelines.Trigger(ctx, "leak-pipe") // a run the real-time goroutine is waiting to finish
	require.NoError(t, err)

	srv.Close()
	goleak.VerifyNone(t, ignore)

	_, err = c.Connections.List(ctx, nil)
	var apiErr *ws.APIError
	assert.False(t, errors.As(err, &apiErr), "a closed server answers nothing: %v", err)
	goleak.VerifyNone(t, ignore)
}

// TestLeakShutdownEndsEverything is the same with a graceful Shutdown of a manual-clock server, after
// every kind of client work, the default connection pool of Server.Client included.
func TestLeakShutdownEndsEverything(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	srv, err := warehousesynctest.Start(warehousesynctest.WithAutoAdvance())
	require.NoError(t, err)
	leakWorkout(t, srv, srv.Client())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	goleak.VerifyNone(t, ignore)
}

// TestLeakFinishedClientLeavesOnlyIdleConnections: with the server still running, a client whose calls
// have all returned leaves nothing but the idle keep-alive connections of its transport (and the server's
// ends of them), and nothing at all once they are closed. No token refresh, retry timer, Wait poll or
// injected latency outlives its call.
func TestLeakFinishedClientLeavesOnlyIdleConnections(t *testing.T) {
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithAutoAdvance())
	ignore := goleak.IgnoreCurrent() // the server's own goroutines, which run until the test's cleanup
	c := srv.Client()
	leakWorkout(t, srv, c)

	goleak.VerifyNone(t, append([]goleak.Option{ignore}, leakIdleConns...)...)
	c.CloseIdleConnections()
	goleak.VerifyNone(t, ignore)
}
