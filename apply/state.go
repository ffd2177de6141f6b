package apply

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// Kind is a kind of resource.
type Kind string

// The kinds of resources, in dependency order.
const (
	KindConnection Kind = "connection"
	KindDataModel  Kind = "data_model"
	KindPipeline   Kind = "pipeline"
)

// Ref names one resource.
type Ref struct {
	Kind Kind
	ID   string
}

// String returns "pipeline p1".
func (r Ref) String() string { return string(r.Kind) + " " + r.ID }

// State is a set of resources: a desired state, or what a workspace holds. Its JSON (and YAML) form is
// the apply file: {"connections": […], "data_models": […], "pipelines": […]}.
type State struct {
	Connections []*ws.Connection `json:"connections,omitempty"`
	DataModels  []*ws.DataModel  `json:"data_models,omitempty"`
	Pipelines   []*ws.Pipeline   `json:"pipelines,omitempty"`
}

// Scope is what a desired state owns in a workspace: what Options.Prune may delete when it is not
// declared. In an apply file it is the top-level key prune_scope.
type Scope struct {
	// IDPrefixes owns every resource whose id starts with one of them.
	IDPrefixes []string `json:"id_prefixes,omitempty"`
	// All owns every resource of the workspace, whoever created it.
	All bool `json:"all,omitempty"`
}

func (s Scope) empty() bool { return !s.All && len(s.IDPrefixes) == 0 }

// join is the union of s and o.
func (s Scope) join(o Scope) Scope {
	out := Scope{All: s.All || o.All}
	for _, p := range append(slices.Clone(s.IDPrefixes), o.IDPrefixes...) {
		if !slices.Contains(out.IDPrefixes, p) {
			out.IDPrefixes = append(out.IDPrefixes, p)
		}
	}
	return out
}

// owns returns why the resource id is in s ("" when it is not), for a plan's reasons.
func (s Scope) owns(id string) string {
	for _, p := range s.IDPrefixes {
		if p != "" && strings.HasPrefix(id, p) {
			return fmt.Sprintf("its id starts with %q, a prefix of the prune scope", p)
		}
	}
	if s.All {
		return "the prune scope is the whole workspace"
	}
	return ""
}

// Desired is the state to reach, with where each resource was declared.
type Desired struct {
	State
	// Scope is what the desired state owns: what Options.Prune may delete when it is not declared.
	Scope Scope
	// Cleared lists, for a declared resource, the fields it declares empty (null or "" in a file): an
	// update clears them on the server when they hold a value. A field merely left out is not
	// declared and keeps its stored value. Only optional fields can be cleared (Validate says which).
	Cleared map[Ref][]string
	// References maps, for resources read by a Loader, a field written as one ${NAME} reference to
	// NAME, so that an export can name the same variables.
	References map[Ref]map[string]string
	// Sources maps a resource to the file (or other origin) that declares it, for error messages; it
	// may be nil or incomplete.
	Sources map[Ref]string

	// again records the further sources of resources declared more than once, for Merge's callers.
	again map[Ref][]string
	// positions holds, for resources read by a Loader, the position of each field in its file ("" is
	// the resource's own), for error messages.
	positions map[Ref]map[string]Pos
}

// Merge adds the resources of s, declared in source, to d.
func (d *Desired) Merge(s *State, source string) {
	if d.Sources == nil {
		d.Sources = map[Ref]string{}
	}
	for _, k := range Kinds() {
		for _, r := range k.Items(s) {
			k.Add(&d.State, r)
			d.note(Ref{k.Kind, k.ID(r)}, source)
		}
	}
}

// Clear declares the fields of r (dotted JSON paths such as "data_plan_id" or "schedule.end")
// empty: a plan clears them on the server.
func (d *Desired) Clear(r Ref, fields ...string) {
	if d.Cleared == nil {
		d.Cleared = map[Ref][]string{}
	}
	for _, f := range fields {
		if !slices.Contains(d.Cleared[r], f) {
			d.Cleared[r] = append(d.Cleared[r], f)
		}
	}
}

// merge is Merge with the positions of the resources' fields in source.
func (d *Desired) merge(s *State, source string, positions map[Ref]map[string]Pos) {
	if d.positions == nil {
		d.positions = map[Ref]map[string]Pos{}
	}
	for r, p := range positions {
		if _, seen := d.positions[r]; !seen {
			d.positions[r] = p
		}
	}
	d.Merge(s, source)
}

