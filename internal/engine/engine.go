// Package engine is the fake server's scheduler and run engine: a deterministic discrete-event simulation
// of Warehouse Sync pipeline runs, driven by an explicit clock. The behaviours it implements, and which of
// them are choices where mParticle's documentation is silent, are listed in the module's
// docs/fidelity.md; this documentation explains how it computes them.
//
// The engine is not safe for concurrent use: the fake server calls it with its own mutex held. The read
// methods (Now, NextEvent, Pipeline, Pipelines, PipelinesUsing, ActivePipelines, HasPipelines, Status,
// Run, ListRuns, Report, ActiveRunCount, RunCount, and the getters of resources.go) change nothing and may share a read lock; every other
// method needs the lock exclusively. It never reads the wall clock and starts no goroutine; time moves
// only through AdvanceTo, AdvanceAtMost and RunUntilIdle. One Engine serves all the workspaces of a fake
// server and is the only owner of their resources (the fake's HTTP layer keeps none): pipelines and runs,
// connections and data models with their reachability and validity, seeded records and known field
// transformations, keyed by workspace and id, and every rule between them (resources.go). It has its own
// types and JSON encoding of them and imports neither the client package nor the fake. Run ids increase
// across the engine from 1. Refusals are the sentinel errors below and in resources.go (errors.Is); the
// fake words them.
//
// # Schedule arithmetic
//
// All times are UTC. For an interval schedule with start S, period P (hourly, daily, weekly, or one
// calendar month) and delay D, the boundaries are B_k = S + k·P for k ≥ −1, monthly ones computed from S
// each time with the day clamped to the month's length. Interval k is [B_k, B_{k+1}); its run has
// logical_date B_k and is due at R_k = B_{k+1} + D. An interval counts only if it ends by the schedule's
// end and its data range is not empty. LS is the greatest range_end of the pipeline's successful runs.
//
//  1. The initial interval k = −1, [from or unbounded, S), exists when sync_mode.from is absent or before
//     S; otherwise the first interval is k = 0.
//  2. A run's range ends at min(B_{k+1}, until) and starts at from in full mode or while LS is unset,
//     else at max(from, LS): no instant is skipped and none synced twice by successful runs.
//  3. When a pipeline first becomes active, the intervals already due run one after another, oldest
//     first, as far back as the catch-up window of its period (Config.CatchUpWindow).
//  4. A later activation, a cleared fault and a change of the schedule's type, frequency, start or delay
//     skip what fell due before that instant: the next run is for the first interval due at or after it.
//  5. A pipeline has at most one active run; the next scheduled run is created when due, but never before
//     the previous run ends or the pipeline became active, and never while it is faulted or not active.
//
// Each of these is O(1) in the pipeline's history: nextInterval computes the next k from the last
// scheduled logical date, the catch-up and skip limits and LS by index arithmetic, never by walking
// intervals one by one.
//
// # Events
//
// Each pipeline has at most one pending event: the creation of its next scheduled run (computed lazily
// from schedule arithmetic, never by materialising future intervals), or the next step of its active run
// (start, attempt completion, retry start). Events due at the same instant are processed in the order
// attempt completion, retry start, run creation, run start; then by workspace and pipeline id (with one
// event per pipeline, no further key is needed). A run is created queued and started by a run-start
// event at the same instant; each attempt lasts Config.AttemptDuration, a failed one is retried after
// Config.RetryDelay up to Config.Retries times, and the last failure faults the pipeline.
//
// # The event cap
//
// AdvanceTo refuses (ErrTooMany) an advance whose estimated number of events exceeds
// Config.MaxEventsPerAdvance, so that a mistaken advance of centuries fails at once instead of running
// away. The estimate is an upper bound computed in O(pipelines) (see AdvanceTo), counting only events
// that can fall due by the target. An advance to the next event's instant is never refused, so an
// advance in steps always gets through, and AdvanceAtMost, which processes a bounded chunk of events
// without estimating, lets a caller catch up with a clock that has really moved (the fake's real-time
// driver).
//
// # Storage
//
// A run is stored in 80 bytes (times as microseconds since the Unix epoch, which covers years 1 to 9999
// unlike nanoseconds; the API shows milliseconds). A pipeline keeps two lists, scheduled and manual runs,
// each sorted both by (logical_date, id) and by id, so that creating a run is an append, finding one by id
// a binary search, and a page of ListRuns costs the page size plus logarithmic searches, whatever the
// history. Retention (runs more than 24 calendar months old, except the active run) trims the fronts of
// the lists whenever the clock moves or a run is created; LS survives it.
package engine

