package engine

import (
	"maps"
	"slices"
	"time"

	"github.com/wsync-dev/warehousesync/internal/schedule"
)

// planKind is the kind of a pipeline's schedule as the engine runs it.
type planKind uint8

const (
	planNone     planKind = iota // no scheduled runs (an interval schedule without frequency or start)
	planInterval                 // one run per interval
	planOnce                     // one run
	planOnDemand                 // triggers only
)

// plan is a pipeline's parsed schedule.
type plan struct {
	kind   planKind
	start  time.Time // S (zero: unset, allowed for once)
	period schedule.Period
	delay  schedule.Delay
	end    time.Time // E (zero: unbounded)
}

// parsePlan reads a schedule that the fake has validated; what it cannot run gets planNone.
func parsePlan(s Schedule) plan {
	pl := plan{start: s.Start.UTC(), end: s.End.UTC()} // a zero time stays zero
	switch s.Type {
	case ScheduleInterval:
		p, ok := schedule.ParsePeriod(string(s.Frequency))
		if ok && !pl.start.IsZero() {
			pl.kind, pl.period = planInterval, p
			pl.delay = s.Delay.d // the zero Delay is no delay; a Delay holds only valid ones
		}
	case ScheduleOnce:
		pl.kind = planOnce
	case ScheduleOnDemand:
		pl.kind = planOnDemand
	}
	return pl
}

// boundary is B_k.
func (pl *plan) boundary(k int64) time.Time { return schedule.Boundary(pl.start, pl.period, k) }

// due is R_k = B_{k+1} + D.
func (pl *plan) due(k int64) time.Time { return pl.delay.AddTo(pl.boundary(k + 1)) }

// firstDueAtOrAfter is the smallest k with R_k >= t.
func (pl *plan) firstDueAtOrAfter(t time.Time) int64 {
	k := schedule.IndexAtOrAfter(pl.start, pl.period, pl.delay.SubtractFrom(t)) - 1
	// SubtractFrom inverts AddTo up to month-end clamping; R_k is monotonic in k, so step to the answer.
	for pl.due(k-1).Compare(t) >= 0 {
		k--
	}
	for pl.due(k).Before(t) {
		k++
	}
	return k
}

// pipe is the engine's state of one pipeline.
type pipe struct {
	key   key
	p     Pipeline // the pipeline as last put (Status and Errors unused)
	plan  plan
	from  time.Time // F (zero: unbounded)
	until time.Time // U (zero: unbounded)

	sched, manual runList
	hasActive     bool // the last run of sched (or of manual, when activeManual) is active
	activeManual  bool
	attempt       int // the active run's current attempt, from 1

	fault    *[]ErrorDetail // non-nil while faulted
	failNext int
	failMsg  string

	everActive  bool
	activatedAt time.Time // the last activation
	changedAt   time.Time // the last change of the schedule while the pipeline had been active
	minEnd      time.Time // catch-up: intervals must end at or after it
	minDue      time.Time // no catch-up: intervals must fall due at or after it

	hasLastLogical bool
	lastLogical    time.Time // the greatest logical date of a scheduled run so far
	hasLS          bool
	ls             time.Time // LS: the greatest range_end of a successful run
	lsRunID        int64
	hasTrigger     bool
	lastTrigger    time.Time
	onceDone       bool

	// The pending event, when heapIdx >= 0.
	evAt    time.Time
	evKind  eventKind
	evK     int64 // evCreate of an interval: the interval
	heapIdx int
	fired   bool // the pending event is being handled and has not been replaced
}

// set stores a copy of pl and its parsed schedule and sync bounds.
func (p *pipe) set(pl *Pipeline) {
	p.p = *pl
	p.p.Status, p.p.Errors = "", nil
	p.p.PartnerFeedID, p.p.DataPlanVersion = copyInt64(pl.PartnerFeedID), copyInt64(pl.DataPlanVersion)
	p.plan = parsePlan(pl.Schedule)
	p.from, p.until = pl.SyncMode.From.UTC(), pl.SyncMode.Until.UTC() // a zero time stays zero
}

func (p *pipe) active() bool { return p.p.State == StateActive }
func (p *pipe) full() bool   { return p.p.SyncMode.Type == SyncFull }

// activeRec is the active run; only valid while hasActive.
func (p *pipe) activeRec() *runRec {
	if p.activeManual {
		return &p.manual[len(p.manual)-1]
	}
	return &p.sched[len(p.sched)-1]
}

// trim applies retention, keeping the active run.
func (p *pipe) trim(cut int64) {
	p.sched = p.sched.trim(cut, p.hasActive && !p.activeManual)
	p.manual = p.manual.trim(cut, p.hasActive && p.activeManual)
}

// endless reports whether the pipeline may keep creating runs forever.
func (p *pipe) endless() bool {
	return p.active() && p.plan.kind == planInterval && p.plan.end.IsZero() &&
		(p.fault == nil || p.hasActive) && (p.full() || p.until.IsZero())
}

