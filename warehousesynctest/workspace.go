package warehousesynctest

import (
	"database/sql"
	"fmt"
	"maps"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
)

// defaultInvalidMessage is the error of an invalid data model when the test gave none.
const defaultInvalidMessage = "The data model's query failed on the warehouse."

// Workspace is a handle on one workspace of a Server, for the faults and data a test sets up there. The
// Server's methods of the same names act on the default workspace. The workspace need not exist yet.
type Workspace struct {
	s  *Server
	id string
}

// Workspace returns a handle on the workspace id.
func (s *Server) Workspace(id string) *Workspace { return &Workspace{s: s, id: id} }

// ID returns the workspace id.
func (w *Workspace) ID() string { return w.id }

// do runs f on the workspace with the server's mutex held, as a request's handler runs
// (inWorkspaceLocked).
func (w *Workspace) do(f func(*workspace)) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.s.inWorkspaceLocked(w.id, f)
}

// inWorkspaceLocked runs f, a request's handler or a change made through the Go API, on workspace id
// between catchUpLocked and settleLocked, so that a change never reaches back to events that fell due
// before it.
//
// A workspace that did not exist and that f leaves as a new one would be is not kept: a request that
// left a new workspace empty (a read, a rejected write) does not keep it, so clients inventing
// workspace ids cannot grow the server's memory, and undoing a fault (SetConnectionReachable,
// SetDataModelValid, …) on an unknown workspace does not create it.
func (s *Server) inWorkspaceLocked(id string, f func(*workspace)) {
	s.catchUpLocked()
	_, existed := s.workspaces[id]
	st := s.workspaceLocked(id)
	f(st)
	if !existed && s.pristineLocked(st) && !s.eng.HasPipelines(id) {
		delete(s.workspaces, id)
	}
	s.settleLocked()
}

// SetConnectionUnreachable makes the warehouse of connection connectionID unreachable (it may not exist
// yet): creating or updating the connection answers 505 with message, an existing connection's status
// turns faulted with message, and runs of its pipelines fail. An empty message takes a default.
func (w *Workspace) SetConnectionUnreachable(connectionID, message string) {
	message = orDefault(message, defaultUnreachableMessage)
	w.do(func(st *workspace) {
		st.unreachable[connectionID] = message
		if c, found := st.connections[connectionID]; found {
			c.Status, c.Errors = ws.ConnectionFaulted, []ws.ErrorDetail{{Message: message}}
		}
	})
}

// SetConnectionReachable makes the warehouse reachable again. The connection stays faulted until its
// next successful PUT, which also clears the faults of the pipelines using it, as mParticle documents.
func (w *Workspace) SetConnectionReachable(connectionID string) {
	w.do(func(st *workspace) { delete(st.unreachable, connectionID) })
}

// SetDataModelInvalid makes data model modelID invalid with message (it may not exist yet: it is then
// created invalid). Runs of its pipelines fail until a PUT of the model or SetDataModelValid. An empty
// message takes a default.
func (w *Workspace) SetDataModelInvalid(modelID, message string) {
	message = orDefault(message, defaultInvalidMessage)
	w.do(func(st *workspace) {
		st.invalid[modelID] = message
		if m, found := st.models[modelID]; found {
			m.Status, m.Errors = ws.DataModelInvalid, []ws.ErrorDetail{{Message: message}}
		}
	})
}

// SetDataModelValid makes the data model valid again at once. Pipelines it faulted stay faulted until
// a PUT of the pipeline, connection or model, or a successful trigger.
func (w *Workspace) SetDataModelValid(modelID string) {
	w.do(func(st *workspace) {
		delete(st.invalid, modelID)
		if m, found := st.models[modelID]; found {
			m.Status, m.Errors = ws.DataModelValid, nil
		}
	})
}

// SetFieldTransformations sets the field transformation ids the workspace knows: a pipeline naming
// another is then a 400. With no ids, any slug is accepted again (the default without
// WithFieldTransformations).
func (w *Workspace) SetFieldTransformations(ids ...string) {
	w.do(func(st *workspace) {
		if len(ids) == 0 {
			st.transformations = nil
			return
		}
		st.transformations = map[string]bool{}
		for _, id := range ids {
			st.transformations[id] = true
		}
	})
}

// FailNextRuns makes the next n attempts of the pipeline's runs fail with message. The pipeline must
// exist.
func (w *Workspace) FailNextRuns(pipelineID string, n int, message string) error {
	if n < 1 {
		return fmt.Errorf("fail next runs: n must be 1 or more, got %d", n)
	}
	var err error
	w.do(func(*workspace) {
		if w.s.eng.FailNextRuns(w.id, pipelineID, n, orDefault(message, "Injected failure.")) != nil {
			err = fmt.Errorf("fail next runs: pipeline %q not found in workspace %q", pipelineID, w.id)
		}
	})
	return err
}

// SeedRecords sets the rows of data model modelID (it may not exist yet) that runs count: a run syncs
// the rows whose iterator field lies in its range, and counts rows without a parsable iterator value as
// failed. The rows are copied; nil removes the seeded rows.
func (w *Workspace) SeedRecords(modelID string, rows []map[string]any) {
	var src source
	if rows != nil {
		src.rows = make([]map[string]any, len(rows))
		for i, r := range rows {
			src.rows[i] = maps.Clone(r)
		}
		src.counts = engine.Rows(src.rows)
	}
	w.do(func(st *workspace) {
		if rows == nil {
			delete(st.sources, modelID)
			return
		}
		st.sources[modelID] = src
	})
}

// UseSQLSource makes runs of the data model count rows from db: at each run the fake runs
// SELECT mp_model."<iterator_field>" FROM (<sql_query>) AS mp_model (SELECT COUNT(*) … without an
// iterator field) on db and compares each value with the run's range in Go, not with a WHERE on the
// range (SQLite keeps timestamps as text, and text order is not time order). Each query has a 10-second
// deadline. A nil db stops using the database. The test owns db.
func (w *Workspace) UseSQLSource(modelID string, db *sql.DB) {
	w.do(func(st *workspace) {
		if db == nil {
			delete(st.sources, modelID)
			return
		}
		st.sources[modelID] = source{db: db}
	})
}

// DefaultWorkspace returns the server's default workspace (DefaultWorkspaceID unless WithWorkspace
// says otherwise): the one Client talks to, and where most tests make faults and seed records.
func (s *Server) DefaultWorkspace() *Workspace { return s.Workspace(s.cfg.workspace) }
