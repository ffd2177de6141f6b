package warehousesynctest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
)

// testWall is a wall clock a test moves by hand: the real-time goroutine waits on it instead of the
// system's timers, so a test can drive real-time mode step by step without sleeping.
type testWall struct {
	mu      sync.Mutex
	now     time.Time
	pending []wallTimer
	waits   chan time.Time // the instant of every wait the goroutine starts, in order
}

type wallTimer struct {
	at time.Time
	c  chan time.Time
}

func newTestWall(now time.Time) *testWall {
	return &testWall{now: now, waits: make(chan time.Time, 1024)}
}

func (w *testWall) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *testWall) Until(t time.Time) (<-chan time.Time, func()) {
	c := make(chan time.Time, 1)
	w.mu.Lock()
	if t.After(w.now) {
		w.pending = append(w.pending, wallTimer{t, c})
	} else {
		c <- w.now
	}
	w.mu.Unlock()
	w.waits <- t
	return c, func() {}
}

// set moves the wall clock to t and fires the timers that have come due.
func (w *testWall) set(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = t
	kept := w.pending[:0]
	for _, p := range w.pending {
		if p.at.After(t) {
			kept = append(kept, p)
			continue
		}
		p.c <- t
	}
	w.pending = kept
}

// waitFor returns once the goroutine has started waiting for the instant want, which it does only after
// processing everything due before. The timeout only guards against a hung goroutine.
func (w *testWall) waitFor(t *testing.T, want time.Time) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-w.waits:
			if got.Equal(want) {
				return
			}
		case <-timeout:
			t.Fatalf("the real-time goroutine never waited for %s", want.Format(time.RFC3339Nano))
		}
	}
}

// engineRun reads a run straight from the engine, without a request (which would bring the engine up
// to the clock itself): what it shows, the goroutine did.
func engineRun(srv *Server, pipelineID string, runID int64) (engine.Run, bool) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.eng.Run(srv.WorkspaceID(), pipelineID, runID)
}

func TestRealTimeGoroutineDrivesTheEngine(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2025-03-01T00:00:00Z")
	wall := newTestWall(t0)
	srv := NewServer(t, WithRealTimeClock(), withWallClock(wall))
	c := newCheckedClient(t, srv)
	createBasics(t, c)
	mustCreate(t, c, newPipeline("p", t0, hourly(t0))) // the first interval [00:00, 01:00) is due at 01:00

	wall.waitFor(t, t0.Add(time.Hour))
	_, found := engineRun(srv, "p", 1)
	require.False(t, found, "nothing is due before 01:00")

	wall.set(t0.Add(time.Hour))
	wall.waitFor(t, t0.Add(time.Hour+time.Minute)) // the run's attempt ends at 01:01
	run, found := engineRun(srv, "p", 1)
	require.True(t, found, "the goroutine created the run when it fell due")
	assert.Equal(t, engine.RunRunning, run.Status)
	assert.Equal(t, engine.NewTimestamp(t0.Add(time.Hour)), run.StartedOn)

	wall.set(t0.Add(time.Hour + time.Minute))
	wall.waitFor(t, t0.Add(2*time.Hour)) // the next interval
	run, _ = engineRun(srv, "p", 1)
	assert.Equal(t, engine.RunSuccess, run.Status, "the goroutine ended the run")
	assert.Equal(t, engine.NewTimestamp(t0.Add(time.Hour+time.Minute)), run.EndedOn)

	// A request sees the same, and the clock is the wall clock's, to the millisecond.
	wall.set(t0.Add(time.Hour + time.Minute + 1500*time.Microsecond))
	page, err := c.Runs.List(context.Background(), "p", nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, ws.RunSuccess, page.Items[0].Status)
	assert.Equal(t, t0.Add(time.Hour+time.Minute+time.Millisecond), srv.Now())
}

func TestRealTimeClockWakesForAnEventBetweenMilliseconds(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2025-03-01T00:00:00Z")
	wall := newTestWall(t0)
	srv := NewServer(t, WithRealTimeClock(), withWallClock(wall), WithAttemptDuration(1500*time.Microsecond))
	c := newCheckedClient(t, srv)
	createBasics(t, c)
	mustCreate(t, c, newPipeline("p", time.Time{}, onDemand()))
	mustTrigger(t, c, "p")
	// The attempt ends at 00:00:00.0015; the clock reads whole milliseconds, so the goroutine waits for
	// 00:00:00.002 rather than spinning until the clock gets there.
	wall.waitFor(t, t0.Add(2*time.Millisecond))
	wall.set(t0.Add(2 * time.Millisecond))
	run, err := c.Runs.Get(context.Background(), "p", 1)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)
}

// A Go-API change made after an event fell due on the wall clock, but before the goroutine got to it,
// must not reach back in time: the engine first catches up with the clock, then the change applies.
func TestRealTimeGoAPIChangeDoesNotRewriteThePast(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2025-03-01T00:00:00Z")
	wall := newTestWall(t0)
	srv := NewServer(t, WithRealTimeClock(), withWallClock(wall), WithRetries(0))
	c := newCheckedClient(t, srv)
	createBasics(t, c)
	mustCreate(t, c, newPipeline("p", time.Time{}, onDemand()))
	mustTrigger(t, c, "p")
	wall.waitFor(t, t0.Add(time.Minute)) // the attempt ends at 00:01

	// The wall clock passes 00:01 but the goroutine has not woken yet (its timer has not fired).
	wall.mu.Lock()
	wall.now = t0.Add(2 * time.Minute)
	wall.mu.Unlock()
	require.NoError(t, srv.DefaultWorkspace().FailNextRuns("p", 1, "injected at 00:02"))

	run, found := engineRun(srv, "p", 1)
	require.True(t, found)
	assert.Equal(t, engine.RunSuccess, run.Status, "the attempt ended at 00:01, before the failure was injected")
	assert.Equal(t, engine.NewTimestamp(t0.Add(time.Minute)), run.EndedOn)
}