// scheduleMoved reports whether a schedule change moves the boundaries or the kind of schedule.
func scheduleMoved(a, b Schedule) bool {
	return a.Type != b.Type || a.Frequency != b.Frequency || !a.Start.Equal(b.Start.Time) ||
		a.Delay != b.Delay
}

// CreatePipeline stores a new pipeline (the engine keeps a copy); it refuses an id the workspace has
// (ErrExists) and a pipeline that names a connection, data model or field transformation the workspace
// does not have (a *ReferenceError). A pipeline created active catches up (rule 3 of the package doc).
func (e *Engine) CreatePipeline(workspace string, pl *Pipeline) error {
	if e.find(workspace, pl.ID) != nil {
		return ErrExists
	}
	if err := e.checkReferences(workspace, pl); err != nil {
		return err
	}
	e.PutPipeline(workspace, pl)
	return nil
}

// UpdatePipeline replaces a pipeline (the engine keeps a copy); it refuses an unknown id (ErrNotFound)
// and references as CreatePipeline does. An update clears a fault and applies state changes (pause,
// resume) and schedule changes.
func (e *Engine) UpdatePipeline(workspace string, pl *Pipeline) error {
	if e.find(workspace, pl.ID) == nil {
		return ErrNotFound
	}
	if err := e.checkReferences(workspace, pl); err != nil {
		return err
	}
	e.PutPipeline(workspace, pl)
	return nil
}

// PutPipeline creates or updates a pipeline: CreatePipeline and UpdatePipeline without their refusals
// (a restore, and the package's tests, which run pipelines without resources).
func (e *Engine) PutPipeline(workspace string, pl *Pipeline) {
	p := e.find(workspace, pl.ID)
	if p == nil {
		p = &pipe{key: key{workspace, pl.ID}, heapIdx: -1}
		p.set(pl)
		w := e.pipes[workspace]
		if w == nil {
			w = make(map[string]*pipe)
			e.pipes[workspace] = w
		}
		w[pl.ID] = p
		if p.active() {
			e.activate(p)
		}
		e.reschedule(p)
		return
	}
	old := p.p
	p.set(pl)
	if p.fault != nil {
		p.fault = nil
		p.minDue = e.now
	}
	if p.everActive && scheduleMoved(old.Schedule, pl.Schedule) {
		p.minDue, p.changedAt = e.now, e.now
	}
	if old.Schedule.Type != pl.Schedule.Type {
		p.onceDone = false
	}
	switch wasActive := old.State == StateActive; {
	case !wasActive && p.active():
		e.activate(p)
	case wasActive && !p.active():
		e.pause(p)
	}
	e.reschedule(p)
}

// Pipeline returns a copy of the pipeline as last stored, with the status and errors the engine
// reports (see Status).
func (e *Engine) Pipeline(workspace, id string) (Pipeline, bool) {
	p := e.find(workspace, id)
	if p == nil {
		return Pipeline{}, false
	}
	return p.view(), true
}

// HasPipeline reports whether the workspace has the pipeline id, without copying it as Pipeline does.
func (e *Engine) HasPipeline(workspace, id string) bool { return e.find(workspace, id) != nil }

// Pipelines returns copies of the workspace's pipelines, sorted by id, as Pipeline does.
func (e *Engine) Pipelines(workspace string) []Pipeline {
	w := e.pipes[workspace]
	out := make([]Pipeline, 0, len(w))
	for _, id := range slices.Sorted(maps.Keys(w)) {
		out = append(out, w[id].view())
	}
	return out
}

