package warehousesynctest

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"

	"github.com/wsync-dev/warehousesync/internal/engine"
)

// defaultInvalidMessage is the error of an invalid data model when the test gave none.
const defaultInvalidMessage = "The data model's query failed on the warehouse."

// Workspace is a handle on one workspace of a Server, for the faults and data a test sets up there. The
// Server's methods of the same names act on the default workspace. Its setters refuse an id that does
// not exist with an error, and on a Server made by NewServer also fail the test at the caller's line:
// a typo in an id must not leave a test that tests nothing.
type Workspace struct {
	s  *Server
	id string
}

// Workspace returns a handle on the workspace id. Only the workspaces the server serves (the default
// one, those of WithWorkspaces and those added by AddWorkspace) can be changed through it; on any other
// id the setters return an error.
func (s *Server) Workspace(id string) *Workspace { return &Workspace{s: s, id: id} }

// ID returns the workspace id.
func (w *Workspace) ID() string { return w.id }

// AddWorkspace makes the server serve workspace id, empty; adding a workspace it serves already does
// nothing. It refuses an id that is not a slug, and a workspace beyond Budgets.MaxWorkspaces.
func (s *Server) AddWorkspace(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addWorkspaceLocked(id)
}

func (s *Server) addWorkspaceLocked(id string) error {
	switch _, known := s.workspaces[id]; {
	case known:
		return nil
	case !validSlug(id):
		return fmt.Errorf("workspace %q must be a slug of 1 to 128 letters, digits, _ or -", truncate(id, 40))
	case len(s.workspaces) >= s.cfg.budgets.MaxWorkspaces:
		return errors.New(budgetMessage(fmt.Sprintf("workspace %q: %d workspaces", id, len(s.workspaces)),
			"MaxWorkspaces", int64(s.cfg.budgets.MaxWorkspaces)))
	}
	s.workspaces[id] = s.newWorkspaceLocked(id)
	return nil
}

// Workspaces lists the ids of the workspaces the server serves, sorted.
func (s *Server) Workspaces() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.knownWorkspacesLocked()
}

// do runs f on the workspace with the server's mutex held, as a request's handler runs
// (inWorkspaceLocked), and returns f's error; an unknown workspace is an error without running f.
func (w *Workspace) do(f func(*workspace) error) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	var err error
	if !w.s.inWorkspaceLocked(w.id, func(st *workspace) { err = f(st) }) {
		return errors.New(w.s.unknownWorkspaceLocked(w.id))
	}
	return err
}

// failed reports err on the test of a Server made by NewServer, at the line that called the setter, and
// returns it.
func (w *Workspace) failed(err error) error {
	if err != nil && w.s.tb != nil {
		w.s.tb.Helper()
		w.s.tb.Errorf("warehousesynctest: %v", err)
	}
	return err
}

// inWorkspaceLocked runs f, a request's handler or a change made through the Go API, on workspace id
// between catchUpLocked and settleLocked, so that a change never reaches back to events that fell due
// before it. It returns false, without running f, when the server does not serve the workspace.
func (s *Server) inWorkspaceLocked(id string, f func(*workspace)) bool {
	st, known := s.workspaces[id]
	if !known {
		return false
	}
	s.catchUpLocked()
	f(st)
	s.settleLocked()
	return true
}

// notFoundError is the error of a setter given an id that does not exist: it names the ids that do.
func notFoundError(kind, id, wsID string, ids []string) error {
	list := "none"
	if len(ids) > 0 {
		list = strings.Join(ids[:min(len(ids), 10)], ", ")
		if len(ids) > 10 {
			list += fmt.Sprintf(", … (%d in all)", len(ids))
		}
	}
	return fmt.Errorf("%s '%s' not found in workspace %s (%ss: %s)", strings.ToLower(kind), truncate(id, 128), wsID,
		strings.ToLower(kind), list)
}

// resourceError words a refusal of the engine about a setter's connection or data model: an unknown id
// names the ones that exist.
func (w *Workspace) resourceError(err error, id string) error {
	switch {
	case errors.Is(err, engine.ErrNoConnection):
		return notFoundError(kindConnection, id, w.id, w.s.eng.ConnectionIDs(w.id))
	case errors.Is(err, engine.ErrNoDataModel):
		return notFoundError(kindDataModel, id, w.id, w.s.eng.DataModelIDs(w.id))
	}
	return err
}

