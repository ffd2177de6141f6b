package engine

import (
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// State is the whole state of an Engine, for snapshots: its time, its next run id, and every pipeline
// with its runs, its scheduling memory and its pending event. Times are exact (RFC 3339 with
// nanoseconds in JSON), so a restored engine continues exactly where the saved one was. Its JSON form
// is part of the fake's documented snapshot format. The engine's Config is not state: a restored engine
// keeps its own.
type State struct {
	Now       time.Time       `json:"now"`
	NextRunID int64           `json:"next_run_id"`
	Pipelines []PipelineState `json:"pipelines"`
}

// PipelineState is one pipeline in a State.
type PipelineState struct {
	Workspace string       `json:"workspace"`
	Pipeline  PipelineSpec `json:"pipeline"`
	// ScheduledRuns and ManualRuns are the pipeline's runs of each type, in creation order.
	ScheduledRuns []RunState `json:"scheduled_runs"`
	ManualRuns    []RunState `json:"manual_runs"`
	// Active names the list whose last run is the active run: "scheduled", "manual", or "" for none.
	Active string `json:"active,omitempty"`
	// Attempt is the active run's current attempt, from 1 (0 while it is queued).
	Attempt int `json:"attempt,omitempty"`
	// Fault holds the errors of the run that faulted the pipeline; absent when it is not faulted.
	Fault *[]ErrorDetail `json:"fault,omitempty"`
	// FailNext and FailMessage are the injected failures still to come (FailNextRuns).
	FailNext    int    `json:"fail_next,omitempty"`
	FailMessage string `json:"fail_message,omitempty"`
	// The scheduling memory of the package documentation's rules.
	EverActive      bool       `json:"ever_active,omitempty"`
	ActivatedAt     time.Time  `json:"activated_at,omitzero"`
	ChangedAt       time.Time  `json:"changed_at,omitzero"`
	MinEnd          time.Time  `json:"min_end,omitzero"`
	MinDue          time.Time  `json:"min_due,omitzero"`
	LastLogicalDate *time.Time `json:"last_logical_date,omitempty"`
	LastSuccessEnd  *time.Time `json:"last_success_end,omitempty"`
	LastSuccessRun  int64      `json:"last_success_run,omitempty"`
	LastTrigger     *time.Time `json:"last_trigger,omitempty"`
	OnceDone        bool       `json:"once_done,omitempty"`
	// Event is the pending event; absent when none is pending.
	Event *EventState `json:"event,omitempty"`
}

// PipelineSpec is a pipeline as it was last put, with exact times.
type PipelineSpec struct {
	ID                    string    `json:"id"`
	Name                  string    `json:"name"`
	PipelineType          string    `json:"pipeline_type"`
	ConnectionID          string    `json:"connection_id"`
	FieldTransformationID string    `json:"field_transformation_id,omitempty"`
	DataModelID           string    `json:"data_model_id"`
	PartnerFeedID         *int64    `json:"partner_feed_id,omitempty"`
	PartnerFeedKey        string    `json:"partner_feed_key,omitempty"`
	State                 string    `json:"state"`
	SyncType              string    `json:"sync_type"`
	IteratorField         string    `json:"iterator_field,omitempty"`
	IteratorDataType      string    `json:"iterator_data_type,omitempty"`
	From                  time.Time `json:"from,omitzero"`
	Until                 time.Time `json:"until,omitzero"`
	ScheduleType          string    `json:"schedule_type"`
	Frequency             string    `json:"frequency,omitempty"`
	Delay                 string    `json:"delay,omitempty"`
	Start                 time.Time `json:"start,omitzero"`
	End                   time.Time `json:"end,omitzero"`
	Environment           string    `json:"environment"`
	DataPlanID            string    `json:"data_plan_id,omitempty"`
	DataPlanVersion       *int64    `json:"data_plan_version,omitempty"`
	CreatedOn             time.Time `json:"created_on,omitzero"`
	CreatedBy             string    `json:"created_by,omitempty"`
	LastModifiedOn        time.Time `json:"last_modified_on,omitzero"`
	LastModifiedBy        string    `json:"last_modified_by,omitempty"`
}

// RunState is one stored run; absent times are null on the wire.
type RunState struct {
	ID          int64          `json:"id"`
	Status      string         `json:"status"`
	LogicalDate time.Time      `json:"logical_date"`
	StartedOn   *time.Time     `json:"started_on,omitempty"`
	EndedOn     *time.Time     `json:"ended_on,omitempty"`
	RangeStart  *time.Time     `json:"range_start,omitempty"`
	RangeEnd    time.Time      `json:"range_end"`
	Successful  int64          `json:"successful_records,omitempty"`
	Failed      int64          `json:"failed_records,omitempty"`
	Errors      *[]ErrorDetail `json:"errors,omitempty"`
}

// EventState is a pipeline's pending event.
type EventState struct {
	At time.Time `json:"at"`
	// Kind is create (the next scheduled run), start (of the queued active run), complete (of the
	// active run's attempt) or retry (the active run's next attempt).
	Kind string `json:"kind"`
	// Interval is the schedule interval of a create event of an interval pipeline.
	Interval int64 `json:"interval,omitempty"`
}

var eventKindNames = [...]string{evComplete: "complete", evRetry: "retry", evCreate: "create", evStart: "start"}

// Snapshot returns the engine's whole state, pipelines sorted by workspace and id. It shares nothing
// with the engine.
func (e *Engine) Snapshot() State {
	st := State{Now: e.now, NextRunID: e.nextID, Pipelines: []PipelineState{}}
	for p := range e.each() {
		st.Pipelines = append(st.Pipelines, p.snapshot())
	}
	slices.SortFunc(st.Pipelines, func(a, b PipelineState) int {
		return cmp.Or(cmp.Compare(a.Workspace, b.Workspace), cmp.Compare(a.Pipeline.ID, b.Pipeline.ID))
	})
	return st
}

func (p *pipe) snapshot() PipelineState {
	pl := &p.p
	ps := PipelineState{
		Workspace: p.key.workspace,
		Pipeline: PipelineSpec{
			ID: pl.ID, Name: pl.Name, PipelineType: string(pl.PipelineType), ConnectionID: pl.ConnectionID,
			FieldTransformationID: pl.FieldTransformationID, DataModelID: pl.DataModelID,
			PartnerFeedID: copyInt64(pl.PartnerFeedID), PartnerFeedKey: pl.PartnerFeedKey, State: string(pl.State),
			SyncType: string(pl.SyncMode.Type), IteratorField: pl.SyncMode.IteratorField,
			IteratorDataType: string(pl.SyncMode.IteratorDataType), From: pl.SyncMode.From.Time, Until: pl.SyncMode.Until.Time,
			ScheduleType: string(pl.Schedule.Type), Frequency: string(pl.Schedule.Frequency), Delay: pl.Schedule.Delay.String(),
			Start: pl.Schedule.Start.Time, End: pl.Schedule.End.Time, Environment: string(pl.Environment),
			DataPlanID: pl.DataPlanID, DataPlanVersion: copyInt64(pl.DataPlanVersion),
			CreatedOn: pl.CreatedOn.Time, CreatedBy: pl.CreatedBy, LastModifiedOn: pl.LastModifiedOn.Time,
			LastModifiedBy: pl.LastModifiedBy,
		},
		ScheduledRuns: runStates(p.sched),
		ManualRuns:    runStates(p.manual),
		Attempt:       p.attempt,
		FailNext:      p.failNext,
		FailMessage:   p.failMsg,
		EverActive:    p.everActive,
		ActivatedAt:   p.activatedAt,
		ChangedAt:     p.changedAt,
		MinEnd:        p.minEnd,
		MinDue:        p.minDue,
		OnceDone:      p.onceDone,
	}
	if p.hasActive {
		ps.Active = "scheduled"
		if p.activeManual {
			ps.Active = "manual"
		}
	}
	if p.fault != nil {
		f := slices.Clone(*p.fault)
		ps.Fault = &f
	}
	if p.hasLastLogical {
		ps.LastLogicalDate = ptr(p.lastLogical)
	}
	if p.hasLS {
		ps.LastSuccessEnd, ps.LastSuccessRun = ptr(p.ls), p.lsRunID
	}
	if p.hasTrigger {
		ps.LastTrigger = ptr(p.lastTrigger)
	}
	if p.heapIdx >= 0 {
		ps.Event = &EventState{At: p.evAt, Kind: eventKindNames[p.evKind], Interval: p.evK}
	}
	return ps
}

func ptr(t time.Time) *time.Time { return &t }

// optMicros is a stored time as a pointer: nil for nullTime.
func optMicros(us int64) *time.Time {
	if us == nullTime {
		return nil
	}
	return ptr(fromMicros(us))
}

func runStates(l runList) []RunState {
	out := make([]RunState, len(l))
	for i := range l {
		r := &l[i]
		out[i] = RunState{ID: r.id, Status: string(r.status.wire()), LogicalDate: fromMicros(r.logical),
			StartedOn: optMicros(r.started), EndedOn: optMicros(r.ended), RangeStart: optMicros(r.rangeStart),
			RangeEnd: fromMicros(r.rangeEnd), Successful: r.successful, Failed: r.failed}
		if r.errs != nil {
			errs := slices.Clone(*r.errs)
			out[i].Errors = &errs
		}
	}
	return out
}

// Restore replaces the engine's state with st, after checking that st is one an engine can be in
// (every error names the field and the rule). It is all or nothing: on an error the engine is
// unchanged. The Config stays the engine's own.
func (e *Engine) Restore(st State) error {
	if err := checkTime("now", st.Now); err != nil {
		return err
	}
	if st.NextRunID < 1 {
		return fmt.Errorf("next_run_id: must be 1 or more, got %d", st.NextRunID)
	}
	pipes := make(map[string]map[string]*pipe)
	var queue eventQueue
	runIDs := map[int64]bool{}
	stored := 0
	for i := range st.Pipelines {
		ps := &st.Pipelines[i]
		p, err := restorePipe(ps, st, runIDs)
		if err != nil {
			return fmt.Errorf("pipelines[%d]: %w", i, err)
		}
		w := pipes[ps.Workspace]
		if w == nil {
			w = make(map[string]*pipe)
			pipes[ps.Workspace] = w
		}
		if w[p.key.id] != nil {
			return fmt.Errorf("pipelines[%d]: pipeline %q appears twice in workspace %q", i, p.key.id, ps.Workspace)
		}
		w[p.key.id] = p
		stored += p.runCount()
		if p.heapIdx >= 0 {
			p.heapIdx = len(queue)
			queue = append(queue, p)
		}
	}
	heap.Init(&queue)
	e.now, e.nextID, e.pipes, e.queue, e.storedRuns = st.Now.UTC(), st.NextRunID, pipes, queue, stored
	return nil
}

// checkTime refuses a zero time and one the API cannot write.
func checkTime(field string, t time.Time) error {
	if t.IsZero() || t.UTC().After(wire.LastInstant()) || t.UTC().Year() < 1 {
		return fmt.Errorf("%s: must be a time between the years 0001 and 9999", field)
	}
	return nil
}

// restorePipe checks one pipeline of a State and builds it; runIDs collects the run ids seen so far.
func restorePipe(ps *PipelineState, st State, runIDs map[int64]bool) (*pipe, error) {
	spec := &ps.Pipeline
	switch {
	case !wire.ValidSlug(ps.Workspace):
		return nil, fmt.Errorf("workspace: %q is not a valid workspace id", ps.Workspace)
	case !wire.ValidSlug(spec.ID):
		return nil, fmt.Errorf("pipeline.id: %q is not a valid id", spec.ID)
	case ps.Attempt < 0 || ps.FailNext < 0:
		return nil, errors.New("attempt and fail_next: must not be negative")
	}
	pl := Pipeline{ID: spec.ID, Name: spec.Name, PipelineType: PipelineType(spec.PipelineType),
		ConnectionID: spec.ConnectionID, FieldTransformationID: spec.FieldTransformationID, DataModelID: spec.DataModelID,
		PartnerFeedID: copyInt64(spec.PartnerFeedID), PartnerFeedKey: spec.PartnerFeedKey, State: StateValue(spec.State),
		SyncMode: SyncMode{Type: SyncModeType(spec.SyncType), IteratorField: spec.IteratorField,
			IteratorDataType: IteratorDataType(spec.IteratorDataType), From: Timestamp{Time: spec.From},
			Until: Timestamp{Time: spec.Until}},
		Schedule: Schedule{Type: ScheduleType(spec.ScheduleType), Frequency: Frequency(spec.Frequency),
			Start: Timestamp{Time: spec.Start}, End: Timestamp{Time: spec.End}},
		Environment: Environment(spec.Environment), DataPlanID: spec.DataPlanID,
		DataPlanVersion: copyInt64(spec.DataPlanVersion), CreatedOn: Timestamp{Time: spec.CreatedOn},
		CreatedBy: spec.CreatedBy, LastModifiedOn: Timestamp{Time: spec.LastModifiedOn}, LastModifiedBy: spec.LastModifiedBy}
	if spec.Delay != "" {
		d, err := ParseDelay(spec.Delay)
		if err != nil {
			return nil, fmt.Errorf("pipeline.delay: %w", err)
		}
		pl.Schedule.Delay = d
	}
	p := &pipe{key: key{ps.Workspace, spec.ID}, heapIdx: -1}
	p.set(&pl)
	var err error
	if p.sched, err = restoreRuns("scheduled_runs", ps.ScheduledRuns, st.NextRunID, runIDs); err != nil {
		return nil, err
	}
	if p.manual, err = restoreRuns("manual_runs", ps.ManualRuns, st.NextRunID, runIDs); err != nil {
		return nil, err
	}
	var active *runList
	switch ps.Active {
	case "":
	case "scheduled":
		active = &p.sched
	case "manual":
		active, p.activeManual = &p.manual, true
	default:
		return nil, fmt.Errorf("active: must be scheduled, manual or empty, got %q", ps.Active)
	}
	// Only the active run, the last of its list, may have an active status.
	for _, l := range []*runList{&p.sched, &p.manual} {
		for i := range *l {
			if (*l)[i].status.active() && (l != active || i != len(*l)-1) {
				return nil, fmt.Errorf("runs: run %d is %s but is not the active run", (*l)[i].id, (*l)[i].status.wire())
			}
		}
	}
	if active != nil {
		if len(*active) == 0 || !(*active)[len(*active)-1].status.active() {
			return nil, fmt.Errorf("active: the last %s run must be queued, running or retrying", ps.Active)
		}
		p.hasActive = true
	}
	p.attempt, p.failNext, p.failMsg = ps.Attempt, ps.FailNext, ps.FailMessage
	if ps.Fault != nil {
		f := slices.Clone(*ps.Fault)
		p.fault = &f
	}
	p.everActive, p.activatedAt, p.changedAt = ps.EverActive, ps.ActivatedAt.UTC(), ps.ChangedAt.UTC()
	p.minEnd, p.minDue, p.onceDone = ps.MinEnd.UTC(), ps.MinDue.UTC(), ps.OnceDone
	if ps.LastLogicalDate != nil {
		p.hasLastLogical, p.lastLogical = true, ps.LastLogicalDate.UTC()
	}
	if ps.LastSuccessEnd != nil {
		p.hasLS, p.ls, p.lsRunID = true, ps.LastSuccessEnd.UTC(), ps.LastSuccessRun
	}
	if ps.LastTrigger != nil {
		p.hasTrigger, p.lastTrigger = true, ps.LastTrigger.UTC()
	}
	return p, restoreEvent(p, ps.Event, st.Now)
}

// restoreEvent sets p's pending event from ev, which must fit p: a run's steps need an active run,
// a creation needs none, and an active run always has its next step pending.
func restoreEvent(p *pipe, ev *EventState, now time.Time) error {
	if ev == nil {
		if p.hasActive {
			return errors.New("event: the active run's next step must be pending")
		}
		return nil
	}
	kind := slices.Index(eventKindNames[:], ev.Kind)
	if kind < 0 {
		return fmt.Errorf("event.kind: must be create, start, complete or retry, got %q", ev.Kind)
	}
	if err := checkTime("event.at", ev.At); err != nil {
		return err
	}
	if ev.At.Before(now) {
		return errors.New("event.at: must not be before now: the events before now were processed")
	}
	if (eventKind(kind) == evCreate) == p.hasActive {
		return fmt.Errorf("event.kind: %s does not fit a pipeline with active %t", ev.Kind, p.hasActive)
	}
	switch {
	case ev.Interval != 0 && (eventKind(kind) != evCreate || p.plan.kind != planInterval):
		return errors.New("event.interval: only the create event of an interval schedule has one")
	case eventKind(kind) == evCreate && p.plan.kind == planInterval:
		// The run's range ends at B_{k+1}: it must be a time the API can write.
		for _, b := range []time.Time{p.plan.boundary(ev.Interval), p.plan.boundary(ev.Interval + 1)} {
			if err := checkTime("event.interval", b); err != nil {
				return err
			}
		}
	}
	p.evAt, p.evKind, p.evK, p.heapIdx = ev.At.UTC(), eventKind(kind), ev.Interval, 0
	return nil
}

// restoreRuns checks and builds one list of runs: ids increase and are unique in the engine and below
// nextID, logical dates never decrease.
func restoreRuns(field string, runs []RunState, nextID int64, seen map[int64]bool) (runList, error) {
	l := make(runList, len(runs))
	for i := range runs {
		rs := &runs[i]
		where := fmt.Sprintf("%s[%d]", field, i)
		status, known := parseRunStatus(RunStatus(rs.Status))
		switch {
		case rs.ID < 1 || rs.ID >= nextID:
			return nil, fmt.Errorf("%s.id: must be between 1 and next_run_id-1, got %d", where, rs.ID)
		case seen[rs.ID]:
			return nil, fmt.Errorf("%s.id: run %d appears twice", where, rs.ID)
		case i > 0 && rs.ID <= l[i-1].id:
			return nil, fmt.Errorf("%s.id: runs must be in creation order (increasing ids)", where)
		case !known:
			return nil, fmt.Errorf("%s.status: %q is not a run status", where, rs.Status)
		}
		for _, t := range []struct {
			name string
			t    *time.Time
		}{{"logical_date", &rs.LogicalDate}, {"started_on", rs.StartedOn}, {"ended_on", rs.EndedOn},
			{"range_start", rs.RangeStart}, {"range_end", &rs.RangeEnd}} {
			if t.t != nil {
				if err := checkTime(where+"."+t.name, *t.t); err != nil {
					return nil, err
				}
			}
		}
		seen[rs.ID] = true
		l[i] = runRec{id: rs.ID, logical: micros(rs.LogicalDate), started: microsOrNil(rs.StartedOn),
			ended: microsOrNil(rs.EndedOn), rangeStart: microsOrNil(rs.RangeStart), rangeEnd: micros(rs.RangeEnd),
			successful: rs.Successful, failed: rs.Failed, status: status}
		if i > 0 && l[i].logical < l[i-1].logical {
			return nil, fmt.Errorf("%s.logical_date: runs must be in logical date order", where)
		}
		if rs.Errors != nil {
			errs := slices.Clone(*rs.Errors)
			l[i].errs = &errs
		}
	}
	return l, nil
}

func microsOrNil(t *time.Time) int64 {
	if t == nil {
		return nullTime
	}
	return micros(*t)
}

// Resources is a workspace's resources besides its pipelines, as a snapshot holds them.
type Resources struct {
	Connections []Connection // sorted by id
	DataModels  []DataModel  // sorted by id
	// Unreachable and Invalid are the faults of SetConnectionUnreachable and SetDataModelInvalid:
	// id → message.
	Unreachable map[string]string
	Invalid     map[string]string
	// FieldTransformations are the known ids, sorted; nil: any id.
	FieldTransformations []string
	// Records are the rows seeded for data models (shared, not copied).
	Records map[string][]map[string]any
	// SQLSources are the data models that read a database (UseSQL), sorted.
	SQLSources []string
}

// Resources returns the workspace's resources.
func (e *Engine) Resources(workspace string) Resources {
	sp := e.view(workspace)
	r := Resources{Connections: e.Connections(workspace), DataModels: e.DataModels(workspace),
		Unreachable: maps.Clone(sp.unreachable), Invalid: maps.Clone(sp.invalid)}
	r.FieldTransformations, _ = e.FieldTransformations(workspace)
	for _, id := range slices.Sorted(maps.Keys(sp.seeds)) {
		if s := sp.seeds[id]; s.db != nil {
			r.SQLSources = append(r.SQLSources, id)
		} else {
			if r.Records == nil {
				r.Records = map[string][]map[string]any{}
			}
			r.Records[id] = s.rows
		}
	}
	return r
}

// space builds the resources of r (a database is not restored: SQLSources are left out).
func (r *Resources) space() *space {
	sp := newSpace()
	for i := range r.Connections {
		c := copyConnection(&r.Connections[i])
		sp.connections[c.ID] = &c
	}
	for i := range r.DataModels {
		m := copyDataModel(&r.DataModels[i])
		sp.models[m.ID] = &m
	}
	maps.Copy(sp.unreachable, r.Unreachable)
	maps.Copy(sp.invalid, r.Invalid)
	sp.transformations = idSet(r.FieldTransformations)
	for id, rows := range r.Records {
		sp.seeds[id] = rowsSeed(rows)
	}
	return sp
}

// RestoreAll replaces the engine's whole state: st as Restore does, and every workspace's resources
// with res (a workspace not in res has none). On error nothing changes.
func (e *Engine) RestoreAll(st State, res map[string]Resources) error {
	spaces := make(map[string]*space, len(res))
	for id, r := range res {
		spaces[id] = r.space()
	}
	if err := e.Restore(st); err != nil {
		return err
	}
	e.spaces = spaces
	return nil
}