import (
	"container/heap"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"time"

	"github.com/wsync-dev/warehousesync/internal/schedule"
)

// Config configures an Engine. Zero fields take the defaults documented on each field.
type Config struct {
	// Start is the engine's initial time.
	Start time.Time
	// AttemptDuration is how long one attempt of a run lasts in fake time (default 1 minute).
	AttemptDuration time.Duration
	// Retries is how many times a failed attempt is retried (default 2; use NoRetries for none).
	Retries int
	// RetryDelay is the wait between a failed attempt and the next (default 5 minutes).
	RetryDelay time.Duration
	// CatchUpWindow returns the earliest interval end that still gets a run of its own when a pipeline of
	// period p first becomes active at a (default schedule.CatchUpWindow).
	CatchUpWindow func(p schedule.Period, a time.Time) time.Time
	// RecordLimit is the most records one run of the given frequency may sync (successful_records);
	// a run over it fails. Missing or 0: no limit. Runs of on-demand and once pipelines use the "" key;
	// the manual runs of an interval pipeline use its frequency.
	RecordLimit map[Frequency]int64
	// MaxEventsPerAdvance caps one AdvanceTo (default 1,000,000); a larger advance is refused before
	// anything changes.
	MaxEventsPerAdvance int
	// MaxRuns caps the runs stored across all pipelines (0: no cap). When a new run goes over it, the
	// oldest finished runs, by creation, are removed until a tenth of the cap is free.
	MaxRuns int
}

// NoRetries as Config.Retries turns retries off.
const NoRetries = -1

// The defaults of Config.
const (
	DefaultAttemptDuration     = time.Minute
	DefaultRetries             = 2
	DefaultRetryDelay          = 5 * time.Minute
	DefaultMaxEventsPerAdvance = 1_000_000
)

// probe answers, in place of the engine's own resources, why a run fails and what it reads: a seam
// for the package's tests, which set one on a new engine. The engine has no other caller-supplied hook.
type probe interface {
	RunFailure(workspace string, p *Pipeline) []ErrorDetail
	Source(workspace, dataModelID string) Source
}

// Source is a data model's rows, as a test seeded them.
type Source interface {
	// Count returns how many rows a run syncs: rows whose iterator value lies in [start, end) count as
	// successful (a zero bound is unbounded); rows whose iterator value is missing or cannot be parsed as
	// the iterator type count as failed.
	Count(sm SyncMode, start, end time.Time) (successful, failed int64, err error)
}

// The engine's refusals. Every error the engine returns wraps exactly one of them, for errors.Is; the
// fake's HTTP layer words them for clients.
var (
	// ErrNotFound: no such pipeline in the workspace.
	ErrNotFound = errors.New("no such pipeline")
	// ErrBusy: Trigger found a run in progress.
	ErrBusy = errors.New("the pipeline has a run in progress")
	// ErrNotActive: Trigger found a pipeline whose state is not active (see StateError).
	ErrNotActive = errors.New("the pipeline is not active")
	// ErrExists: CreatePipeline found a pipeline with the same id.
	ErrExists = errors.New("a pipeline with this id exists")
	// ErrBackwards: an advance to a time before Now.
	ErrBackwards = errors.New("time never goes backwards")
	// ErrTooMany: an advance that would process more events than Config.MaxEventsPerAdvance.
	ErrTooMany = errors.New("too many events for one advance")
)

// StateError is Trigger's ErrNotActive refusal; it names the pipeline's state.
type StateError struct {
	State StateValue
}

// Error says which state refused the trigger.
func (e *StateError) Error() string { return fmt.Sprintf("the pipeline is %s, not active", e.State) }

// Unwrap returns ErrNotActive.
func (e *StateError) Unwrap() error { return ErrNotActive }

// refusal is an error that explains a sentinel with the numbers of one call.
type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.kind }

func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// RunQuery selects a page of runs.
type RunQuery struct {
	Page     int        // 1-based; 0 means 1
	PageSize int        // 0 means 50; at most 1000 (larger values are clamped)
	From, To *time.Time // inclusive bounds on logical_date; nil: unbounded
}

// key names a pipeline across workspaces.
type key struct{ workspace, id string }

