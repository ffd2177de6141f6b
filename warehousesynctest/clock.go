package warehousesynctest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// clock is the time of one server and everything that depends on how it moves. Start picks one of its
// three kinds and nothing else asks which one it has: manualClock (moves only when a test advances it),
// autoClock (a manual clock that a poll of a running pipeline also moves, WithAutoAdvance) and
// realTimeClock (follows the wall clock, WithRealTimeClock). Its methods are called with the server's
// mutex held, except pollWait's pause and start.
type clock interface {
	// Now is the server's current time.
	Now() time.Time
	// advanceTo moves the clock to t, processing every event due on the way, and returns how many it
	// processed; a refusal changes nothing.
	advanceTo(t time.Time) (int, error)
	// runUntilIdle moves the clock through every pending event until none is left.
	runUntilIdle() error
	// catchUp brings the engine up to the clock before a request's handler or a change made through
	// the Go API runs.
	catchUp()
	// settle runs after such a change: it processes what the change made due, now or later.
	settle()
	// polled runs when a client reads a run (runID > 0) or a pipeline's report (runID 0).
	polled(wsID, pipelineID string, runID int64)
	// pollWait returns the pause between two polls of one client made by Server.NewClient.
	pollWait() func(ctx context.Context, interval time.Duration) error
	// mode is how the admin clock endpoint names the clock: manual or real.
	mode() string
	// start starts what the clock runs in the background, if anything; Server.Close stops it.
	start()
	// restored runs after the engine's state was replaced by a snapshot's.
	restored()
}

// newClock returns the clock the server's options choose, and the instant the engine starts at.
func newClock(s *Server) (clock, time.Time) {
	switch {
	case s.cfg.realTime:
		c := &realTimeClock{s: s, wall: s.cfg.wall, wake: make(chan struct{}, 1)}
		return c, c.Now()
	case s.cfg.autoAdvance:
		return &autoClock{manualClock{s: s, moved: make(chan struct{})}}, s.cfg.start
	default:
		return &manualClock{s: s, moved: make(chan struct{})}, s.cfg.start
	}
}

// manualClock is the engine's time, which only the engine's advances move: there is no second copy to
// keep in step. A move processes every event on the way, and settle processes what a change made due
// at the current instant, so the engine is always caught up while the server is at rest.
type manualClock struct {
	s     *Server
	moves uint64        // how often the clock has moved
	moved chan struct{} // closed, and replaced, each time the clock moves
}

func (c *manualClock) Now() time.Time { return c.s.eng.Now() }

func (c *manualClock) advanceTo(t time.Time) (int, error) {
	t = t.UTC()
	if last := lastInstant(); t.After(last) {
		return 0, fmt.Errorf("clock: cannot move past %s: timestamps are written with four-digit years",
			last.Format(time.RFC3339Nano))
	}
	// The engine refuses a move backwards (engine.ErrBackwards) and one over the event cap
	// (engine.ErrTooMany); either changes nothing.
	before := c.Now()
	n, err := c.s.eng.AdvanceTo(t)
	if err != nil {
		return 0, fmt.Errorf("clock: advance to %s: %w", t.Format(time.RFC3339Nano), err)
	}
	c.movedSince(before)
	return n, nil
}

func (c *manualClock) runUntilIdle() error {
	// The engine keeps the events it processed before stopping at the cap; the clock is the engine's.
	before := c.Now()
	_, err := c.s.eng.RunUntilIdle()
	c.movedSince(before)
	if err != nil {
		return fmt.Errorf("clock: run until idle: %w", err)
	}
	return nil
}

// movedSince tells the pauses of waiting clients (pollWait) that the clock moved, if it is no longer
// at before.
func (c *manualClock) movedSince(before time.Time) {
	if !c.Now().After(before) {
		return
	}
	c.moves++
	close(c.moved)
	c.moved = make(chan struct{})
}

// catchUp has nothing to do: the engine is caught up whenever the server is at rest.
func (c *manualClock) catchUp() {}

// settle processes what the change made due at the current instant (a triggered run starts at once).
func (c *manualClock) settle() { c.s.syncLocked() }

func (c *manualClock) polled(string, string, int64) {}

func (c *manualClock) mode() string { return "manual" }

func (c *manualClock) start() {}

// restored tells the pauses of waiting clients that the clock changed.
func (c *manualClock) restored() {
	c.moves++
	close(c.moved)
	c.moved = make(chan struct{})
}

