package engine

import (
	"fmt"
	"slices"
	"time"
)

// reschedule sets p's pending creation event after anything that may change it. A pipeline with an active
// run keeps that run's event; the next creation is computed when the run ends.
func (e *Engine) reschedule(p *pipe) {
	if p.hasActive {
		return
	}
	e.unschedule(p)
	if !p.active() || p.fault != nil {
		return
	}
	switch p.plan.kind {
	case planInterval:
		if k, ok := p.nextInterval(); ok {
			e.schedule(p, laterOf(p.plan.due(k), e.now), evCreate, k)
		}
	case planOnce:
		if logical, _, _, ok := p.onceRun(); ok {
			e.schedule(p, laterOf(logical, e.now), evCreate, 0)
		}
	}
}

// nextInterval is the interval of the next scheduled run of an interval pipeline (the rules of the package doc): the
// smallest k whose logical date is after every earlier scheduled run's, that ends within the catch-up
// window of the first activation, falls due at or after the last resume, cleared fault or schedule move,
// has a non-empty data range and ends by schedule.end. It is O(1) in the pipeline's history.
func (p *pipe) nextInterval() (int64, bool) {
	pl := &p.plan
	k := int64(-1) // the initial interval [F or unbounded, S)
	if !p.from.IsZero() && !p.from.Before(pl.start) {
		k = 0
	}
	if p.hasLastLogical {
		k = max(k, schedIndexAfter(pl, p.lastLogical))
	}
	if !p.minEnd.IsZero() {
		k = max(k, schedIndexAtOrAfter(pl, p.minEnd)-1)
	}
	if !p.minDue.IsZero() {
		k = max(k, pl.firstDueAtOrAfter(p.minDue))
	}
	if rs := p.scheduledRangeStart(); !rs.IsZero() {
		if !p.until.IsZero() && !p.until.After(rs) {
			return 0, false // every later range is empty
		}
		k = max(k, schedIndexAfter(pl, rs)-1) // B_{k+1} > rs
	}
	if !pl.end.IsZero() && pl.boundary(k+1).After(pl.end) {
		return 0, false
	}
	return k, true
}

// onceRun is the run of a once pipeline, if it is still to come and its range is not empty.
func (p *pipe) onceRun() (logical, start, end time.Time, ok bool) {
	if p.onceDone {
		return
	}
	logical = laterOf(laterOf(p.plan.start, p.activatedAt), p.changedAt)
	if p.hasLastLogical && !logical.After(p.lastLogical) {
		return
	}
	start, end = p.scheduledRangeStart(), logical
	if !p.until.IsZero() && p.until.Before(end) {
		end = p.until
	}
	if !start.IsZero() && !end.After(start) {
		return
	}
	return logical, start, end, true
}

// handle processes p's event, which step has just popped.
func (e *Engine) handle(p *pipe) {
	switch p.evKind {
	case evCreate:
		e.createScheduled(p)
	case evStart:
		r := p.activeRec()
		r.status, r.started = stRunning, micros(e.now)
		p.attempt = 1
		e.schedule(p, e.now.Add(e.attempt), evComplete, 0)
	case evRetry:
		p.activeRec().status = stRunning
		p.attempt++
		e.schedule(p, e.now.Add(e.attempt), evComplete, 0)
	case evComplete:
		e.complete(p)
	}
}

// createScheduled creates the scheduled run that p's creation event was for.
func (e *Engine) createScheduled(p *pipe) {
	switch p.plan.kind {
	case planInterval:
		k := p.evK
		logical := p.plan.boundary(k)
		end := p.plan.boundary(k + 1)
		if !p.until.IsZero() && p.until.Before(end) {
			end = p.until
		}
		p.hasLastLogical, p.lastLogical = true, logical
		e.createRun(p, false, logical, p.scheduledRangeStart(), end)
	case planOnce:
		logical, start, end, ok := p.onceRun()
		if !ok {
			return
		}
		p.onceDone = true
		p.hasLastLogical, p.lastLogical = true, logical
		e.createRun(p, false, logical, start, end)
	}
}

