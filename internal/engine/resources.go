package engine

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The engine keeps every resource of every workspace: besides the pipelines and their runs, the
// connections and data models with their health (reachability, validity), the records seeded for data
// models and the field transformations a workspace knows. The rules between them are here too: a
// connection or data model in use by a pipeline cannot be deleted, a PUT of one clears the faults of the
// pipelines using it, and a run fails while its connection is faulted or unreachable or its data model
// invalid.

// The engine's refusals about connections and data models.
var (
	// ErrInUse: a delete of a connection or data model that pipelines use (an *InUseError).
	ErrInUse = errors.New("the resource is used by pipelines")
	// ErrUnreachable: a PUT of a connection whose warehouse cannot be reached (an *UnreachableError).
	ErrUnreachable = errors.New("the warehouse cannot be reached")
	// ErrNoConnection and ErrNoDataModel: no such connection, or data model, in the workspace.
	ErrNoConnection = errors.New("no such connection")
	ErrNoDataModel  = errors.New("no such data model")
	// ErrNoTransformation: a pipeline names a field transformation the workspace does not know.
	ErrNoTransformation = errors.New("no such field transformation")
	// ErrConnectionExists and ErrDataModelExists: a create found one with the same id.
	ErrConnectionExists = errors.New("a connection with this id exists")
	ErrDataModelExists  = errors.New("a data model with this id exists")
)

// InUseError is the ErrInUse refusal: it names the pipelines that use the resource.
type InUseError struct {
	Kind      string   // "connection" or "data model"
	ID        string   // the resource
	Pipelines []string // sorted
}

// Error names the resource and its users.
func (e *InUseError) Error() string {
	return fmt.Sprintf("%s %s is used by pipelines %s", e.Kind, e.ID, strings.Join(e.Pipelines, ", "))
}

// Unwrap returns ErrInUse.
func (e *InUseError) Unwrap() error { return ErrInUse }

// ReferenceError is a refusal of a pipeline that names a resource the workspace does not have: it wraps
// ErrNoConnection, ErrNoDataModel or ErrNoTransformation.
type ReferenceError struct {
	Field string // connection_id, data_model_id or field_transformation_id
	ID    string // the id named
	kind  error
}

// Error names the field and the id.
func (e *ReferenceError) Error() string { return fmt.Sprintf("%s: %s not found", e.Field, e.ID) }

// Unwrap returns the sentinel of the missing kind.
func (e *ReferenceError) Unwrap() error { return e.kind }

// checkReferences refuses a pipeline whose connection, data model or field transformation the
// workspace does not have.
func (e *Engine) checkReferences(workspace string, pl *Pipeline) error {
	sp := e.view(workspace)
	switch {
	case sp.connections[pl.ConnectionID] == nil:
		return &ReferenceError{Field: "connection_id", ID: pl.ConnectionID, kind: ErrNoConnection}
	case sp.models[pl.DataModelID] == nil:
		return &ReferenceError{Field: "data_model_id", ID: pl.DataModelID, kind: ErrNoDataModel}
	case pl.FieldTransformationID != "" && !e.KnowsFieldTransformation(workspace, pl.FieldTransformationID):
		return &ReferenceError{Field: "field_transformation_id", ID: pl.FieldTransformationID, kind: ErrNoTransformation}
	}
	return nil
}

// UnreachableError is the ErrUnreachable refusal: Message is why the warehouse cannot be reached.
type UnreachableError struct{ Message string }

// Error is the message.
func (e *UnreachableError) Error() string { return e.Message }

// Unwrap returns ErrUnreachable.
func (e *UnreachableError) Unwrap() error { return ErrUnreachable }

// seed is what a test seeded for a data model: rows, or a database that runs the model's query.
type seed struct {
	rows   []map[string]any
	counts Source // over rows, made once so that every run shares its parsed iterator values
	db     *sql.DB
}

// rowsSeed is the seed of rows.
func rowsSeed(rows []map[string]any) seed { return seed{rows: rows, counts: Rows(rows)} }

// space is the resources of one workspace besides its pipelines.
type space struct {
	connections     map[string]*Connection
	models          map[string]*DataModel
	unreachable     map[string]string // connection id → why its warehouse cannot be reached
	invalid         map[string]string // data model id → why it is invalid
	seeds           map[string]seed   // data model id → seeded records
	transformations map[string]bool   // known field transformation ids; nil: any id
}

