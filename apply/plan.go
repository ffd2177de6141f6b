package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// Action is what a plan does to a resource.
type Action string

// The actions.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// Change is one step of a plan.
type Change struct {
	Ref    Ref
	Action Action
	// Source is the file that declares the resource ("" for a delete, or when unknown).
	Source string
	// Reason says why a delete is planned: the resource is not declared and is in the prune scope.
	Reason string
	// Fields are the declared fields of a create, the differing fields of an update (secrets that will
	// be sent among them, as Sensitive) and nothing for a delete.
	Fields []FieldDiff
	// body is what is sent: the resource to create, or the whole resource to update.
	body any
}

// Plan is what Apply will do, in execution order.
type Plan struct {
	Changes []Change
	// Unchanged lists the declared resources that need nothing, in dependency order.
	Unchanged []Ref
}

// HasChanges reports whether the plan changes anything.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 }

// Count returns how many changes of action a the plan holds.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Options change how a plan is made.
type Options struct {
	// Prune deletes the resources of the workspace that the desired state does not declare and that
	// are in scope: Scope joined with the Desired's own Scope. Prune with an empty scope is refused.
	Prune bool
	// Scope is what the desired state owns, beside what its files declare (Desired.Scope).
	Scope Scope
	// SendSecrets updates every existing connection that declares a secret value, so the secret is sent
	// even when nothing else changed (to rotate a password).
	SendSecrets bool
}

// MakePlan reads the workspace of c (one list request per kind) and compares it with d. It returns an
// error joining every *Error when d is refused; nothing has been changed then.
func MakePlan(ctx context.Context, c *ws.Client, d *Desired, opts Options) (*Plan, error) {
	if err := check(d); err != nil {
		return nil, err
	}
	actual, err := readState(ctx, c)
	if err != nil {
		return nil, err
	}
	return compare(d, actual, opts)
}

// Compare makes the plan that takes the workspace holding actual to d, without any request.
func Compare(d *Desired, actual *State, opts Options) (*Plan, error) {
	if err := check(d); err != nil {
		return nil, err
	}
	return compare(d, actual, opts)
}