// less orders keys by workspace, then id.
func (k key) less(o key) bool {
	return k.workspace < o.workspace || (k.workspace == o.workspace && k.id < o.id)
}

// Engine is the scheduler and run engine of one fake server.
type Engine struct {
	now       time.Time
	attempt   time.Duration
	retries   int
	retryWait time.Duration
	window    func(p schedule.Period, a time.Time) time.Time
	limits    map[Frequency]int64
	maxEvents int64
	env       probe // nil but in the package's tests

	nextID int64
	pipes  map[string]map[string]*pipe // by workspace, then pipeline id
	spaces map[string]*space           // by workspace: connections, data models, faults, records
	none   space                       // the resources of a workspace without any; never written
	queue  eventQueue

	maxRuns    int // Config.MaxRuns
	storedRuns int // of every pipeline
}

// New returns an Engine at cfg.Start.
func New(cfg Config) *Engine {
	e := &Engine{
		now:       cfg.Start.UTC(),
		attempt:   cfg.AttemptDuration,
		retries:   cfg.Retries,
		retryWait: cfg.RetryDelay,
		window:    cfg.CatchUpWindow,
		maxEvents: int64(cfg.MaxEventsPerAdvance),
		maxRuns:   cfg.MaxRuns,
		nextID:    1,
		pipes:     make(map[string]map[string]*pipe),
		spaces:    make(map[string]*space),
	}
	if e.attempt <= 0 {
		e.attempt = DefaultAttemptDuration
	}
	switch {
	case e.retries == 0:
		e.retries = DefaultRetries
	case e.retries < 0:
		e.retries = 0
	}
	if e.retryWait <= 0 {
		e.retryWait = DefaultRetryDelay
	}
	if e.window == nil {
		e.window = schedule.CatchUpWindow
	}
	if e.maxEvents <= 0 {
		e.maxEvents = DefaultMaxEventsPerAdvance
	}
	e.limits = maps.Clone(cfg.RecordLimit)
	return e
}

// find returns the pipeline, or nil.
func (e *Engine) find(workspace, id string) *pipe { return e.pipes[workspace][id] }

// each yields every pipeline, in no particular order.
func (e *Engine) each() iter.Seq[*pipe] {
	return func(yield func(*pipe) bool) {
		for _, w := range e.pipes {
			for _, p := range w {
				if !yield(p) {
					return
				}
			}
		}
	}
}

// Now is the engine's current time.
func (e *Engine) Now() time.Time { return e.now }

// Reset forgets every pipeline, run, pending event and resource. The clock and the run id counter are kept, so
// run ids are never reused within one engine.
func (e *Engine) Reset() {
	e.pipes = make(map[string]map[string]*pipe)
	e.spaces = make(map[string]*space)
	e.queue = nil
	e.storedRuns = 0
}

// NextEvent is the time of the next pending event, if any.
func (e *Engine) NextEvent() (time.Time, bool) {
	if len(e.queue) == 0 {
		return time.Time{}, false
	}
	return e.queue[0].evAt, true
}

// AdvanceTo processes every event due at or before t, in order, with the engine's time set to each
// event's time, then sets the time to t. It returns the number of events processed.
//
// It refuses (ErrBackwards) a t before Now, and (ErrTooMany) an advance past the next event whose
// estimated number of events exceeds Config.MaxEventsPerAdvance; a refused advance changes nothing. An
// advance to the next event's instant (Now included), which processes only what is due at one instant,
// is never refused, nor is one before the next event, which processes nothing and costs O(1) (plus the
// retention trim when the time moves).
//
// The estimate is an upper bound computed in O(pipelines) from schedule arithmetic, counting only what
// can fall due by t. A pipeline whose pending event is after t counts nothing. Otherwise its active run
// counts its remaining steps that fall by t if every attempt fails (attempt completions AttemptDuration
// after a start, retry starts RetryDelay after a failure); each interval that falls due by t (at most one
// per AttemptDuration) counts 3 events (creation, start, completion); each pending FailNextRuns
// injection adds 2 (a failed attempt and its retry); and one more run may fail every attempt. The sum is
// capped by time as well: a pipeline's attempt completions are AttemptDuration apart, with at most two
// other events around each. Manual runs cannot be created during an advance, and pipelines do not
// affect each other's events.
func (e *Engine) AdvanceTo(t time.Time) (int, error) {
	t = t.UTC()
	if t.Before(e.now) {
		return 0, e.backwards(t)
	}
	// An advance that reaches no event processes nothing, so nothing can exceed the cap; one to the next
	// event's instant (Now included) only processes the events due at that instant, at most three per
	// pipeline (an attempt's end, the next run's creation and start): the cap never refuses it, so an
	// advance in steps is always possible. Both skip the O(pipelines) estimate.
	if len(e.queue) > 0 && t.After(e.queue[0].evAt) {
		if n := e.estimate(t); n > e.maxEvents {
			return 0, refuse(ErrTooMany,
				"advancing to %s could process up to %d events, more than the limit of %d; advance in smaller steps (an advance to the next event is always allowed)",
				NewTimestamp(t), n, e.maxEvents)
		}
	}
	n, _ := e.advance(t, math.MaxInt)
	return n, nil
}

