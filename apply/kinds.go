package apply

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
)

// KindInfo is everything the package knows of one kind of resource: its names, its Go type, where it
// sits in a State and an apply file, and how to list, read, create, update and delete it. Kinds lists
// them in dependency order; adding a kind is adding one entry there (and its checks in validate.go).
type KindInfo struct {
	// Kind is the kind's name in Refs and messages: "data_model".
	Kind Kind
	// FileKey is the apply file's top-level key (and the State's JSON key): "data_models".
	FileKey string
	// Aliases are the other names a command line may use for it: "models", "data-models".
	Aliases []string
	// Type is the Go type of its resources (the pointer's element): ws.DataModel.
	Type reflect.Type

	id     func(v any) string
	items  func(s *State) []any
	add    func(s *State, v any)
	list   func(ctx context.Context, c *ws.Client) ([]any, error)
	get    func(ctx context.Context, c *ws.Client, id string) (any, error)
	create func(ctx context.Context, c *ws.Client, v any) error
	update func(ctx context.Context, c *ws.Client, v any) error
	remove func(ctx context.Context, c *ws.Client, id string) error
}

// kindOf builds the KindInfo of the resources *T.
func kindOf[T any](kind Kind, fileKey string, aliases []string, id func(*T) string, field func(*State) *[]*T,
	list func(context.Context, *ws.Client) ([]*T, error), get func(context.Context, *ws.Client, string) (*T, error),
	create, update func(context.Context, *ws.Client, *T) (*T, error), remove func(context.Context, *ws.Client, string) error) KindInfo {
	return KindInfo{
		Kind: kind, FileKey: fileKey, Aliases: aliases, Type: reflect.TypeFor[T](),
		id: func(v any) string {
			if r, ok := v.(*T); ok && r != nil {
				return id(r)
			}
			return ""
		},
		items: func(s *State) []any {
			out := make([]any, 0, len(*field(s)))
			for _, r := range *field(s) {
				out = append(out, r)
			}
			return out
		},
		add: func(s *State, v any) { *field(s) = append(*field(s), v.(*T)) },
		list: func(ctx context.Context, c *ws.Client) ([]any, error) {
			rs, err := list(ctx, c)
			out := make([]any, 0, len(rs))
			for _, r := range rs {
				out = append(out, r)
			}
			return out, err
		},
		get: func(ctx context.Context, c *ws.Client, id string) (any, error) { return get(ctx, c, id) },
		create: func(ctx context.Context, c *ws.Client, v any) error {
			_, err := create(ctx, c, v.(*T))
			return err
		},
		update: func(ctx context.Context, c *ws.Client, v any) error {
			_, err := update(ctx, c, v.(*T))
			return err
		},
		remove: remove,
	}
}