// note records source for r unless r already has one (a duplicate keeps the first, and the check for
// duplicates names both).
func (d *Desired) note(r Ref, source string) {
	if _, seen := d.Sources[r]; !seen {
		if source != "" {
			d.Sources[r] = source
		}
		return
	}
	if d.again == nil {
		d.again = map[Ref][]string{}
	}
	if len(d.again[r]) < 10 {
		d.again[r] = append(d.again[r], source)
	}
}

// idOf returns the id of a resource of any kind, "" for nil.
func idOf(v any) string {
	if k, err := kindOfValue(v); err == nil {
		return k.ID(v)
	}
	return ""
}

// Error is a refusal of a desired state: the file and the position in it, the resource, the field and
// the rule. It never holds a value of the file: a value can be a secret.
type Error struct {
	File     string // "" when unknown
	Pos      Pos    // the position in File; zero when unknown
	Resource Ref    // zero for an error of the file as a whole
	Field    string // a dotted JSON path such as "sync_mode.from"; "" for the whole resource
	Rule     string
}

// Error returns "apply.yaml:12:7: pipeline p1: sync_mode.from: cannot change …". Every part is
// printed as SafeText prints it, whoever built the Error: a file name, id or key from outside cannot
// rewrite the terminal, and a key or id longer than 80 characters is cut.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(safeText(e.File))
		if p := e.Pos.String(); p != "" {
			b.WriteString(":" + p)
		}
		b.WriteString(": ")
	}
	if e.Resource.Kind != "" {
		b.WriteString(safeText(string(e.Resource.Kind)) + " " + printableID(e.Resource.ID) + ": ")
	}
	if e.Field != "" {
		parts := strings.Split(e.Field, ".")
		for i, p := range parts {
			parts[i] = safeName(p)
		}
		b.WriteString(strings.Join(parts, ".") + ": ")
	}
	b.WriteString(safeText(e.Rule))
	return b.String()
}

// placeID matches how an Error names a resource whose id is missing or invalid: by its place (#2) or
// as (nil).
var placeID = regexp.MustCompile(`^(#[0-9]{1,9}|\(nil\))$`)

// printableID is a resource's id as an Error prints it: an allowlist of a valid id or a place; any
// other text (it may have come from a variable that holds a secret) prints as "(invalid id)".
func printableID(id string) string {
	if wire.ValidSlug(id) || placeID.MatchString(id) {
		return id
	}
	return "(invalid id)"
}

// maxName bounds a key or an id as an error prints it, in characters.
const maxName = 80

// safeName is a key or id as an error prints it: escaped, and cut after maxName characters (an id
// of the API is at most 128 letters, digits, _ or -, printed whole).
func safeName(s string) string {
	if wire.ValidSlug(s) {
		return s
	}
	if r := []rune(s); len(r) > maxName {
		s = string(r[:maxName-1]) + "…"
	}
	return safeText(s)
}

// ErrInvalid is matched (errors.Is) by every *Error.
var ErrInvalid = errors.New("invalid desired state")

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// errorList collects refusals.
type errorList struct {
	sources   map[Ref]string
	positions map[Ref]map[string]Pos
	// display names a resource whose id is invalid by its place (#2) in every error about it.
	display map[Ref]Ref
	errs    []error
}

func (l *errorList) add(r Ref, field, format string, args ...any) {
	display := r
	if d, known := l.display[r]; known {
		display = d
	}
	l.addAs(r, display, field, format, args...)
}

// addAs adds an error about the resource r, shown as display (an invalid id is shown quoted).
func (l *errorList) addAs(r, display Ref, field, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.sources[r], Pos: l.posOf(r, field), Resource: display, Field: field, Rule: fmt.Sprintf(format, args...)})
}

// posOf is the position of field of r: the field's own, else its nearest parent's, else the resource's.
func (l *errorList) posOf(r Ref, field string) Pos {
	fields := l.positions[r]
	for {
		if p, known := fields[field]; known {
			return p
		}
		if field == "" {
			return Pos{}
		}
		i := strings.LastIndexByte(field, '.')
		if i < 0 {
			field = ""
		} else {
			field = field[:i]
		}
	}
}

func (l *errorList) err() error { return errors.Join(l.errs...) }
