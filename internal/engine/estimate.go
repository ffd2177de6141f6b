package engine

import (
	"math"
	"time"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// estimate is an upper bound of the events AdvanceTo(t) would process, in O(pipelines); see AdvanceTo.
func (e *Engine) estimate(t time.Time) int64 {
	perFailedRun := int64(2*(e.retries+1) + 1)
	var total int64
	for _, p := range e.pipes {
		var n int64
		if p.hasActive {
			n = perFailedRun
		}
		if runs := e.runsDue(p, t); runs > 0 {
			runs = min(runs, satAdd(int64(t.Sub(e.now)/e.attempt), 1)) // each run lasts an attempt at least
			n = satAdd(n, satMul(runs, 3))
			n = satAdd(n, satMul(min(int64(p.failNext), satMul(runs, int64(e.retries))), 2))
			n = satAdd(n, perFailedRun)
		}
		total = satAdd(total, n)
	}
	return total
}

// horizon bounds the schedule arithmetic of the estimate: the API's timestamps end with year 9999, and a
// schedule that still runs there makes any advance that far exceed every cap anyway.
func horizon() time.Time { return wire.LastInstant() }

// runsDue is an upper bound of the scheduled runs p may create by t.
func (e *Engine) runsDue(p *pipe, t time.Time) int64 {
	if h := horizon(); t.After(h) {
		t = h
	}
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
