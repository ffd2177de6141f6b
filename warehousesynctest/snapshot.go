package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// SnapshotFormat and SnapshotVersion name the document Server.Snapshot writes. Restore reads every
// version up to SnapshotVersion and refuses newer ones.
const (
	SnapshotFormat  = "warehousesync-fake-snapshot"
	SnapshotVersion = 1
)

// ErrInvalidSnapshot is wrapped by every error of Restore and WithSnapshot about the document: corrupt,
// of another format, of a newer version, or breaking a rule of the fake.
var ErrInvalidSnapshot = errors.New("invalid snapshot")

// snapshotDoc is the document of Snapshot; docs/snapshots.md describes it.
type snapshotDoc struct {
	Format     string         `json:"format"`
	Version    int            `json:"version"`
	Engine     engine.State   `json:"engine"`
	Workspaces []workspaceDoc `json:"workspaces"`
	Faults     []faultDoc     `json:"faults"`
}

// workspaceDoc is one workspace of a snapshot: its resources besides the pipelines (engine.Resources).
type workspaceDoc struct {
	ID          string              `json:"id"`
	Connections []engine.Connection `json:"connections"` // as GET shows them: secrets masked
	DataModels  []engine.DataModel  `json:"data_models"`
	// Unreachable and Invalid are the faults of SetConnectionUnreachable and SetDataModelInvalid: id → message.
	Unreachable map[string]string `json:"unreachable_connections,omitempty"`
	Invalid     map[string]string `json:"invalid_data_models,omitempty"`
	// FieldTransformations is absent when any id is accepted.
	FieldTransformations *[]string `json:"field_transformations,omitempty"`
	// Records are the rows seeded with SeedRecords, by data model id.
	Records map[string][]map[string]any `json:"records,omitempty"`
	// SQLSources names the data models that read a database (UseSQLSource): a database is not written,
	// and a restored model has no records until UseSQLSource is called again.
	SQLSources []string `json:"sql_sources,omitempty"`
}

// faultDoc is an installed HTTP fault: what was injected, how many uses it has left (0: unlimited) and
// how many requests it applied to.
type faultDoc struct {
	Method         string `json:"method,omitempty"`
	Path           string `json:"path"`
	Workspace      string `json:"workspace,omitempty"`
	Status         int    `json:"status,omitempty"`
	RetryAfter     string `json:"retry_after,omitempty"`
	RateLimitScope string `json:"rate_limit_scope,omitempty"`
	Times          int    `json:"times,omitempty"`
	Latency        string `json:"latency,omitempty"`
	ApplyThenFail  bool   `json:"apply_then_fail,omitempty"`
	Optional       bool   `json:"optional,omitempty"`
	Left           int    `json:"left,omitempty"`
	Fired          int    `json:"fired,omitempty"`
}