func newSpace() *space {
	return &space{connections: map[string]*Connection{}, models: map[string]*DataModel{},
		unreachable: map[string]string{}, invalid: map[string]string{}, seeds: map[string]seed{}}
}

// space returns the workspace's resources, made empty on first use.
func (e *Engine) space(workspace string) *space {
	sp := e.spaces[workspace]
	if sp == nil {
		sp = newSpace()
		e.spaces[workspace] = sp
	}
	return sp
}

// view returns the workspace's resources without making them: e.none, whose maps are nil, when it has
// none. A method writes through a view only after finding what it changes, so e.none stays empty.
func (e *Engine) view(workspace string) *space {
	if sp := e.spaces[workspace]; sp != nil {
		return sp
	}
	return &e.none
}

// ResourceCount is how many connections, data models and pipelines the workspace has.
func (e *Engine) ResourceCount(workspace string) int {
	sp := e.view(workspace)
	return len(sp.connections) + len(sp.models) + len(e.pipes[workspace])
}

// copyConnection is a deep copy of c: what the engine stores of a caller's connection.
func copyConnection(c *Connection) Connection {
	out := *c
	out.Errors = slices.Clone(c.Errors)
	out.Config = maps.Clone(c.Config)
	return out
}

// copyDataModel is a deep copy of m: what the engine stores of a caller's data model.
func copyDataModel(m *DataModel) DataModel {
	out := *m
	out.Errors = slices.Clone(m.Errors)
	return out
}

// The getters below return shallow copies: a stored connection's Config and Errors, and a stored data
// model's Errors, are never changed in place (a change replaces them), so a copy may share them as long
// as its holder does not change them either.

// Connections returns (shallow) copies of the workspace's connections, sorted by id.
func (e *Engine) Connections(workspace string) []Connection {
	sp := e.view(workspace)
	out := make([]Connection, 0, len(sp.connections))
	for _, id := range slices.Sorted(maps.Keys(sp.connections)) {
		out = append(out, *sp.connections[id])
	}
	return out
}

// ConnectionIDs returns the ids of the workspace's connections, sorted.
func (e *Engine) ConnectionIDs(workspace string) []string {
	return slices.Sorted(maps.Keys(e.view(workspace).connections))
}

// Connection returns a (shallow) copy of one connection.
func (e *Engine) Connection(workspace, id string) (Connection, bool) {
	c, found := e.view(workspace).connections[id]
	if !found {
		return Connection{}, false
	}
	return *c, true
}

// HasConnection reports whether the workspace has the connection.
func (e *Engine) HasConnection(workspace, id string) bool {
	_, found := e.view(workspace).connections[id]
	return found
}

// CreateConnection stores a new connection, healthy (the engine keeps a copy); it refuses an id the
// workspace has (ErrConnectionExists).
func (e *Engine) CreateConnection(workspace string, c *Connection) error {
	sp := e.space(workspace)
	if _, exists := sp.connections[c.ID]; exists {
		return ErrConnectionExists
	}
	cc := copyConnection(c)
	cc.Status, cc.Errors = ConnectionHealthy, nil
	sp.connections[c.ID] = &cc
	return nil
}

// Unreachable returns why the connection's warehouse cannot be reached, if it cannot.
func (e *Engine) Unreachable(workspace, id string) (string, bool) {
	msg, down := e.view(workspace).unreachable[id]
	return msg, down
}

// UpdateConnection replaces a connection, keeping its creation; it refuses an unknown id
// (ErrNoConnection) and an unreachable warehouse (an *UnreachableError). The connection is healthy
// again, and so are the pipelines it faulted.
func (e *Engine) UpdateConnection(workspace string, c *Connection) error {
	sp := e.view(workspace)
	stored, found := sp.connections[c.ID]
	if !found {
		return ErrNoConnection
	}
	if msg, down := sp.unreachable[c.ID]; down {
		return &UnreachableError{Message: msg}
	}
	cc := copyConnection(c)
	cc.Status, cc.Errors = ConnectionHealthy, nil
	cc.CreatedOn, cc.CreatedBy = stored.CreatedOn, stored.CreatedBy
	sp.connections[c.ID] = &cc
	for _, p := range e.PipelinesUsing(workspace, c.ID, "") {
		e.ClearFault(workspace, p)
	}
	return nil
}