// PipelinesUsing returns the ids of the workspace's pipelines whose connection is connectionID or whose
// data model is dataModelID (an empty id matches nothing), sorted.
func (e *Engine) PipelinesUsing(workspace, connectionID, dataModelID string) []string {
	var ids []string
	for id, p := range e.pipes[workspace] {
		if (connectionID != "" && p.p.ConnectionID == connectionID) || (dataModelID != "" && p.p.DataModelID == dataModelID) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// ActivePipelines returns the ids of the workspace's pipelines whose state is active, sorted.
func (e *Engine) ActivePipelines(workspace string) []string {
	var ids []string
	for id, p := range e.pipes[workspace] {
		if p.active() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// HasPipelines reports whether the workspace has a pipeline.
func (e *Engine) HasPipelines(workspace string) bool { return len(e.pipes[workspace]) > 0 }

// view is the pipeline as the API shows it: a deep copy with the engine's status and errors.
func (p *pipe) view() Pipeline {
	out := p.p
	out.PartnerFeedID = copyInt64(p.p.PartnerFeedID)
	out.DataPlanVersion = copyInt64(p.p.DataPlanVersion)
	out.Status, out.Errors = p.status()
	return out
}

func copyInt64(v *int64) *int64 {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// activate records that p became active now: the first time it catches up, later it does not.
func (e *Engine) activate(p *pipe) {
	p.activatedAt = e.now
	if p.everActive {
		p.minDue = e.now
		return
	}
	p.everActive = true
	if p.plan.kind == planInterval {
		p.minEnd = e.window(p.plan.period, e.now)
	}
}

// pause stops a queued or retry-waiting run; a running attempt finishes.
func (e *Engine) pause(p *pipe) {
	if !p.hasActive {
		e.unschedule(p)
		return
	}
	r := p.activeRec()
	if r.status == stQueued || r.status == stRetrying {
		e.unschedule(p)
		r.status, r.ended = stStopped, micros(e.now)
		p.hasActive = false
	}
}

// DeletePipeline stops the pipeline's active run and forgets the pipeline and its runs; it refuses an
// unknown id (ErrNotFound).
func (e *Engine) DeletePipeline(workspace, id string) error {
	p := e.find(workspace, id)
	if p == nil {
		return ErrNotFound
	}
	e.unschedule(p)
	e.storedRuns -= p.runCount()
	w := e.pipes[workspace]
	delete(w, id)
	if len(w) == 0 {
		delete(e.pipes, workspace) // a workspace without pipelines keeps nothing
	}
	return nil
}

// ClearFault clears a pipeline's fault, as a PUT of its connection or data model does. The pipeline then
// runs on its next scheduled interval.
func (e *Engine) ClearFault(workspace, id string) {
	p := e.find(workspace, id)
	if p == nil || p.fault == nil {
		return
	}
	p.fault = nil
	p.minDue = e.now
	e.reschedule(p)
}

// Status is the pipeline's current status and errors: running if a run is active, else faulted (with
// the errors of the run that faulted it), else stopped if paused, else idle. An unknown pipeline gives "".
func (e *Engine) Status(workspace, id string) (PipelineStatus, []ErrorDetail) {
	p := e.find(workspace, id)
	if p == nil {
		return "", nil
	}
	return p.status()
}

// status is Status of p; the errors are a copy.
func (p *pipe) status() (PipelineStatus, []ErrorDetail) {
	switch {
	case p.hasActive:
		return PipelineRunning, nil
	case p.fault != nil:
		return PipelineFaulted, slices.Clone(*p.fault)
	case p.p.State == StatePaused:
		return PipelineStopped, nil
	}
	return PipelineIdle, nil
}

// FailNextRuns makes the next n attempts of the pipeline's runs fail with message (n <= 0 cancels).
// Each failed attempt uses one; an attempt with retries left is retried as usual. It refuses an unknown
// pipeline (ErrNotFound).
func (e *Engine) FailNextRuns(workspace, id string, n int, message string) error {
	p := e.find(workspace, id)
	if p == nil {
		return ErrNotFound
	}
	p.failNext, p.failMsg = max(n, 0), message
	if p.failMsg == "" {
		p.failMsg = "injected failure"
	}
	return nil
}

// Trigger creates a manual run now and returns its id. The run is queued until the clock next advances
// (AdvanceTo(Now()) starts it). It refuses an unknown pipeline (ErrNotFound), one with an active run
// (ErrBusy) and one whose state is not active (a *StateError, which is ErrNotActive).
func (e *Engine) Trigger(workspace, id string) (int64, error) {
	p := e.find(workspace, id)
	switch {
	case p == nil:
		return 0, ErrNotFound
	case p.hasActive:
		return 0, ErrBusy
	case !p.active():
		state := p.p.State
		if state == "" {
			state = StateNew
		}
		return 0, &StateError{State: state}
	}
	t := e.now
	start := p.manualRangeStart(t)
	end := t
	if !p.until.IsZero() && p.until.Before(end) {
		end = p.until
	}
	if !start.IsZero() && end.Before(start) {
		end = start
	}
	p.hasTrigger, p.lastTrigger = true, t
	e.unschedule(p)
	return e.createRun(p, true, t, start, end), nil
}

// manualRangeStart is range_start of a manual run at t (zero: null).
func (p *pipe) manualRangeStart(t time.Time) time.Time {
	if p.full() {
		return p.from
	}
	refresh := !p.hasLS || (p.hasTrigger && t.After(schedule.AddMonthsClamped(p.lastTrigger, 6)))
	if !refresh {
		return laterOf(p.from, p.ls)
	}
	if p.from.IsZero() && p.plan.kind == planOnDemand {
		return p.plan.start
	}
	return p.from
}

// scheduledRangeStart is range_start of a scheduled run (rule 2 of the package doc); zero: null.
func (p *pipe) scheduledRangeStart() time.Time {
	if p.full() || !p.hasLS {
		return p.from
	}
	return laterOf(p.from, p.ls)
}

// laterOf is the later of a and b, a zero time counting as unbounded below.
func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// schedIndexAfter is the smallest k with B_k > t.
func schedIndexAfter(pl *plan, t time.Time) int64 {
	return schedule.IndexAtOrBefore(pl.start, pl.period, t) + 1
}

// schedIndexAtOrAfter is the smallest k with B_k >= t.
func schedIndexAtOrAfter(pl *plan, t time.Time) int64 {
	return schedule.IndexAtOrAfter(pl.start, pl.period, t)
}