// Snapshot returns the server's whole state as a versioned JSON document (SnapshotFormat,
// SnapshotVersion; the module's docs/snapshots.md describes it): the clock's time, every workspace's
// connections, data models, pipelines and runs with what the engine remembers to schedule them, their
// pending events, the faults made with the Workspace methods, seeded records, and the installed HTTP
// faults. Restore, or WithSnapshot, brings it back.
//
// A snapshot is meant to be committed as a fixture, so it never holds a secret: connection secrets are
// written masked (warehousesync.MaskedSecret when set, "" when not), and issued tokens, the request log
// and the server's options are not part of it. It fails only when seeded rows cannot be written as JSON.
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Server) snapshotLocked() ([]byte, error) {
	doc := snapshotDoc{Format: SnapshotFormat, Version: SnapshotVersion, Engine: s.eng.Snapshot(),
		Workspaces: []workspaceDoc{}, Faults: []faultDoc{}}
	for _, id := range sortedKeys(s.workspaces) {
		r := s.eng.Resources(id)
		wd := workspaceDoc{ID: id, Connections: r.Connections, DataModels: r.DataModels,
			Unreachable: r.Unreachable, Invalid: r.Invalid, Records: r.Records, SQLSources: r.SQLSources}
		if r.FieldTransformations != nil {
			wd.FieldTransformations = &r.FieldTransformations
		}
		doc.Workspaces = append(doc.Workspaces, wd)
	}
	for _, f := range s.faults {
		doc.Faults = append(doc.Faults, faultDoc{Method: f.Method, Path: f.Path, Workspace: f.Workspace,
			Status: f.Status, RetryAfter: durationString(f.RetryAfter), RateLimitScope: f.RateLimitScope,
			Times: f.Times, Latency: durationString(f.Latency), ApplyThenFail: f.ApplyThenFail,
			Optional: f.Optional, Left: f.left, Fired: f.fired})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("snapshot: seeded records must be JSON values: %w", err)
	}
	return append(b, '\n'), nil
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// Restore replaces the server's state with a snapshot (see Snapshot). It is all or nothing: a corrupt
// document, one of another format or of a newer version, or one that breaks a rule of the fake (every
// error names the field and the rule) leaves the server unchanged. The clock shows the snapshot's time
// (a real-time clock never goes backwards: it waits for the wall clock to pass that time, then goes on
// from there). Issued tokens, the request log and the options stay the server's own.
//
// A restored connection's secrets are the mask the snapshot holds: reads look as before, a PUT that
// sends the mask keeps it, and a PUT with a real value replaces it. A data model that read a database
// has no records until UseSQLSource is called again.
func (s *Server) Restore(data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restoreLocked(data)
}

func (s *Server) restoreLocked(data []byte) error {
	if err := s.restoreDocLocked(data); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSnapshot, err)
	}
	return nil
}

func (s *Server) restoreDocLocked(data []byte) error {
	doc, err := decodeSnapshot(data, s.cfg.budgets.MaxStoredBytes)
	if err != nil {
		return err
	}
	workspaces := make(map[string]*workspace, len(doc.Workspaces))
	resources := make(map[string]engine.Resources, len(doc.Workspaces))
	for i := range doc.Workspaces {
		wd := &doc.Workspaces[i]
		r, err := restoreWorkspace(wd)
		if err != nil {
			return fmt.Errorf("workspaces[%d]: %w", i, err)
		}
		if workspaces[wd.ID] != nil {
			return fmt.Errorf("workspaces[%d]: workspace %q appears twice", i, wd.ID)
		}
		workspaces[wd.ID], resources[wd.ID] = &workspace{cost: map[string]int64{}}, r
	}
	// The workspaces the server was started to serve stay served, empty when the snapshot lacks them;
	// the snapshot's own workspaces are served too, within the workspace budget.
	for _, id := range s.cfg.knownWorkspaces() {
		if workspaces[id] == nil {
			workspaces[id] = &workspace{cost: map[string]int64{}}
			resources[id] = engine.Resources{FieldTransformations: s.cfg.transformations}
		}
	}
	if n, limit := len(workspaces), s.cfg.budgets.MaxWorkspaces; n > limit {
		return errors.New(budgetMessage(fmt.Sprintf("workspaces: %d workspaces", n), "MaxWorkspaces", int64(limit)))
	}
	stored, err := s.chargeRestoredLocked(doc, workspaces, resources)
	if err != nil {
		return err
	}
	if n, limit := len(doc.Faults), s.cfg.budgets.MaxFaults; n > limit {
		return errors.New(budgetMessage(fmt.Sprintf("faults: %d faults", n), "MaxFaults", int64(limit)))
	}
	faults := make([]*faultState, 0, len(doc.Faults))
	for i, fd := range doc.Faults {
		f, err := restoreFault(fd)
		if err != nil {
			return fmt.Errorf("faults[%d]: %w", i, err)
		}
		faults = append(faults, f)
	}
	// The engine's restore is the last step that can fail, and it changes nothing when it does.
	if err := s.eng.RestoreAll(doc.Engine, resources); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	s.workspaces, s.faults, s.stored = workspaces, faults, stored
	s.clock.restored()
	return nil
}