// RunUntilIdle processes events until none is pending, leaving the clock at the last event's time, and
// returns how many it processed. Because an active interval pipeline without schedule end never goes
// idle, it refuses (ErrTooMany, nothing changed) while one is active and not faulted, or faulted with a
// run in progress (a successful run clears the fault); use AdvanceTo for those. Otherwise it stops after
// MaxEventsPerAdvance events with ErrTooMany, keeping what it processed.
func (e *Engine) RunUntilIdle() (int, error) {
	var endless *pipe
	for p := range e.each() {
		if p.endless() && (endless == nil || p.key.less(endless.key)) {
			endless = p // the first in (workspace, id) order, so the message is deterministic
		}
	}
	if endless != nil {
		return 0, refuse(ErrTooMany,
			"pipeline %s has an interval schedule without end and never goes idle; use AdvanceTo", endless.key.id)
	}
	n := 0
	for len(e.queue) > 0 {
		if int64(n) >= e.maxEvents {
			e.trimAll()
			return n, refuse(ErrTooMany, "events are still pending after %d events, the limit of one advance", n)
		}
		e.step()
		n++
	}
	e.trimAll()
	return n, nil
}

// AdvanceAtMost processes at most limit events due at or before t, in order, and reports whether it got
// to t: once no event due by t is left, the time is set to t and done is true; otherwise the time stays
// at the last event processed. It refuses only a t before Now (ErrBackwards): it makes no estimate, so a
// caller that must keep up with a clock (the fake's real-time driver) calls it in chunks, each bounded.
// A limit below 1 means Config.MaxEventsPerAdvance.
func (e *Engine) AdvanceAtMost(t time.Time, limit int) (n int, done bool, err error) {
	t = t.UTC()
	if t.Before(e.now) {
		return 0, false, e.backwards(t)
	}
	if limit < 1 {
		limit = int(min(e.maxEvents, math.MaxInt32))
	}
	n, done = e.advance(t, limit)
	return n, done, nil
}

// advance is AdvanceTo and AdvanceAtMost after their checks: it processes at most limit (>= 1) events
// due at or before t, in order; once none is left it sets the time to t and returns done. It applies
// retention whenever the time moved.
func (e *Engine) advance(t time.Time, limit int) (n int, done bool) {
	for len(e.queue) > 0 && !e.queue[0].evAt.After(t) {
		if n == limit {
			e.trimAll()
			return n, false
		}
		e.step()
		n++
	}
	if n > 0 || t.After(e.now) {
		e.now = t
		e.trimAll()
	}
	return n, true
}

func (e *Engine) backwards(t time.Time) error {
	return refuse(ErrBackwards, "cannot move the clock backwards from %s to %s", NewTimestamp(e.now), NewTimestamp(t))
}

// step processes the earliest pending event. The pipeline stays in the queue while its event is
// handled: a handler that sets its next event moves it with one heap fix instead of a pop and a push.
func (e *Engine) step() {
	p := e.queue[0]
	e.now = p.evAt
	p.fired = true
	e.handle(p)
	if p.fired && p.heapIdx >= 0 {
		heap.Remove(&e.queue, p.heapIdx)
	}
}

// trimAll applies retention to every pipeline.
func (e *Engine) trimAll() {
	cut := e.retentionCut()
	for p := range e.each() {
		e.trim(p, cut)
	}
}

// trim applies retention to p (pipe.trim) and takes the runs it removes off the stored-run count.
func (e *Engine) trim(p *pipe, cut int64) {
	n := p.runCount()
	p.trim(cut)
	e.storedRuns -= n - p.runCount()
}
