// Package engine is the fake server's scheduler and run engine: a deterministic discrete-event simulation
// of Warehouse Sync pipeline runs, driven by an explicit clock. It implements ../shared/docs/scheduler.md.
//
// The engine is not safe for concurrent use: the fake server calls it with its own mutex held. It never
// reads the wall clock; time moves only through AdvanceTo.
package engine

import (
	"time"

	ws "github.com/wsync-dev/warehousesync"
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
	// CatchUpWindow returns the earliest interval end that still gets its own run when a pipeline of
	// period p first becomes active at a (default schedule.CatchUpWindow).
	CatchUpWindow func(p schedule.Period, a time.Time) time.Time
	// RecordLimit is the most records one run of the given frequency may sync (successful_records);
	// a run over it fails. Missing or 0: no limit. On-demand and once runs use the "" key.
	RecordLimit map[ws.Frequency]int64
	// MaxEventsPerAdvance caps one AdvanceTo (default 1,000,000); a larger advance is refused before
	// anything changes.
	MaxEventsPerAdvance int
	// Env answers what the engine needs from the fake's store at run time.
	Env Env
}

// NoRetries as Config.Retries turns retries off.
const NoRetries = -1

// Env is what the engine asks the fake's store while runs execute.
type Env interface {
	// RunFailure returns why a run of the pipeline fails now because of its connection (faulted or
	// unreachable) or its data model (invalid); nil when both are healthy.
	RunFailure(workspace string, p *ws.Pipeline) []ws.ErrorDetail
	// Source returns the seeded records of a data model, or nil when none were seeded.
	Source(workspace, dataModelID string) Source
}

// Source is a data model's rows, as a test seeded them.
type Source interface {
	// Count returns how many rows a run syncs: rows whose iterator value lies in [start, end) count as
	// successful (a zero bound is unbounded); rows whose iterator value is missing or cannot be parsed as
	// the iterator type count as failed.
	Count(sm ws.SyncMode, start, end time.Time) (successful, failed int64, err error)
}

// Error is a refusal of Trigger or AdvanceTo; Kind says which rule refused it.
type Error struct {
	Kind    ErrorKind
	Message string
}

func (e *Error) Error() string { return e.Message }

// ErrorKind classifies an engine Error.
type ErrorKind int

// The error kinds.
const (
	ErrNotFound  ErrorKind = iota + 1 // no such pipeline
	ErrBusy                           // trigger: a run is active ("Pipeline <id> is already in progress.")
	ErrNotActive                      // trigger: the pipeline's state is not active
	ErrBackwards                      // advance: the target is before now
	ErrTooMany                        // advance: more events than MaxEventsPerAdvance
)

// RunQuery selects a page of runs.
type RunQuery struct {
	Page     int        // 1-based; 0 means 1
	PageSize int        // 0 means 50; at most 1000
	From, To *time.Time // inclusive bounds on logical_date; nil: unbounded
}

// Engine is the scheduler and run engine of one fake server.
type Engine struct{}

// New returns an Engine at cfg.Start.
func New(cfg Config) *Engine { return &Engine{} }

// Now is the engine's current time.
func (e *Engine) Now() time.Time { return time.Time{} }

// PutPipeline records a created or updated pipeline (the engine copies it). An update clears a fault,
// applies state changes (pause, resume) and schedule changes as scheduler.md says.
func (e *Engine) PutPipeline(workspace string, p *ws.Pipeline) {}

// DeletePipeline stops the pipeline's active run and forgets the pipeline and its runs.
func (e *Engine) DeletePipeline(workspace, id string) {}

// ClearFault clears a pipeline's fault, as a PUT of its connection or data model does.
func (e *Engine) ClearFault(workspace, id string) {}

// Status is the pipeline's current status and errors.
func (e *Engine) Status(workspace, id string) (ws.PipelineStatus, []ws.ErrorDetail) { return "", nil }

// Trigger creates a manual run now and returns its id.
func (e *Engine) Trigger(workspace, id string) (int64, error) { return 0, nil }

// FailNextRuns makes the next n attempts of the pipeline's runs fail with message.
func (e *Engine) FailNextRuns(workspace, id string, n int, message string) {}

// Run returns one run of the pipeline.
func (e *Engine) Run(workspace, id string, runID int64) (ws.Run, bool) { return ws.Run{}, false }

// ListRuns returns a page of the pipeline's runs in ascending logical_date, then id.
func (e *Engine) ListRuns(workspace, id string, q RunQuery) ws.RunPage { return ws.RunPage{} }

// Report returns the pipeline's latest run (greatest logical_date, then id) and the id of its
// successful run with the greatest range_end; nil when there is none.
func (e *Engine) Report(workspace, id string) (latest *ws.Run, latestSuccessful *int64) {
	return nil, nil
}

// NextEvent is the time of the next pending event, if any.
func (e *Engine) NextEvent() (time.Time, bool) { return time.Time{}, false }

// AdvanceTo processes every event due at or before t, in order, with the engine's time set to each
// event's time, then sets the time to t. It returns the number of events processed.
func (e *Engine) AdvanceTo(t time.Time) (int, error) { return 0, nil }