// pollWait returns a pause that ends as soon as the clock moves, and fails with ErrNoProgress after
// the poll grace of wall time without a move. It remembers how often the clock had moved at its
// previous call, so that a move between a poll and the pause after it is not missed: the client then
// polls again at once.
func (c *manualClock) pollWait() func(ctx context.Context, interval time.Duration) error {
	s := c.s
	var mu sync.Mutex
	var seen uint64 // c.moves at the previous pause
	return func(ctx context.Context, _ time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		moves, moved := c.moves, c.moved
		wake, release := s.cfg.wall.Until(s.cfg.wall.Now().Add(s.cfg.pollGrace))
		s.mu.Unlock()
		defer release()
		mu.Lock()
		movedSince := moves != seen
		seen = moves
		mu.Unlock()
		if movedSince {
			return nil // the clock has moved since the last pause
		}
		select {
		case <-moved:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
			return fmt.Errorf("%w: the fake's manual clock has not moved for %s, and nothing else moves it: "+
				"call srv.Advance (from another goroutine while the wait polls, or before it), or start "+
				"the server WithAutoAdvance so that each poll moves the clock", ws.ErrNoProgress, s.cfg.pollGrace)
		}
	}
}

// autoClock is a manual clock that a poll moves (WithAutoAdvance): while the pipeline has an active
// run (and the run asked for, if any, has not ended), the clock moves from event to event until what
// the client polls changes: the run's status (runID > 0), or the report's pipeline status and latest
// run. The events of other pipelines due on the way are processed too. So each poll sees the next
// status of the polled run, whatever else the fake is running, and nothing is skipped between two polls.
type autoClock struct{ manualClock }

func (c *autoClock) polled(wsID, pipelineID string, runID int64) {
	s := c.s
	if status, _ := s.eng.Status(wsID, pipelineID); status != engine.PipelineRunning {
		return
	}
	seen := s.pollStateLocked(wsID, pipelineID, runID)
	if runID != 0 && (!seen.runFound || seen.run.Terminal()) {
		return
	}
	for {
		next, pending := s.eng.NextEvent()
		if !pending {
			return
		}
		// A refusal (the event cap) leaves everything as it was; the client then sees the current state.
		if n, err := c.advanceTo(maxTime(next, c.Now())); err != nil || n == 0 {
			return
		}
		if s.pollStateLocked(wsID, pipelineID, runID) != seen {
			return
		}
	}
}

// pollWait returns a pause that returns at once: the next poll moves the clock.
func (c *autoClock) pollWait() func(ctx context.Context, interval time.Duration) error {
	return func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
}

// realTimeClock follows the wall clock, never going backwards, in UTC with millisecond precision (the
// precision of every timestamp the API writes). The engine catches up with it before each change, and
// its goroutine processes events as they fall due.
type realTimeClock struct {
	s    *Server
	wall wallClock
	last time.Time
	wake chan struct{} // wakes the goroutine
}

func (c *realTimeClock) Now() time.Time {
	t := c.wall.Now().UTC().Truncate(time.Millisecond)
	if t.Before(c.last) {
		return c.last
	}
	c.last = t
	return t
}

func (c *realTimeClock) advanceTo(time.Time) (int, error) { return 0, errRealTime }

func (c *realTimeClock) runUntilIdle() error { return errRealTime }

// catchUp processes everything that fell due up to the wall clock.
func (c *realTimeClock) catchUp() { c.s.syncLocked() }

// settle wakes the goroutine, which processes what the change made due; the next request catches up
// first anyway.
func (c *realTimeClock) settle() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *realTimeClock) polled(string, string, int64) {}

func (c *realTimeClock) mode() string { return "real" }