// DeleteConnection forgets a connection and its reachability; it refuses an unknown id
// (ErrNoConnection) and one that pipelines use (an *InUseError).
func (e *Engine) DeleteConnection(workspace, id string) error {
	sp := e.view(workspace)
	if _, found := sp.connections[id]; !found {
		return ErrNoConnection
	}
	if users := e.PipelinesUsing(workspace, id, ""); len(users) > 0 {
		return &InUseError{Kind: "connection", ID: id, Pipelines: users}
	}
	delete(sp.connections, id)
	delete(sp.unreachable, id)
	return nil
}

// SetConnectionUnreachable makes the connection's warehouse unreachable: it turns faulted with message,
// a PUT of it is refused, and runs of its pipelines fail. It refuses an unknown id (ErrNoConnection).
func (e *Engine) SetConnectionUnreachable(workspace, id, message string) error {
	sp := e.view(workspace)
	c, found := sp.connections[id]
	if !found {
		return ErrNoConnection
	}
	sp.unreachable[id] = message
	c.Status, c.Errors = ConnectionFaulted, []ErrorDetail{{Message: message}}
	return nil
}

// SetConnectionReachable makes the warehouse reachable again; the connection stays faulted until its
// next PUT. It refuses an unknown id (ErrNoConnection).
func (e *Engine) SetConnectionReachable(workspace, id string) error {
	sp := e.view(workspace)
	if _, found := sp.connections[id]; !found {
		return ErrNoConnection
	}
	delete(sp.unreachable, id)
	return nil
}

// DataModels returns (shallow) copies of the workspace's data models, sorted by id.
func (e *Engine) DataModels(workspace string) []DataModel {
	sp := e.view(workspace)
	out := make([]DataModel, 0, len(sp.models))
	for _, id := range slices.Sorted(maps.Keys(sp.models)) {
		out = append(out, *sp.models[id])
	}
	return out
}

// DataModelIDs returns the ids of the workspace's data models, sorted.
func (e *Engine) DataModelIDs(workspace string) []string {
	return slices.Sorted(maps.Keys(e.view(workspace).models))
}

// DataModel returns a (shallow) copy of one data model.
func (e *Engine) DataModel(workspace, id string) (DataModel, bool) {
	m, found := e.view(workspace).models[id]
	if !found {
		return DataModel{}, false
	}
	return *m, true
}

// HasDataModel reports whether the workspace has the data model.
func (e *Engine) HasDataModel(workspace, id string) bool {
	_, found := e.view(workspace).models[id]
	return found
}

// CreateDataModel stores a new data model, valid; it refuses an id the workspace has
// (ErrDataModelExists).
func (e *Engine) CreateDataModel(workspace string, m *DataModel) error {
	sp := e.space(workspace)
	if _, exists := sp.models[m.ID]; exists {
		return ErrDataModelExists
	}
	mm := copyDataModel(m)
	mm.Status, mm.Errors = DataModelValid, nil
	sp.models[m.ID] = &mm
	return nil
}

// UpdateDataModel replaces a data model, keeping its creation; it refuses an unknown id
// (ErrNoDataModel). A PUT fixes the model: it is valid again, and so are the pipelines it faulted.
func (e *Engine) UpdateDataModel(workspace string, m *DataModel) error {
	sp := e.view(workspace)
	stored, found := sp.models[m.ID]
	if !found {
		return ErrNoDataModel
	}
	delete(sp.invalid, m.ID)
	mm := copyDataModel(m)
	mm.Status, mm.Errors = DataModelValid, nil
	mm.CreatedOn, mm.CreatedBy = stored.CreatedOn, stored.CreatedBy
	sp.models[m.ID] = &mm
	for _, p := range e.PipelinesUsing(workspace, "", m.ID) {
		e.ClearFault(workspace, p)
	}
	return nil
}

// DeleteDataModel forgets a data model, its validity and its seeded records; it refuses an unknown id
// (ErrNoDataModel) and one that pipelines use (an *InUseError).
func (e *Engine) DeleteDataModel(workspace, id string) error {
	sp := e.view(workspace)
	if _, found := sp.models[id]; !found {
		return ErrNoDataModel
	}
	if users := e.PipelinesUsing(workspace, "", id); len(users) > 0 {
		return &InUseError{Kind: "data model", ID: id, Pipelines: users}
	}
	delete(sp.models, id)
	delete(sp.invalid, id)
	delete(sp.seeds, id)
	return nil
}

