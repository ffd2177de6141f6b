package warehousesynctest

import (
	"errors"
	"fmt"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// clock is the time of one server. With the manual clock it is the engine's time, which only the
// engine's advances move: there is no second copy to keep in step. With the real-time clock it is the
// wall clock, which the engine catches up with. Its methods are called with the server's mutex held.
type clock struct {
	eng  *engine.Engine
	real *realClock // nil with the manual clock
}

// Now is the server's current time.
func (c *clock) Now() time.Time {
	if c.real != nil {
		return c.real.Now()
	}
	return c.eng.Now()
}

// realClock follows the wall clock, never going backwards, in UTC with millisecond precision (the
// precision of every timestamp the API writes).
type realClock struct {
	wall wallClock
	last time.Time
}

func (c *realClock) Now() time.Time {
	t := c.wall.Now().UTC().Truncate(time.Millisecond)
	if t.Before(c.last) {
		return c.last
	}
	c.last = t
	return t
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
	_, err := s.advanceToLocked(s.clock.Now().Add(d))
	return err
}

// AdvanceTo moves the manual clock forward to t, processing every event due on the way, before it
// returns. A t before Now is an error, as is a move over the event cap; both change nothing.
func (s *Server) AdvanceTo(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.advanceToLocked(t)
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
	if s.cfg.realTime {
		return errRealTime
	}
	// The engine keeps the events it processed before stopping at the cap; the clock is the engine's.
	before := s.clock.Now()
	_, err := s.eng.RunUntilIdle()
	s.clockMovedLocked(before)
	if err != nil {
		return fmt.Errorf("clock: run until idle: %w", err)
	}
	return nil
}

// advanceToLocked moves the manual clock to t through the engine and returns the number of events
// processed. It refuses real-time clocks and backward moves; an engine refusal changes nothing.
func (s *Server) advanceToLocked(t time.Time) (int, error) {
	if s.cfg.realTime {
		return 0, errRealTime
	}
	t = t.UTC()
	if last := lastInstant(); t.After(last) {
		return 0, fmt.Errorf("clock: cannot move past %s: timestamps are written with four-digit years",
			last.Format(time.RFC3339Nano))
	}
	// The engine refuses a move backwards (engine.ErrBackwards) and one over the event cap
	// (engine.ErrTooMany); either changes nothing.
	before := s.clock.Now()
	n, err := s.eng.AdvanceTo(t)
	if err != nil {
		return 0, fmt.Errorf("clock: advance to %s: %w", t.Format(time.RFC3339Nano), err)
	}
	s.clockMovedLocked(before)
	return n, nil
}

// clockMovedLocked tells the pauses of waiting clients (pollWait) that the manual clock moved, if it
// is no longer at before.
func (s *Server) clockMovedLocked(before time.Time) {
	if !s.clock.Now().After(before) {
		return
	}
	s.moves++
	close(s.moved)
	s.moved = make(chan struct{})
}

// catchUpLocked brings the engine up to the clock before a request's handler or a change made through
// the Go API runs. Only the real-time clock needs it: the manual clock moves only by an advance, which
// processes every event on the way, and settleLocked runs after every change, so with the manual clock
// the engine is always caught up while the server is at rest. Each request thus catches the engine up
// once: before its handler with the real-time clock, after it with the manual clock.
func (s *Server) catchUpLocked() {
	if s.cfg.realTime {
		s.syncLocked()
	}
}

// settleLocked runs after a request's handler or a change made through the Go API. With the manual
// clock it processes what the change made due at the current instant (a triggered run starts at once);
// with the real-time clock it wakes the clock's goroutine, which does that, and the next request
// catches up first anyway.
func (s *Server) settleLocked() {
	if s.cfg.realTime {
		s.wakeTimer()
		return
	}
	s.syncLocked()
}

// syncLocked processes the events due by now: with the real-time clock, everything up to the wall
// clock; with the manual clock, what a change just made due at the current instant. It is never refused: the event cap guards advances that someone asks for, not catching up with the
// wall clock, which processes only what is due (in bounded chunks, so that no single engine call runs
// away) and never fails.
func (s *Server) syncLocked() {
	now := s.clock.Now()
	for {
		// Only a move backwards is refused, and neither clock goes backwards.
		if _, done, err := s.eng.AdvanceAtMost(now, 0); done || err != nil {
			return
		}
	}
}

// wakeTimer tells the real-time goroutine that the next event may have changed.
func (s *Server) wakeTimer() {
	if !s.cfg.realTime {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// runRealTime is the real-time clock's goroutine: it sleeps until the engine's next event, or until a
// request changes it, and processes what fell due, one chunk of at most WithMaxEventsPerAdvance events
// per hold of the mutex, so that requests are served between chunks. It stops when done is closed.
func (s *Server) runRealTime() {
	defer s.wg.Done()
	wall := s.clock.real.wall
	for {
		s.mu.Lock()
		_, caughtUp, err := s.eng.AdvanceAtMost(s.clock.Now(), 0)
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
			fire, release = wall.Until(next)
		}
		select {
		case <-s.done:
			release()
			return
		case <-s.wake:
		case <-fire:
		}
		release()
	}
}

// autoAdvanceLocked implements WithAutoAdvance: while the pipeline has an active run (and the run asked
// for, if any, has not ended), the manual clock moves from event to event until what the client polls
// changes: the run's status (runID > 0), or the report's pipeline status and latest run. The events of
// other pipelines due on the way are processed too. So each poll sees the next status of the polled run,
// whatever else the fake is running, and nothing is skipped between two polls.
func (s *Server) autoAdvanceLocked(wsID, pipelineID string, runID int64) {
	if !s.cfg.autoAdvance || s.cfg.realTime {
		return
	}
	if status, _ := s.eng.Status(wsID, pipelineID); status != ws.PipelineRunning {
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
		if n, err := s.advanceToLocked(maxTime(next, s.clock.Now())); err != nil || n == 0 {
			return
		}
		if s.pollStateLocked(wsID, pipelineID, runID) != seen {
			return
		}
	}
}

// pollState is what a polling client sees change: a run's status, or a pipeline's status and latest run.
type pollState struct {
	runFound  bool
	run       ws.RunStatus // the polled run's status, when runFound
	status    ws.PipelineStatus
	latestID  int64
	latestRun ws.RunStatus
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