// decodeSnapshot reads a document strictly, in one pass; only when that fails does it read the format
// and version alone, so that a newer or foreign document gets that error rather than its first
// unknown field.
func decodeSnapshot(data []byte, maxStored int64) (*snapshotDoc, error) {
	if err := precheckSnapshot(data, maxStored); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // seeded numbers stay exact
	dec.DisallowUnknownFields()
	var doc snapshotDoc
	err := dec.Decode(&doc)
	if err == nil && dec.More() {
		err = errors.New("data after the document")
	}
	if err == nil && doc.Format == SnapshotFormat && doc.Version == SnapshotVersion {
		return &doc, nil
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if headErr := json.Unmarshal(data, &head); headErr != nil {
		return nil, fmt.Errorf("not a JSON object: %s", jsonProblem(headErr))
	}
	switch {
	case head.Format != SnapshotFormat:
		return nil, fmt.Errorf("format: must be %q, got %q", SnapshotFormat, truncate(head.Format, 60))
	case head.Version > SnapshotVersion:
		return nil, fmt.Errorf("version %d is newer than this fake reads (up to %d): use a newer "+
			"github.com/wsync-dev/warehousesync", head.Version, SnapshotVersion)
	case head.Version < 1:
		return nil, fmt.Errorf("version: must be 1 or more, got %d", head.Version)
	}
	if err == nil {
		return nil, fmt.Errorf("version %d cannot be read", head.Version)
	}
	return nil, errors.New(jsonProblem(err))
}

// chargeRestoredLocked gives each restored workspace its costs against the budgets, as the API and the
// admin endpoints charge them (a resource its JSON's size, seeded records their estimated memory), and
// returns their total; it refuses a snapshot over MaxResources in a workspace or MaxStoredBytes in all.
// Without it a restore stored anything a 64 MiB document decodes to, uncounted, and kept the count of
// the state it replaced, so later creates were refused or admitted by the old state's size.
func (s *Server) chargeRestoredLocked(doc *snapshotDoc, workspaces map[string]*workspace,
	resources map[string]engine.Resources) (int64, error) {
	b := s.cfg.budgets
	pipelines := map[string]map[string]int64{} // workspace → pipeline id → its JSON's size
	for _, p := range doc.Engine.Pipelines {
		if pipelines[p.Workspace] == nil {
			pipelines[p.Workspace] = map[string]int64{}
		}
		spec, _ := json.Marshal(p.Pipeline)
		pipelines[p.Workspace][p.Pipeline.ID] = int64(len(spec))
	}
	var stored int64
	for _, id := range sortedKeys(workspaces) {
		w, r := workspaces[id], resources[id]
		w.cost = map[string]int64{}
		for _, c := range r.Connections {
			size, _ := json.Marshal(c)
			w.cost[resourceKey(kindConnection, c.ID)] = int64(len(size))
		}
		for _, m := range r.DataModels {
			size, _ := json.Marshal(m)
			w.cost[resourceKey(kindDataModel, m.ID)] = int64(len(size))
		}
		for pid, size := range pipelines[id] {
			w.cost[resourceKey(kindPipeline, pid)] = size
		}
		if n := len(r.Connections) + len(r.DataModels) + len(pipelines[id]); n > b.MaxResources {
			return 0, errors.New(budgetMessage(fmt.Sprintf("workspace %s: %d connections, data models and pipelines", id, n),
				"MaxResources", int64(b.MaxResources)))
		}
		for mid, rows := range r.Records {
			w.cost[recordsKey(mid)] = recordsCost(rows)
		}
		for _, c := range w.cost {
			stored += c
		}
	}
	if stored > b.MaxStoredBytes {
		return 0, errors.New(budgetMessage(fmt.Sprintf("storing %d bytes of resources and records", stored),
			"MaxStoredBytes", b.MaxStoredBytes))
	}
	return stored, nil
}

// precheckSnapshot reads what a document of this format and version holds that the strict decoding
// cannot judge, before it decodes the document: its seeded records, which must fit maxStored once
// decoded (60 MiB of "{}," rows decode to 1.2 GiB, so they are measured token by token first), and its
// connections, whose members and config keys must be the API's (a connection decodes its config by its
// own rules, which take any key: an upper-case or misspelt secret key was restored silently and
// dropped). Another format or version is left to decodeSnapshot's own errors.
func precheckSnapshot(data []byte, maxStored int64) error {
	var doc struct {
		Format     string `json:"format"`
		Version    int    `json:"version"`
		Workspaces []struct {
			Connections []json.RawMessage          `json:"connections"`
			Records     map[string]json.RawMessage `json:"records"`
		} `json:"workspaces"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Format != SnapshotFormat || doc.Version != SnapshotVersion {
		return nil
	}
	sh := bodyShapes()["POST connections"]
	left := maxStored
	for i, w := range doc.Workspaces {
		for j, c := range w.Connections {
			if unknown, _ := checkBody(c, sh, 0); len(unknown) > 0 {
				return fmt.Errorf("workspaces[%d].connections[%d]: %s", i, j, unknown[0])
			}
		}
		for _, id := range sortedKeys(w.Records) {
			n, fits := jsonCost(w.Records[id], left)
			if !fits {
				return errors.New(budgetMessage(fmt.Sprintf("workspaces[%d].records: more than %d bytes once decoded", i, maxStored),
					"MaxStoredBytes", maxStored))
			}
			left -= n
		}
	}
	return nil
}

// restoreWorkspace checks one workspace of a snapshot and returns its resources.
func restoreWorkspace(wd *workspaceDoc) (engine.Resources, error) {
	var none engine.Resources
	if !validSlug(wd.ID) {
		return none, fmt.Errorf("id: %q is not a valid workspace id", truncate(wd.ID, 40))
	}
	r := engine.Resources{Unreachable: wd.Unreachable, Invalid: wd.Invalid, Records: wd.Records}
	seen := map[string]bool{}
	for i, c := range wd.Connections {
		where := fmt.Sprintf("connections[%d]", i)
		switch _, known := wire.LookupProvider(c.ServiceProvider); {
		case !validSlug(c.ID):
			return none, fmt.Errorf("%s.id: %q is not a valid id", where, truncate(c.ID, 40))
		case seen[c.ID]:
			return none, fmt.Errorf("%s.id: connection %q appears twice", where, c.ID)
		case !known || c.Config == nil:
			return none, fmt.Errorf("%s: service_provider %q needs a config of its kind", where, truncate(c.ServiceProvider, 40))
		}
		seen[c.ID] = true
		r.Connections = append(r.Connections, c)
	}
	seen = map[string]bool{}
	for i, m := range wd.DataModels {
		if !validSlug(m.ID) {
			return none, fmt.Errorf("data_models[%d].id: %q is not a valid id", i, truncate(m.ID, 40))
		}
		if seen[m.ID] {
			return none, fmt.Errorf("data_models[%d].id: data model %q appears twice", i, m.ID)
		}
		seen[m.ID] = true
		r.DataModels = append(r.DataModels, m)
	}
	if wd.FieldTransformations != nil {
		r.FieldTransformations = []string{}
		for _, id := range *wd.FieldTransformations {
			if !validSlug(id) {
				return none, fmt.Errorf("field_transformations: %q is not a valid id", truncate(id, 40))
			}
			r.FieldTransformations = append(r.FieldTransformations, id)
		}
	}
	for id, rows := range wd.Records {
		if rows == nil {
			return none, fmt.Errorf("records.%s: must be a list of rows", truncate(id, 40))
		}
	}
	return r, nil
}

// restoreFault checks and builds one installed fault.
func restoreFault(fd faultDoc) (*faultState, error) {
	f := Fault{Method: fd.Method, Path: fd.Path, Workspace: fd.Workspace, Status: fd.Status,
		RateLimitScope: fd.RateLimitScope, Times: fd.Times, ApplyThenFail: fd.ApplyThenFail, Optional: fd.Optional}
	for _, d := range []struct {
		field string
		s     string
		dst   *time.Duration
	}{{"retry_after", fd.RetryAfter, &f.RetryAfter}, {"latency", fd.Latency, &f.Latency}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a duration such as 2s", d.field, truncate(d.s, 40))
		}
		*d.dst = v
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	if fd.Left < 0 || fd.Fired < 0 || (f.Times > 0 && (fd.Left < 1 || fd.Left > f.Times)) || (f.Times == 0 && fd.Left != 0) {
		return nil, fmt.Errorf("left and fired: left must be between 1 and times (0 when times is 0), fired not negative; got left %d, fired %d", fd.Left, fd.Fired)
	}
	return &faultState{Fault: f, left: fd.Left, fired: fd.Fired}, nil
}

// WithSnapshot starts the server from a snapshot (see Snapshot and Restore); Start fails when the
// snapshot cannot be restored.
func WithSnapshot(data []byte) Option {
	return func(c *config) { c.state.snapshot = data }
}

// WithPersist calls save with a snapshot of the whole state after every request that changed it and is
// answered 2xx (an API or admin write), before the answer is sent; the binary writes it to its -state
// file. Saves are made one at a time, each with a snapshot taken after the change it follows, so the
// last save holds every acknowledged change. When save fails the client gets a 500 that says the
// change was made but not saved.
func WithPersist(save func(snapshot []byte) error) Option {
	return func(c *config) { c.state.persist = &persister{save: save} }
}

// stateConfig is what WithSnapshot and WithPersist set.
type stateConfig struct {
	snapshot []byte     // nil: start empty
	persist  *persister // nil: nothing is saved
}

// persister saves snapshots one at a time.
type persister struct {
	mu   sync.Mutex
	save func([]byte) error
}

// persisted saves the state after a request with method that is about to be answered rep, when it
// was a write that succeeded, and returns the reply to send.
func (s *Server) persisted(method string, rep reply) reply {
	if !s.willPersist(method, rep) {
		return rep
	}
	p := s.cfg.state.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	data, err := s.Snapshot()
	if err == nil {
		err = p.save(data)
	}
	if err != nil {
		return errReply(http.StatusInternalServerError, "The change was made but the fake could not save its state: "+err.Error())
	}
	return rep
}

// willPersist reports whether persisted saves the state before answering rep to a request of method:
// an acknowledged change of a server that persists its state.
func (s *Server) willPersist(method string, rep reply) bool {
	return s.cfg.state.persist != nil && method != http.MethodGet && method != http.MethodHead &&
		rep.status >= 200 && rep.status <= 299
}

// adminGetState serves GET /_fake/state: a snapshot of the whole state.
func adminGetState(s *Server, _ *adminCall) reply {
	data, err := s.Snapshot()
	if err != nil {
		return errReply(http.StatusInternalServerError, err.Error())
	}
	return reply{status: http.StatusOK, raw: data, contentType: "application/json"}
}

// adminPutState serves PUT /_fake/state: restore a snapshot, all or nothing.
func adminPutState(s *Server, c *adminCall) reply {
	if err := s.Restore(c.body); err != nil {
		return badRequest(err.Error())
	}
	return noContent()
}

// startFromSnapshot restores WithSnapshot's document into a server being started.
func (s *Server) startFromSnapshot() error {
	if s.cfg.state.snapshot == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restoreLocked(s.cfg.state.snapshot)
}