// createRun appends a queued run, makes it p's active run, schedules its start now and returns its id.
func (e *Engine) createRun(p *pipe, manual bool, logical, start, end time.Time) int64 {
	id := e.nextID
	e.nextID++
	r := runRec{
		id:         id,
		logical:    micros(logical),
		started:    nullTime,
		ended:      nullTime,
		rangeStart: microsOrNull(start),
		rangeEnd:   micros(end),
		status:     stQueued,
	}
	if manual {
		p.manual = append(p.manual, r)
	} else {
		p.sched = append(p.sched, r)
	}
	p.hasActive, p.activeManual, p.attempt = true, manual, 0
	e.storedRuns++
	e.trim(p, e.retentionCut())
	e.capRuns()
	e.schedule(p, e.now, evStart, 0)
	return id
}

// complete ends the active run's current attempt.
func (e *Engine) complete(p *pipe) {
	r := p.activeRec()
	successful, failed, errs := e.outcome(p, r)
	if errs == nil {
		r.status, r.ended = stSuccess, micros(e.now)
		r.successful, r.failed, r.errs = successful, failed, nil
		if !p.hasLS || r.rangeEnd >= micros(p.ls) {
			p.hasLS, p.ls, p.lsRunID = true, fromMicros(r.rangeEnd), r.id
		}
		if p.fault != nil {
			p.fault = nil
			p.minDue = e.now
		}
		e.endRun(p)
		return
	}
	attemptErrs := errs // a copy of the header, so that only the failure path allocates
	r.errs = &attemptErrs
	switch {
	case p.attempt <= e.retries && p.active():
		r.status = stRetrying
		e.schedule(p, e.now.Add(e.retryWait), evRetry, 0)
	case p.attempt <= e.retries:
		r.status, r.ended = stStopped, micros(e.now)
		e.endRun(p)
	default:
		r.status, r.ended = stFailed, micros(e.now)
		fault := slices.Clone(errs)
		p.fault = &fault
		e.endRun(p)
	}
}

// endRun marks p as having no active run and schedules its next run.
func (e *Engine) endRun(p *pipe) {
	p.hasActive = false
	e.reschedule(p)
}

// outcome decides the active run's attempt: the records it syncs, or why it fails.
func (e *Engine) outcome(p *pipe, r *runRec) (successful, failed int64, errs []ErrorDetail) {
	if p.failNext > 0 {
		p.failNext--
		return 0, 0, []ErrorDetail{{Message: p.failMsg}}
	}
	var fail []ErrorDetail
	var src Source
	if e.env != nil {
		// The stored pipeline itself, not a copy: a copy escapes to the heap through the interface call.
		fail, src = e.env.RunFailure(p.key.workspace, &p.p), e.env.Source(p.key.workspace, p.p.DataModelID)
	} else {
		fail, src = e.runFailure(p), e.source(p)
	}
	if len(fail) > 0 {
		return 0, 0, slices.Clone(fail)
	}
	if src == nil {
		return 0, 0, nil
	}
	start, end := fromMicros(r.rangeStart), fromMicros(r.rangeEnd)
	if p.full() {
		start, end = p.from, p.until
	}
	successful, failed, err := src.Count(p.p.SyncMode, start, end)
	if err != nil {
		return 0, 0, []ErrorDetail{{Message: fmt.Sprintf(
			"reading data model %s failed: %v", p.p.DataModelID, err)}}
	}
	var freq Frequency
	if p.plan.kind == planInterval {
		freq = p.p.Schedule.Frequency
	}
	if limit := e.limits[freq]; limit > 0 && successful > limit {
		what := "per run"
		if freq != "" {
			what = "per " + string(freq) + " interval"
		}
		return 0, 0, []ErrorDetail{{Message: fmt.Sprintf(
			"the run would sync %d records, more than the limit of %d records %s", successful, limit, what)}}
	}
	return successful, failed, nil
}
