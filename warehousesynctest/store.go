package warehousesynctest

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
)

// workspace is the state of one workspace. It is guarded by the server's mutex.
type workspace struct {
	connections map[string]*ws.Connection // secrets in clear; Status and Errors kept here
	models      map[string]*ws.DataModel  // Status and Errors kept here; the engine keeps the pipelines

	unreachable     map[string]string // connection id → why its warehouse cannot be reached
	invalid         map[string]string // data model id → why it is invalid, applied on create
	sources         map[string]source // data model id → seeded records
	transformations map[string]bool   // known field transformation ids; nil: any id
	cost            map[string]int64  // resource key (resourceKey) → its bytes against MaxStoredBytes
}

// source is what a test seeded for a data model: rows, or a database to run the model's query on.
type source struct {
	rows   []map[string]any
	counts engine.Source // over rows, made once so that every run shares its parsed iterator values
	db     *sql.DB
}

// newWorkspaceLocked returns an empty workspace with the field transformations the server starts every
// workspace with.
func (s *Server) newWorkspaceLocked() *workspace { return s.cfg.newWorkspace() }

// knownWorkspaces returns the workspaces a server starts with, each empty: the default one and those of
// WithWorkspaces.
func (c *config) knownWorkspaces() map[string]*workspace {
	out := map[string]*workspace{}
	for _, id := range append([]string{c.workspace}, c.workspaces...) {
		out[id] = c.newWorkspace()
	}
	return out
}

// newWorkspace returns an empty workspace with the field transformations every workspace starts with.
func (c *config) newWorkspace() *workspace {
	w := &workspace{
		connections: map[string]*ws.Connection{},
		models:      map[string]*ws.DataModel{},
		unreachable: map[string]string{},
		invalid:     map[string]string{},
		sources:     map[string]source{},
		cost:        map[string]int64{},
	}
	if c.transformations != nil {
		w.transformations = map[string]bool{}
		for _, t := range c.transformations {
			w.transformations[t] = true
		}
	}
	return w
}

// knownWorkspacesLocked lists the ids of the workspaces the server serves, sorted.
func (s *Server) knownWorkspacesLocked() []string { return sortedKeys(s.workspaces) }

// unknownWorkspace is the message for a workspace id the server does not serve.
func (s *Server) unknownWorkspaceLocked(id string) string {
	known := s.knownWorkspacesLocked()
	list := strings.Join(known[:min(len(known), 10)], ", ")
	if len(known) > 10 {
		list += fmt.Sprintf(", … (%d in all)", len(known))
	}
	return fmt.Sprintf("Workspace '%s' not found: this fake serves workspaces %s. Add one with the option "+
		"WithWorkspaces, the binary's -workspaces flag, or PUT /_fake/workspaces/%s.", truncate(id, 128), list, truncate(id, 128))
}

// sortedKeys returns the keys of m in ascending order: every list the fake returns is sorted by id.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// storeEnv answers the engine's questions from the store. The engine calls an Env only from within its
// own methods, on the caller's goroutine (engine.Env says so), and the server calls the engine only with
// its mutex held: so storeEnv runs under that mutex and reads the store without locking.
type storeEnv struct{ s *Server }

// RunFailure returns the errors of the pipeline's connection (faulted or unreachable) and data model
// (invalid).
func (e storeEnv) RunFailure(workspaceID string, p *engine.Pipeline) []engine.ErrorDetail {
	w, found := e.s.workspaces[workspaceID]
	if !found {
		return nil
	}
	var errs []engine.ErrorDetail
	if c, found := w.connections[p.ConnectionID]; found && c.Status == ws.ConnectionFaulted {
		errs = append(errs, engineErrors(c.Errors)...)
	} else if msg, down := w.unreachable[p.ConnectionID]; down {
		errs = append(errs, engine.ErrorDetail{Message: msg})
	}
	if m, found := w.models[p.DataModelID]; found && m.Status == ws.DataModelInvalid {
		errs = append(errs, engineErrors(m.Errors)...)
	}
	return errs
}

// Source returns the records seeded for a data model: its rows, or its query run on the test's database.
func (e storeEnv) Source(workspaceID, dataModelID string) engine.Source {
	w, found := e.s.workspaces[workspaceID]
	if !found {
		return nil
	}
	src, found := w.sources[dataModelID]
	switch {
	case !found:
		return nil
	case src.db != nil:
		m, found := w.models[dataModelID]
		if !found {
			return nil
		}
		return engine.SQL(src.db, m.Config.SQLQuery)
	default:
		return src.counts
	}
}
