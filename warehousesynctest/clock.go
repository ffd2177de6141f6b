package warehousesynctest

import (
	"errors"
	"fmt"
	"time"

	"github.com/wsync-dev/warehousesync/internal/engine"
)

// clock is the time of one server. Its methods are called with the server's mutex held.
type clock interface {
	Now() time.Time
}

// manualClock moves only when the server tells it to.
type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

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
func lastInstant() time.Time { return time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC) }

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
	_, err := s.eng.RunUntilIdle()
	// The engine keeps the events it processed before stopping at the cap: the clock follows it.
	mc := s.clock.(*manualClock)
	if t := s.eng.Now(); t.After(mc.now) {
		mc.now = t
	}
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
	mc := s.clock.(*manualClock)
	t = t.UTC()
	if last := lastInstant(); t.After(last) {
		return 0, fmt.Errorf("clock: cannot move past %s: timestamps are written with four-digit years",
			last.Format(time.RFC3339Nano))
	}
	if t.Before(mc.now) {
		return 0, fmt.Errorf("clock: cannot move back from %s to %s: time never goes backwards",
			mc.now.Format(time.RFC3339Nano), t.Format(time.RFC3339Nano))
	}
	n, err := s.eng.AdvanceTo(t)
	if err != nil {
		return 0, fmt.Errorf("clock: advance to %s: %w", t.Format(time.RFC3339Nano), err)
	}
	mc.now = t
	return n, nil
}

// syncLocked processes the events due by now: with the real-time clock, everything up to the wall
// clock; with the manual clock, what a change just made due at the current instant (a triggered run
// starts at once). It runs before and after every request and every change made through the Go API.
func (s *Server) syncLocked() error {
	if _, err := s.eng.AdvanceTo(s.clock.Now()); err != nil {
		return fmt.Errorf("clock: the engine cannot catch up with the clock: %w", err)
	}
	return nil
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
// request changes it, and processes what fell due. It stops when done is closed.
func (s *Server) runRealTime() {
	defer s.wg.Done()
	wall := s.clock.(*realClock).wall
	for {
		s.mu.Lock()
		// An error shows up on the next request, which syncs again; until then the loop waits for one.
		err := s.syncLocked()
		next, pending := s.eng.NextEvent()
		s.mu.Unlock()
		var fire <-chan time.Time
		release := func() {}
		if pending && err == nil {
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

// engineErrorKind returns the kind of an engine refusal wrapped in err, or 0.
func engineErrorKind(err error) engine.ErrorKind {
	var ee *engine.Error
	if errors.As(err, &ee) {
		return ee.Kind
	}
	return 0
}
