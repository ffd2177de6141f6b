package apply

import (
	"context"

	ws "github.com/wsync-dev/warehousesync"
)

// This file holds the package's calls to the client, through the table of kinds (kinds.go), so that a
// change of the client's API touches Kinds only.

// ReadState reads every resource of the workspace of c: one list request per kind.
func ReadState(ctx context.Context, c *ws.Client) (*State, error) { return readState(ctx, c) }

// readState lists the workspace: one request per kind.
func readState(ctx context.Context, c *ws.Client) (*State, error) {
	s := &State{}
	for _, k := range Kinds() {
		items, err := k.List(ctx, c)
		if err != nil {
			return nil, wrap("listing "+k.FileKey, err)
		}
		for _, it := range items {
			k.Add(s, it)
		}
	}
	return s, nil
}

// create creates r, a resource of any kind.
func create(ctx context.Context, c *ws.Client, r any) error {
	k, err := kindOfValue(r)
	if err != nil {
		return err
	}
	return k.create(ctx, c, r)
}

// update replaces r, a resource of any kind.
func update(ctx context.Context, c *ws.Client, r any) error {
	k, err := kindOfValue(r)
	if err != nil {
		return err
	}
	return k.update(ctx, c, r)
}

// remove deletes the resource ref.
func remove(ctx context.Context, c *ws.Client, ref Ref) error {
	k, err := kindInfo(ref.Kind)
	if err != nil {
		return err
	}
	return k.Delete(ctx, c, ref.ID)
}

// get reads the resource ref back.
func get(ctx context.Context, c *ws.Client, ref Ref) (any, error) {
	k, err := kindInfo(ref.Kind)
	if err != nil {
		return nil, err
	}
	return k.Get(ctx, c, ref.ID)
}