// pollWait returns a pause of interval on the wall clock.
func (c *realTimeClock) pollWait() func(ctx context.Context, interval time.Duration) error {
	return func(ctx context.Context, interval time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		wake, release := c.wall.Until(c.wall.Now().Add(interval))
		defer release()
		select {
		case <-wake:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// restored keeps the clock from going back before the restored engine's time, and wakes the goroutine
// for the restored events.
func (c *realTimeClock) restored() {
	c.last = maxTime(c.last, c.s.eng.Now())
	c.settle()
}

func (c *realTimeClock) start() {
	c.s.wg.Add(1)
	go c.run()
}

// run is the goroutine: it sleeps until the engine's next event, or until a change wakes it, and
// processes what fell due, one chunk of at most WithMaxEventsPerAdvance events per hold of the mutex,
// so that requests are served between chunks. It stops when the server's done is closed.
func (c *realTimeClock) run() {
	s := c.s
	defer s.wg.Done()
	for {
		s.mu.Lock()
		_, caughtUp, err := s.eng.AdvanceAtMost(c.Now(), 0)
		next, pending := s.eng.NextEvent()
		s.mu.Unlock()
		if err == nil && !caughtUp {
			select {
			case <-s.done:
				return
			default:
				continue // the next chunk, after the requests waiting for the mutex
			}
		}
		var fire <-chan time.Time
		release := func() {}
		if pending {
			// The clock has millisecond precision: an event between two milliseconds is due at the second.
			if due := next.Truncate(time.Millisecond); due.Before(next) {
				next = due.Add(time.Millisecond)
			}
			fire, release = c.wall.Until(next)
		}
		select {
		case <-s.done:
			release()
			return
		case <-c.wake:
		case <-fire:
		}
		release()
	}
}

// wallClock is what the real-time clock reads and its goroutine waits on: the system's clock, or a
// test's (withWallClock), so that tests of real-time mode need not sleep.
type wallClock interface {
	Now() time.Time
	// Until returns a channel that receives once the clock reaches t, and a function that releases it.
	Until(t time.Time) (<-chan time.Time, func())
}

// systemClock is the system's wall clock. It holds the package's only reads of the system clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Until(t time.Time) (<-chan time.Time, func()) {
	timer := time.NewTimer(time.Until(t))
	return timer.C, func() { timer.Stop() }
}

// withWallClock replaces the wall clock of WithRealTimeClock; for the package's tests.
func withWallClock(w wallClock) Option { return func(c *config) { c.wall = w } }

// lastInstant is the latest time the manual clock can show: the last instant of year 9999, the end of
// the range RFC 3339 timestamps can be written in.
func lastInstant() time.Time { return wire.LastInstant() }

// errRealTime is returned by the clock controls of a real-time server.
var errRealTime = errors.New("clock: the server uses the real-time clock; moving it needs the manual clock")

// Now returns the server's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock.Now()
}

// Advance moves the manual clock forward by d and processes every event that falls due on the way,
// before it returns. A negative d is an error; so is a move that would process more events than
// WithMaxEventsPerAdvance allows, which changes nothing.
func (s *Server) Advance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("clock: advance by %s: time never goes backwards", d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.clock.advanceTo(s.clock.Now().Add(d))
	return err
}

// AdvanceTo moves the manual clock forward to t, processing every event due on the way, before it
// returns. A t before Now is an error, as is a move over the event cap; both change nothing.
func (s *Server) AdvanceTo(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.clock.advanceTo(t)
	return err
}

// NextEvent returns the time of the engine's next pending event (a run to create, start, finish or
// retry), and false when nothing is pending.
func (s *Server) NextEvent() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng.NextEvent()
}

// RunUntilIdle moves the manual clock through every pending event until none is left, leaving it at the
// last event's time. It returns an error when the clock is real-time, and when the engine cannot get
// there: an active interval schedule without an end never becomes idle (nothing changes), and after
// WithMaxEventsPerAdvance events it stops (the clock stays at the last event processed).
func (s *Server) RunUntilIdle() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock.runUntilIdle()
}

// advanceToLocked moves the clock to t and returns the number of events processed (see clock).
func (s *Server) advanceToLocked(t time.Time) (int, error) { return s.clock.advanceTo(t) }

// catchUpLocked brings the engine up to the clock before a request's handler or a change made through
// the Go API runs (see clock).
func (s *Server) catchUpLocked() { s.clock.catchUp() }

// settleLocked runs after a request's handler or a change made through the Go API (see clock).
func (s *Server) settleLocked() { s.clock.settle() }

// autoAdvanceLocked runs when a client reads a run (runID > 0) or a pipeline's report (runID 0); with
// WithAutoAdvance it moves the clock (see autoClock).
func (s *Server) autoAdvanceLocked(wsID, pipelineID string, runID int64) {
	s.clock.polled(wsID, pipelineID, runID)
}

// syncLocked processes the events due by now: with the real-time clock, everything up to the wall
// clock; with the manual clock, what a change just made due at the current instant. It is never
// refused: the event cap guards advances that someone asks for, not catching up with the wall clock,
// which processes only what is due (in bounded chunks, so that no single engine call runs away) and
// never fails.
func (s *Server) syncLocked() {
	now := s.clock.Now()
	for {
		// Only a move backwards is refused, and neither clock goes backwards.
		if _, done, err := s.eng.AdvanceAtMost(now, 0); done || err != nil {
			return
		}
	}
}

// pollState is what a polling client sees change: a run's status, or a pipeline's status and latest run.
type pollState struct {
	runFound  bool
	run       engine.RunStatus // the polled run's status, when runFound
	status    engine.PipelineStatus
	latestID  int64
	latestRun engine.RunStatus
}

// pollStateLocked is the state a GET of the run runID (or of the report, when runID is 0) shows.
func (s *Server) pollStateLocked(wsID, pipelineID string, runID int64) pollState {
	var st pollState
	if runID != 0 {
		if run, found := s.eng.Run(wsID, pipelineID, runID); found {
			st.runFound, st.run = true, run.Status
		}
		return st
	}
	st.status, _ = s.eng.Status(wsID, pipelineID)
	if latest, _ := s.eng.Report(wsID, pipelineID); latest != nil {
		st.latestID, st.latestRun = latest.ID, latest.Status
	}
	return st
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