// SetConnectionUnreachable makes the warehouse of connection connectionID unreachable: its status turns
// faulted with message, an update of the connection answers 505 with message, and runs of its pipelines
// fail. An empty message takes a default. The connection must exist: to make its creation fail,
// inject Fault{Method: "POST", Path: "/connections", Status: 505, Times: 1}. It returns an error, and
// fails the test of a Server made by NewServer, when the workspace or the connection does not exist.
func (w *Workspace) SetConnectionUnreachable(connectionID, message string) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.setConnectionUnreachable(connectionID, message))
}

func (w *Workspace) setConnectionUnreachable(connectionID, message string) error {
	message = orDefault(message, defaultUnreachableMessage)
	return w.do(func(*workspace) error {
		return w.resourceError(w.s.eng.SetConnectionUnreachable(w.id, connectionID, message), connectionID)
	})
}

// SetConnectionReachable makes the warehouse reachable again. The connection stays faulted until its
// next successful PUT, which also clears the faults of the pipelines using it, as mParticle documents.
// It returns an error, and fails the test of a Server made by NewServer, when the workspace or the
// connection does not exist.
func (w *Workspace) SetConnectionReachable(connectionID string) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.setConnectionReachable(connectionID))
}

func (w *Workspace) setConnectionReachable(connectionID string) error {
	return w.do(func(*workspace) error {
		return w.resourceError(w.s.eng.SetConnectionReachable(w.id, connectionID), connectionID)
	})
}

// SetDataModelInvalid makes data model modelID invalid with message. Runs of its pipelines fail until a
// PUT of the model or SetDataModelValid. An empty message takes a default. It returns an error, and
// fails the test of a Server made by NewServer, when the workspace or the model does not exist.
func (w *Workspace) SetDataModelInvalid(modelID, message string) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.setDataModelInvalid(modelID, message))
}

func (w *Workspace) setDataModelInvalid(modelID, message string) error {
	message = orDefault(message, defaultInvalidMessage)
	return w.do(func(*workspace) error {
		return w.resourceError(w.s.eng.SetDataModelInvalid(w.id, modelID, message), modelID)
	})
}

// SetDataModelValid makes the data model valid again at once. Pipelines it faulted stay faulted until
// a PUT of the pipeline, connection or model, or a successful trigger. It returns an error, and fails
// the test of a Server made by NewServer, when the workspace or the model does not exist.
func (w *Workspace) SetDataModelValid(modelID string) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.setDataModelValid(modelID))
}

func (w *Workspace) setDataModelValid(modelID string) error {
	return w.do(func(*workspace) error {
		return w.resourceError(w.s.eng.SetDataModelValid(w.id, modelID), modelID)
	})
}

// SetFieldTransformations sets the field transformation ids the workspace knows: a pipeline naming
// another is then a 400. With no ids, any slug is accepted again (the default without
// WithFieldTransformations). It returns an error, and fails the test of a Server made by NewServer, when
// the workspace does not exist.
func (w *Workspace) SetFieldTransformations(ids ...string) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.setFieldTransformations(ids...))
}

func (w *Workspace) setFieldTransformations(ids ...string) error {
	if limit := w.s.cfg.budgets.MaxResources; len(ids) > limit {
		return errors.New(budgetMessage(fmt.Sprintf("field transformations: %d ids", len(ids)), "MaxResources", int64(limit)))
	}
	return w.do(func(*workspace) error {
		if len(ids) == 0 {
			w.s.eng.SetFieldTransformations(w.id, nil)
			return nil
		}
		w.s.eng.SetFieldTransformations(w.id, append([]string(nil), ids...))
		return nil
	})
}

// FailNextRuns makes the next n runs of the pipeline fail with message: every attempt of each, retries
// included, fails, so each run ends failed and faults the pipeline (trigger it, or update it, to run
// again). A run already under way is the first of the n. The pipeline must exist: it returns an error,
// and fails the test of a Server made by NewServer, when it does not. To fail single attempts (a run
// that fails and then succeeds on a retry), use FailNextAttempts.
func (w *Workspace) FailNextRuns(pipelineID string, n int, message string) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.failNext(pipelineID, n, message, true))
}

// FailNextAttempts makes the next n attempts of the pipeline's runs fail with message; a failed attempt
// is retried (WithRetries), so a run fails only when all its attempts do. The pipeline must exist: it
// returns an error, and fails the test of a Server made by NewServer, when it does not.
func (w *Workspace) FailNextAttempts(pipelineID string, n int, message string) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.failNext(pipelineID, n, message, false))
}