// Kinds returns every kind, in dependency order: connections, data models, pipelines.
func Kinds() []KindInfo {
	return []KindInfo{
		kindOf(KindConnection, "connections", []string{"connection", "conn", "conns"},
			func(r *ws.Connection) string { return r.ID },
			func(s *State) *[]*ws.Connection { return &s.Connections },
			func(ctx context.Context, c *ws.Client) ([]*ws.Connection, error) { return c.Connections.List(ctx, nil) },
			func(ctx context.Context, c *ws.Client, id string) (*ws.Connection, error) {
				return c.Connections.Get(ctx, id)
			},
			func(ctx context.Context, c *ws.Client, r *ws.Connection) (*ws.Connection, error) {
				return c.Connections.Create(ctx, r)
			},
			func(ctx context.Context, c *ws.Client, r *ws.Connection) (*ws.Connection, error) {
				return c.Connections.Update(ctx, r)
			},
			func(ctx context.Context, c *ws.Client, id string) error { return c.Connections.Delete(ctx, id) }),
		kindOf(KindDataModel, "data_models", []string{"data_model", "data-models", "data-model", "models", "model"},
			func(r *ws.DataModel) string { return r.ID },
			func(s *State) *[]*ws.DataModel { return &s.DataModels },
			func(ctx context.Context, c *ws.Client) ([]*ws.DataModel, error) { return c.DataModels.List(ctx, nil) },
			func(ctx context.Context, c *ws.Client, id string) (*ws.DataModel, error) {
				return c.DataModels.Get(ctx, id)
			},
			func(ctx context.Context, c *ws.Client, r *ws.DataModel) (*ws.DataModel, error) {
				return c.DataModels.Create(ctx, r)
			},
			func(ctx context.Context, c *ws.Client, r *ws.DataModel) (*ws.DataModel, error) {
				return c.DataModels.Update(ctx, r)
			},
			func(ctx context.Context, c *ws.Client, id string) error { return c.DataModels.Delete(ctx, id) }),
		kindOf(KindPipeline, "pipelines", []string{"pipeline", "pipe", "pipes"},
			func(r *ws.Pipeline) string { return r.ID },
			func(s *State) *[]*ws.Pipeline { return &s.Pipelines },
			func(ctx context.Context, c *ws.Client) ([]*ws.Pipeline, error) { return c.Pipelines.List(ctx, nil) },
			func(ctx context.Context, c *ws.Client, id string) (*ws.Pipeline, error) {
				return c.Pipelines.Get(ctx, id)
			},
			func(ctx context.Context, c *ws.Client, r *ws.Pipeline) (*ws.Pipeline, error) {
				return c.Pipelines.Create(ctx, r)
			},
			func(ctx context.Context, c *ws.Client, r *ws.Pipeline) (*ws.Pipeline, error) {
				return c.Pipelines.Update(ctx, r)
			},
			func(ctx context.Context, c *ws.Client, id string) error { return c.Pipelines.Delete(ctx, id) }),
	}
}

// LookupKind returns the kind named name: its Kind, its FileKey or one of its Aliases, in any case.
func LookupKind(name string) (KindInfo, bool) {
	name = strings.ToLower(name)
	for _, k := range Kinds() {
		if string(k.Kind) == name || k.FileKey == name || slices.Contains(k.Aliases, name) {
			return k, true
		}
	}
	return KindInfo{}, false
}

// kindInfo returns the KindInfo of kind; an unknown kind is an error, never another kind.
func kindInfo(kind Kind) (KindInfo, error) {
	for _, k := range Kinds() {
		if k.Kind == kind {
			return k, nil
		}
	}
	return KindInfo{}, fmt.Errorf("apply: unknown kind %q", kind)
}

// kindOfValue returns the KindInfo of a resource value (*ws.Connection, …).
func kindOfValue(v any) (KindInfo, error) {
	t := reflect.TypeOf(v)
	for _, k := range Kinds() {
		if t == reflect.PointerTo(k.Type) {
			return k, nil
		}
	}
	return KindInfo{}, fmt.Errorf("apply: %T is not a resource of a known kind", v)
}

// New returns a new, empty resource of the kind (a *ws.Connection, …).
func (k KindInfo) New() any { return reflect.New(k.Type).Interface() }

// ID returns the id of v, a resource of the kind ("" for nil or another type).
func (k KindInfo) ID(v any) string { return k.id(v) }

// List reads every resource of the kind in the workspace of c.
func (k KindInfo) List(ctx context.Context, c *ws.Client) ([]any, error) { return k.list(ctx, c) }

// Get reads the resource id of the kind.
func (k KindInfo) Get(ctx context.Context, c *ws.Client, id string) (any, error) {
	return k.get(ctx, c, id)
}

// Delete deletes the resource id of the kind.
func (k KindInfo) Delete(ctx context.Context, c *ws.Client, id string) error {
	return k.remove(ctx, c, id)
}

// Items returns the resources of the kind in s.
func (k KindInfo) Items(s *State) []any { return k.items(s) }

// Add appends v, a resource of the kind, to s.
func (k KindInfo) Add(s *State, v any) { k.add(s, v) }