// SetDataModelInvalid makes the data model invalid with message: runs of its pipelines fail until a PUT
// of it or SetDataModelValid. It refuses an unknown id (ErrNoDataModel).
func (e *Engine) SetDataModelInvalid(workspace, id, message string) error {
	sp := e.view(workspace)
	m, found := sp.models[id]
	if !found {
		return ErrNoDataModel
	}
	sp.invalid[id] = message
	m.Status, m.Errors = DataModelInvalid, []ErrorDetail{{Message: message}}
	return nil
}

// SetDataModelValid makes the data model valid again. It refuses an unknown id (ErrNoDataModel).
func (e *Engine) SetDataModelValid(workspace, id string) error {
	sp := e.view(workspace)
	m, found := sp.models[id]
	if !found {
		return ErrNoDataModel
	}
	delete(sp.invalid, id)
	m.Status, m.Errors = DataModelValid, nil
	return nil
}

// SeedRows sets the rows runs of the data model count (the engine keeps rows; nil removes them). It
// refuses an unknown id (ErrNoDataModel).
func (e *Engine) SeedRows(workspace, id string, rows []map[string]any) error {
	sp := e.view(workspace)
	if _, found := sp.models[id]; !found {
		return ErrNoDataModel
	}
	if rows == nil {
		delete(sp.seeds, id)
		return nil
	}
	sp.seeds[id] = rowsSeed(rows)
	return nil
}

// UseSQL makes runs of the data model count rows of its query on db (nil: stop). It refuses an unknown
// id (ErrNoDataModel).
func (e *Engine) UseSQL(workspace, id string, db *sql.DB) error {
	sp := e.view(workspace)
	if _, found := sp.models[id]; !found {
		return ErrNoDataModel
	}
	if db == nil {
		delete(sp.seeds, id)
		return nil
	}
	sp.seeds[id] = seed{db: db}
	return nil
}

// SeededRows returns the rows seeded for the data model, and whether there are any (not a copy).
func (e *Engine) SeededRows(workspace, id string) ([]map[string]any, bool) {
	s, found := e.view(workspace).seeds[id]
	return s.rows, found && s.db == nil
}

// SetFieldTransformations sets the field transformation ids the workspace knows; nil: any id.
func (e *Engine) SetFieldTransformations(workspace string, ids []string) {
	e.space(workspace).transformations = idSet(ids)
}

// idSet is the set of ids; nil for nil ids (any id).
func idSet(ids []string) map[string]bool {
	if ids == nil {
		return nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// FieldTransformations returns the field transformation ids the workspace knows, sorted, and false
// when it accepts any id.
func (e *Engine) FieldTransformations(workspace string) ([]string, bool) {
	t := e.view(workspace).transformations
	if t == nil {
		return nil, false
	}
	return slices.Sorted(maps.Keys(t)), true
}

// KnowsFieldTransformation reports whether a pipeline of the workspace may name id.
func (e *Engine) KnowsFieldTransformation(workspace, id string) bool {
	t := e.view(workspace).transformations
	return t == nil || t[id]
}

// ForgetResources forgets the workspace's connections, data models, faults and records; its field
// transformations become known (ids; nil: any id).
func (e *Engine) ForgetResources(workspace string, transformations []string) {
	delete(e.spaces, workspace)
	if transformations != nil {
		e.SetFieldTransformations(workspace, transformations)
	}
}

// runFailure returns why a run of p fails now because of its connection (faulted or unreachable) or
// its data model (invalid); nil when both are healthy.
func (e *Engine) runFailure(p *pipe) []ErrorDetail {
	sp := e.spaces[p.key.workspace]
	if sp == nil {
		return nil
	}
	var errs []ErrorDetail
	if c, found := sp.connections[p.p.ConnectionID]; found && c.Status == ConnectionFaulted {
		errs = append(errs, c.Errors...)
	} else if msg, down := sp.unreachable[p.p.ConnectionID]; down {
		errs = append(errs, ErrorDetail{Message: msg})
	}
	if m, found := sp.models[p.p.DataModelID]; found && m.Status == DataModelInvalid {
		errs = append(errs, m.Errors...)
	}
	return errs
}

// source returns the records seeded for the pipeline's data model: its rows, or its query run on the
// test's database; nil when none were seeded.
func (e *Engine) source(p *pipe) Source {
	sp := e.spaces[p.key.workspace]
	if sp == nil {
		return nil
	}
	s, found := sp.seeds[p.p.DataModelID]
	switch {
	case !found:
		return nil
	case s.db != nil:
		m, found := sp.models[p.p.DataModelID]
		if !found {
			return nil
		}
		return SQL(s.db, m.Config.SQLQuery)
	default:
		return s.counts
	}
}
