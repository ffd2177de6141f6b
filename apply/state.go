package apply

import (
	"errors"
	"fmt"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
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

// Desired is the state to reach, with where each resource was declared.
type Desired struct {
	State
	// Sources maps a resource to the file (or other origin) that declares it, for error messages; it
	// may be nil or incomplete.
	Sources map[Ref]string

	// again records the further sources of resources declared more than once, for Merge's callers.
	again map[Ref][]string
}

// Merge adds the resources of s, declared in source, to d.
func (d *Desired) Merge(s *State, source string) {
	if d.Sources == nil {
		d.Sources = map[Ref]string{}
	}
	for _, c := range s.Connections {
		d.Connections = append(d.Connections, c)
		d.note(Ref{KindConnection, idOf(c)}, source)
	}
	for _, m := range s.DataModels {
		d.DataModels = append(d.DataModels, m)
		d.note(Ref{KindDataModel, idOf(m)}, source)
	}
	for _, p := range s.Pipelines {
		d.Pipelines = append(d.Pipelines, p)
		d.note(Ref{KindPipeline, idOf(p)}, source)
	}
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

// idOf returns the id of a resource, "" for nil.
func idOf(v any) string {
	switch r := v.(type) {
	case *ws.Connection:
		if r != nil {
			return r.ID
		}
	case *ws.DataModel:
		if r != nil {
			return r.ID
		}
	case *ws.Pipeline:
		if r != nil {
			return r.ID
		}
	}
	return ""
}

// Error is a refusal of a desired state: the file, the resource, the field and the rule.
type Error struct {
	File     string // "" when unknown
	Resource Ref
	Field    string // a dotted JSON path such as "sync_mode.from"; "" for the whole resource
	Rule     string
}

// Error returns "apply.yaml: pipeline p1: sync_mode.from: cannot change …".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	b.WriteString(e.Resource.String())
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Rule)
	return b.String()
}

// ErrInvalid is matched (errors.Is) by every *Error.
var ErrInvalid = errors.New("invalid desired state")

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// errorList collects refusals.
type errorList struct {
	sources map[Ref]string
	errs    []error
}

func (l *errorList) add(r Ref, field, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.sources[r], Resource: r, Field: field, Rule: fmt.Sprintf(format, args...)})
}

func (l *errorList) err() error { return errors.Join(l.errs...) }