// failNext fails the next n runs (wholeRuns) or attempts of the pipeline.
func (w *Workspace) failNext(pipelineID string, n int, message string, wholeRuns bool) error {
	what := "attempts"
	if wholeRuns {
		what = "runs"
	}
	if n < 1 {
		return fmt.Errorf("fail next %s: n must be 1 or more, got %d", what, n)
	}
	return w.do(func(*workspace) error {
		if !w.s.eng.HasPipeline(w.id, pipelineID) {
			return fmt.Errorf("fail next %s: %w", what, notFoundError(kindPipeline, pipelineID, w.id, pipelineIDs(w.s.eng.Pipelines(w.id))))
		}
		attempts := n
		if wholeRuns {
			perRun := w.s.attemptsPerRun()
			left := w.s.eng.ActiveAttemptsLeft(w.id, pipelineID)
			whole := n // runs that start after the call
			if left > 0 {
				whole-- // the run under way is the first
			}
			attempts = left + min(whole, (math.MaxInt-left)/perRun)*perRun
		}
		return w.s.eng.FailNextRuns(w.id, pipelineID, attempts, orDefault(message, "Injected failure."))
	})
}

// attemptsPerRun is how many attempts a run makes before it fails: one and the retries.
func (s *Server) attemptsPerRun() int {
	if s.cfg.retries >= 0 {
		return s.cfg.retries + 1
	}
	return engine.DefaultRetries + 1
}

func pipelineIDs(ps []engine.Pipeline) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// SeedRecords sets the rows of data model modelID that runs count: a run syncs the rows whose iterator
// field lies in its range, and counts rows without a parsable iterator value as failed. The rows are
// copied; nil removes the seeded rows. It returns an error, and fails the test of a Server made by
// NewServer, when the workspace or the model does not exist.
func (w *Workspace) SeedRecords(modelID string, rows []map[string]any) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.seedRecords(modelID, rows))
}

func (w *Workspace) seedRecords(modelID string, rows []map[string]any) error {
	return w.seedRecordsCharged(modelID, rows, -1)
}

// seedRecordsCharged is seedRecords for rows that came in a body of size bytes, counted against
// MaxStoredBytes (size -1: rows from the Go API, which the test owns and which are not counted).
func (w *Workspace) seedRecordsCharged(modelID string, rows []map[string]any, size int64) error {
	var copied []map[string]any
	if rows != nil {
		copied = make([]map[string]any, len(rows))
		for i, r := range rows {
			copied[i] = maps.Clone(r)
		}
	}
	return w.do(func(st *workspace) error {
		if !w.s.eng.HasDataModel(w.id, modelID) {
			return w.resourceError(engine.ErrNoDataModel, modelID)
		}
		if size >= 0 {
			if msg := w.s.admitRecordsLocked(st, modelID, size); msg != "" {
				return &budgetError{msg}
			}
		}
		if size > 0 {
			w.s.chargeLocked(st, recordsKey(modelID), size)
		} else {
			w.s.refundLocked(st, recordsKey(modelID))
		}
		return w.resourceError(w.s.eng.SeedRows(w.id, modelID, copied), modelID)
	})
}

// UseSQLSource makes runs of the data model count rows from db: at each run the fake runs
// SELECT mp_model."<iterator_field>" FROM (<sql_query>) AS mp_model (SELECT COUNT(*) … without an
// iterator field) on db and compares each value with the run's range in Go, not with a WHERE on the
// range (SQLite keeps timestamps as text, and text order is not time order). Each query has a 10-second
// deadline. A nil db stops using the database. The test owns db. It returns an error, and fails the
// test of a Server made by NewServer, when the workspace or the model does not exist.
func (w *Workspace) UseSQLSource(modelID string, db *sql.DB) error {
	if tb := w.s.tb; tb != nil {
		tb.Helper()
	}
	return w.failed(w.do(func(*workspace) error {
		return w.resourceError(w.s.eng.UseSQL(w.id, modelID, db), modelID)
	}))
}

// DefaultWorkspace returns the server's default workspace (DefaultWorkspaceID unless WithWorkspace
// says otherwise): the one Client talks to, and where most tests make faults and seed records.
func (s *Server) DefaultWorkspace() *Workspace { return s.Workspace(s.cfg.workspace) }
