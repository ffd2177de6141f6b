package warehousesynctest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// refusingWall is a wall clock that fails the test when anything waits on it.
type refusingWall struct{ t *testing.T }

func (w refusingWall) Now() time.Time { return DefaultStartTime() }

func (w refusingWall) Until(time.Time) (<-chan time.Time, func()) {
	w.t.Error("the pause between polls waited on the wall clock")
	c := make(chan time.Time, 1)
	c <- DefaultStartTime()
	return c, func() {}
}

// triggeredOnDemand starts a server with opts, creates the on-demand pipeline "p" (onDemandPipeline)
// and triggers it through the server's ready client; it returns the server, the client and the run id.
func triggeredOnDemand(t *testing.T, opts ...Option) (*Server, *ws.Client, int64) {
	t.Helper()
	srv, a := newAPI(t, opts...)
	onDemandPipeline(a)
	c := srv.Client()
	tr, err := c.Pipelines.Trigger(context.Background(), "p")
	require.NoError(t, err)
	return srv, c, tr.PipelineRunID
}

// TestWaitWithAutoAdvanceNeverSleeps waits for a run that fails after two retries through the ready
// client: every pause between polls returns at once (the wall clock is never waited on), where the
// client's default would have slept 5 s between polls.
func TestWaitWithAutoAdvanceNeverSleeps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, a := newAPI(t, WithAutoAdvance(), withWallClock(refusingWall{t}))
	onDemandPipeline(a)
	require.NoError(t, srv.DefaultWorkspace().FailNextRuns("p", 1, "the warehouse is down")) // the attempt and both retries
	c := srv.Client()
	tr, err := c.Pipelines.Trigger(ctx, "p")
	require.NoError(t, err)
	run, err := c.Runs.Wait(ctx, "p", tr.PipelineRunID)
	require.NoError(t, err)
	assert.Equal(t, ws.RunFailed, run.Status)
	rep, err := c.Pipelines.WaitIdle(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineFaulted, rep.Status)
}

// TestWaitOnAStillManualClockEndsWithErrNoProgress: without auto-advance nothing moves the clock, so
// the wait ends with ErrNoProgress, naming the fix, once the grace has passed, instead of hanging.
func TestWaitOnAStillManualClockEndsWithErrNoProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wall := newTestWall(DefaultStartTime())
	_, c, runID := triggeredOnDemand(t, withWallClock(wall))
	done := make(chan error, 1)
	go func() {
		_, err := c.Runs.Wait(ctx, "p", runID)
		done <- err
	}()
	at := <-wall.waits // the pause waits for the grace
	wall.set(at)
	err := <-done
	require.ErrorIs(t, err, ws.ErrNoProgress)
	assert.Contains(t, err.Error(), "manual clock has not moved")
	assert.Contains(t, err.Error(), "WithAutoAdvance")
}

// TestWaitFollowsAnAdvanceFromAnotherGoroutine: a pause on the manual clock returns as soon as the
// clock moves, so a test that advances the clock while the client waits needs no auto-advance.
func TestWaitFollowsAnAdvanceFromAnotherGoroutine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wall := newTestWall(DefaultStartTime())
	srv, c, runID := triggeredOnDemand(t, withWallClock(wall))
	done := make(chan *ws.Run, 1)
	go func() {
		run, err := c.Runs.Wait(ctx, "p", runID)
		assert.NoError(t, err)
		done <- run
	}()
	<-wall.waits // the client polled, saw the run running, and pauses
	require.NoError(t, srv.Advance(time.Hour))
	run := <-done
	assert.Equal(t, ws.RunSuccess, run.Status)
}

// TestPollWaitEndsWithItsContext: a cancelled wait ends at once, with the context's error.
func TestPollWaitEndsWithItsContext(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t, withWallClock(newTestWall(DefaultStartTime())))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := srv.newPollWait()(ctx, time.Second)
	assert.True(t, errors.Is(err, context.Canceled), err)
}

// TestNewClientReturnsTheError: a program's server (made by Start) learns why a client was refused.
func TestNewClientReturnsTheError(t *testing.T) {
	t.Parallel()
	srv, err := Start()
	require.NoError(t, err)
	defer srv.Close()
	_, err = srv.NewClient(ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: -1}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MaxRetries")
	c, err := srv.NewClient()
	require.NoError(t, err)
	assert.Equal(t, DefaultWorkspaceID, c.WorkspaceID())
}

// TestClientOptionsGiveAnyClientTheFakesWait: a client built with warehousesync.NewClient and
// srv.ClientOptions gets what srv.Client gets: its wait on a still manual clock ends with ErrNoProgress
// instead of hanging.
func TestClientOptionsGiveAnyClientTheFakesWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wall := newTestWall(DefaultStartTime())
	srv, _, runID := triggeredOnDemand(t, withWallClock(wall))
	c, err := ws.NewClient(srv.WorkspaceID(), srv.ClientOptions()...)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := c.Runs.Wait(ctx, "p", runID)
		done <- err
	}()
	wall.set(<-wall.waits)
	require.ErrorIs(t, <-done, ws.ErrNoProgress)
}
