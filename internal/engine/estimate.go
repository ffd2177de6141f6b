package engine

import (
	"math"
	"time"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// estimate is an upper bound of the events AdvanceTo(t) would process, in O(pipelines); see AdvanceTo.
// It counts only events that can be due by t: a pipeline whose pending event is later counts nothing,
// the active run counts the steps of its worst case (every attempt fails) that fall by t, and the runs
// to come are bounded both by the schedule and by the time they take.
func (e *Engine) estimate(t time.Time) int64 {
	perFailedRun := int64(2*(e.retries+1) + 1)
	maxRuns := satAdd(int64(t.Sub(e.now)/e.attempt), 1) // each run lasts an attempt at least
	due := t
	if h := horizon(); due.After(h) {
		due = h
	}
	var total int64
	for _, p := range e.queue { // a pipeline without a pending event has nothing to process
		if p.evAt.After(t) {
			continue // nothing happens to p by t: pipelines do not affect each other during an advance
		}
		n := e.activeEvents(p, t)
		if runs := e.runsDue(p, due); runs > 0 {
			runs = min(runs, maxRuns)
			n = satAdd(n, satMul(runs, 3))
			n = satAdd(n, satMul(min(int64(p.failNext), satMul(runs, int64(e.retries))), 2))
			n = satAdd(n, perFailedRun)
		}
		total = satAdd(total, min(n, e.timeBound(p, t)))
	}
	return total
}

// activeEvents is how many events of p's active run can fall due by t: the run's remaining steps when
// every attempt fails, up to t.
func (e *Engine) activeEvents(p *pipe, t time.Time) int64 {
	if !p.hasActive {
		return 0
	}
	at, kind, attempt := p.evAt, p.evKind, p.attempt
	var n int64
	for !at.After(t) && n <= e.maxEvents { // past the cap the count no longer matters
		n++
		switch kind {
		case evStart, evRetry:
			attempt++
			at, kind = at.Add(e.attempt), evComplete
		case evComplete:
			if attempt > e.retries {
				return n // the last attempt: the run ends
			}
			at, kind = at.Add(e.retryWait), evRetry
		default:
			return n
		}
	}
	return n
}

// timeBound bounds the events of one pipeline from its pending event to t by the time they take. Its
// attempt completions are at least AttemptDuration apart, so there are at most c = (t−evAt)/attempt + 1
// of them; before the first, between two and after the last there are at most two other events (a run's
// creation and start, or a retry start): 3c + 2 in all.
func (e *Engine) timeBound(p *pipe, t time.Time) int64 {
	c := satAdd(int64(t.Sub(p.evAt)/e.attempt), 1)
	return satAdd(satMul(c, 3), 2)
}

// horizon bounds the schedule arithmetic of the estimate: the API's timestamps end with year 9999, and a
// schedule that still runs there makes any advance that far exceed every cap anyway.
func horizon() time.Time { return wire.LastInstant() }

// runsDue is an upper bound of the scheduled runs p may create by t, which is at most horizon().
func (e *Engine) runsDue(p *pipe, t time.Time) int64 {
	if !p.active() || (p.fault != nil && !p.hasActive) {
		return 0
	}
	switch p.plan.kind {
	case planInterval:
		// nextInterval only grows as runs are created and LS advances, so counting from it now is safe.
		k0, ok := p.nextInterval()
		if !ok {
			return 0
		}
		last := p.plan.firstDueAtOrAfter(t.Add(time.Nanosecond)) - 1 // the greatest k with R_k <= t
		if !p.plan.end.IsZero() {
			last = min(last, schedIndexAfter(&p.plan, p.plan.end)-2) // B_{k+1} <= E
		}
		if last < k0 {
			return 0
		}
		return satAdd(last-k0, 1)
	case planOnce:
		if logical, _, _, ok := p.onceRun(); ok && !logical.After(t) {
			return 1
		}
	}
	return 0
}

func satAdd(a, b int64) int64 {
	if a > 0 && b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}