// compare is Compare of a d that check has accepted.
func compare(d *Desired, actual *State, opts Options) (*Plan, error) {
	opts.Scope = opts.Scope.join(d.Scope)
	if opts.Prune && opts.Scope.empty() {
		return nil, errors.New("prune needs a scope, so that it deletes only what these files own: declare prune_scope: {id_prefixes: [...]} in a file, " +
			"or pass a prefix (wsync: --prune-prefix), or say the whole workspace (prune_scope: {all: true}, wsync: --prune-all)")
	}
	for _, prefix := range opts.Scope.IDPrefixes {
		if prefix == "" || !wire.ValidSlug(prefix) {
			return nil, fmt.Errorf("prune scope: id prefix %s: must be 1 to %d letters, digits, _ or -", safeKey(prefix), wire.MaxIDLength)
		}
	}
	if err := checkAgainst(d, actual, opts); err != nil {
		return nil, err
	}
	p := &Plan{}
	var deletes []Change
	var errs []error
	for _, k := range Kinds() {
		errs = append(errs, planKind(p, &deletes, k, k.Items(&d.State), k.Items(actual), d, opts))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.Reverse(deletes) // pipelines first
	p.Changes = append(p.Changes, deletes...)
	return p, nil
}

// planKind adds the creates and updates of one kind to p, and its deletes to deletes (in reverse id
// order, so that reversing all deletes yields dependency order and ascending ids).
func planKind(p *Plan, deletes *[]Change, k KindInfo, want, got []any, d *Desired, opts Options) error {
	kind := k.Kind
	stored := map[string]any{}
	for _, g := range got {
		if !isNil(g) {
			stored[k.ID(g)] = g
		}
	}
	sorted := slices.Clone(want)
	slices.SortFunc(sorted, func(a, b any) int { return cmp.Compare(k.ID(a), k.ID(b)) })
	declaredIDs := map[string]bool{}
	for _, w := range sorted {
		id := k.ID(w)
		declaredIDs[id] = true
		ref := Ref{kind, id}
		ch, err := planOne(ref, w, stored[id], d.Cleared[ref], opts)
		if err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
		if ch == nil {
			p.Unchanged = append(p.Unchanged, ref)
			continue
		}
		ch.Source = d.Sources[ref]
		p.Changes = append(p.Changes, *ch)
	}
	if !opts.Prune {
		return nil
	}
	ids := make([]string, 0, len(got))
	for _, g := range got {
		if id := k.ID(g); !isNil(g) && !declaredIDs[id] && opts.Scope.owns(id) != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	for _, id := range ids {
		*deletes = append(*deletes, Change{Ref: Ref{kind, id}, Action: ActionDelete,
			Reason: "not declared, and " + opts.Scope.owns(id)})
	}
	return nil
}

// planOne compares one declared resource with the stored one (nil when there is none), cleared being
// the fields declared empty; nil means no change.
func planOne(ref Ref, want, got any, cleared []string, opts Options) (*Change, error) {
	decl, err := declared(want)
	if err != nil {
		return nil, err
	}
	conn, isConn := want.(*ws.Connection)
	var secrets []FieldDiff
	if isConn {
		for _, path := range declaredSecrets(conn) {
			secrets = append(secrets, FieldDiff{Path: path, Sensitive: true})
		}
	}
	if isNil(got) {
		var fields []FieldDiff
		flatten("", decl, &fields)
		fields = sortFields(append(fields, secrets...))
		return &Change{Ref: ref, Action: ActionCreate, Fields: fields, body: want}, nil
	}
	stored, err := declared(got)
	if err != nil {
		return nil, err
	}
	var fields []FieldDiff
	diffDeclared(decl, stored, &fields)
	for _, path := range cleared {
		if v, has := lookupPath(stored, path); has {
			fields = append(fields, FieldDiff{Path: path, Old: jsonText(v), Cleared: true})
		}
	}
	if len(fields) == 0 && !(opts.SendSecrets && len(secrets) > 0) {
		return nil, nil
	}
	body, err := updateBody(want, got, cleared)
	if err != nil {
		return nil, err
	}
	return &Change{Ref: ref, Action: ActionUpdate, Fields: sortFields(append(fields, secrets...)), body: body}, nil
}

func sortFields(f []FieldDiff) []FieldDiff {
	slices.SortFunc(f, func(a, b FieldDiff) int { return cmp.Compare(a.Path, b.Path) })
	return f
}

// check refuses what can be seen without the workspace: missing, invalid and duplicate ids, and
// pipelines without a connection or data model.
func check(d *Desired) error {
	if d == nil {
		return errors.New("apply: the desired state is nil")
	}
	l := &errorList{sources: d.Sources, positions: d.positions}
	seen := map[Ref]bool{}
	checkIDs := func(kind Kind, ids []string, nils int) {
		if nils > 0 {
			l.add(Ref{kind, "(nil)"}, "", "%d nil entries", nils)
		}
		for i, id := range ids {
			ref := Ref{kind, id}
			// An invalid id is never printed (it may come from a variable that holds a secret): the
			// resource is named by its place among the declared ones of its kind.
			place := Ref{kind, "#" + strconv.Itoa(i+1)}
			if !wire.ValidSlug(id) {
				if l.display == nil {
					l.display = map[Ref]Ref{}
				}
				l.display[ref] = place
			}
			switch {
			case id == "":
				l.addAs(ref, place, "id", "is required")
			case !wire.ValidSlug(id):
				l.addAs(ref, place, "id", "must be 1 to %d letters, digits, _ or -", wire.MaxIDLength)
			case seen[ref] && len(d.again[ref]) > 0 && d.again[ref][0] != d.Sources[ref]:
				l.add(ref, "id", "is declared twice (again in %s)", strings.Join(d.again[ref], ", "))
			case seen[ref]:
				l.add(ref, "id", "is declared twice")
			}
			seen[ref] = true
		}
	}
	for _, k := range Kinds() {
		var ids []string
		nils := 0
		for _, r := range k.Items(&d.State) {
			if isNil(r) {
				nils++
				continue
			}
			ids = append(ids, k.ID(r))
		}
		checkIDs(k.Kind, ids, nils)
	}
	for _, c := range d.Connections {
		if c != nil && c.Config != nil && providerOf(c) == "" {
			l.add(Ref{KindConnection, c.ID}, "service_provider", "is required with a config: Snowflake, BigQuery, Redshift or Databricks")
		}
		if c == nil || c.Config == nil || c.ServiceProvider == "" {
			continue
		}
		if p := c.Config.ServiceProvider(); p != c.ServiceProvider {
			l.add(Ref{KindConnection, c.ID}, "service_provider", "is %s but the config is a %s config", safeKey(string(c.ServiceProvider)), safeKey(string(p)))
		}
	}
	validateCleared(l, d)
	for _, c := range d.Connections {
		if c != nil {
			validateConnection(l, c)
		}
	}
	for _, m := range d.DataModels {
		if m != nil {
			validateDataModel(l, m)
		}
	}
	for _, p := range d.Pipelines {
		if p == nil {
			continue
		}
		validatePipeline(l, p)
		if p.ConnectionID == "" {
			l.add(Ref{KindPipeline, p.ID}, "connection_id", "is required")
		}
		if p.DataModelID == "" {
			l.add(Ref{KindPipeline, p.ID}, "data_model_id", "is required")
		}
		// A reference the API could not hold is refused here, so that no message prints it.
		if p.ConnectionID != "" && !wire.ValidSlug(p.ConnectionID) {
			l.add(Ref{KindPipeline, p.ID}, "connection_id", "must be a connection's id: 1 to %d letters, digits, _ or -", wire.MaxIDLength)
		}
		if p.DataModelID != "" && !wire.ValidSlug(p.DataModelID) {
			l.add(Ref{KindPipeline, p.ID}, "data_model_id", "must be a data model's id: 1 to %d letters, digits, _ or -", wire.MaxIDLength)
		}
	}
	return l.err()
}

// isNil reports whether v is nil or a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// checkAgainst refuses what needs the workspace to see: dangling references, changes the API does not
// allow, and unchanged secrets of new connections.
func checkAgainst(d *Desired, actual *State, opts Options) error {
	l := &errorList{sources: d.Sources, positions: d.positions}
	storedConns := map[string]*ws.Connection{}
	for _, c := range actual.Connections {
		storedConns[c.ID] = c
	}
	storedPipes := map[string]*ws.Pipeline{}
	for _, p := range actual.Pipelines {
		storedPipes[p.ID] = p
	}
	storedModels := map[string]bool{}
	for _, m := range actual.DataModels {
		storedModels[m.ID] = true
	}
	wantConns, wantModels := map[string]bool{}, map[string]bool{}
	for _, c := range d.Connections {
		wantConns[c.ID] = true
		ref := Ref{KindConnection, c.ID}
		old, exists := storedConns[c.ID]
		if !exists {
			// The API creates only connections of the providers it lists; one it already holds may be
			// of a provider this module does not know (a config of unknown shape).
			if sp := providerOf(c); sp != "" && !wire.ServiceProvider.Has(string(sp)) {
				l.add(ref, "service_provider", "is not one of %s: a new connection must be of one of them", strings.Join(wire.ServiceProvider.Values(), ", "))
			}
			validateNew(l, c)
			for _, s := range secretsOf(c) {
				if s.val.IsMasked() {
					l.add(ref, s.path, "is declared unchanged (%s) but the connection does not exist yet; give the secret, for example ${ENV_VAR}", ws.MaskedSecret)
				}
			}
			continue
		}
		if want, have := providerOf(c), providerOf(old); want != "" && want != have {
			l.add(ref, "service_provider", "cannot change from %s to %s; declare a new connection instead", safeKey(string(have)), safeKey(string(want)))
		}
	}
	for _, m := range d.DataModels {
		wantModels[m.ID] = true
		if !storedModels[m.ID] {
			validateNew(l, m)
		}
	}
	for _, p := range d.Pipelines {
		ref := Ref{KindPipeline, p.ID}
		if storedPipes[p.ID] == nil {
			validateNew(l, p)
		}
		switch {
		case wantConns[p.ConnectionID]:
		case storedConns[p.ConnectionID] != nil && opts.Prune && opts.Scope.owns(p.ConnectionID) != "":
			l.add(ref, "connection_id", "names connection %s, which is not declared and would be pruned", p.ConnectionID)
		case storedConns[p.ConnectionID] == nil:
			l.add(ref, "connection_id", "names connection %s, which is neither declared nor in the workspace", p.ConnectionID)
		}
		switch {
		case wantModels[p.DataModelID]:
		case storedModels[p.DataModelID] && opts.Prune && opts.Scope.owns(p.DataModelID) != "":
			l.add(ref, "data_model_id", "names data model %s, which is not declared and would be pruned", p.DataModelID)
		case !storedModels[p.DataModelID]:
			l.add(ref, "data_model_id", "names data model %s, which is neither declared nor in the workspace", p.DataModelID)
		}
		if old := storedPipes[p.ID]; old != nil && !p.SyncMode.From.IsZero() && p.SyncMode.From.String() != old.SyncMode.From.String() {
			l.add(ref, "sync_mode.from", "cannot change after creation (stored %q, declared %q); delete the pipeline to recreate it",
				old.SyncMode.From.String(), p.SyncMode.From.String())
		}
	}
	return l.err()
}
