package apply

import (
	"context"

	ws "github.com/wsync-dev/warehousesync"
)

// This file holds every call the package makes to the client, so that a change of the client's API
// touches these lines only.

// ReadState reads every resource of the workspace of c: one list request per kind.
func ReadState(ctx context.Context, c *ws.Client) (*State, error) { return readState(ctx, c) }

// readState lists the workspace: one request per kind.
func readState(ctx context.Context, c *ws.Client) (*State, error) {
	conns, err := c.Connections.List(ctx, nil)
	if err != nil {
		return nil, wrap("listing connections", err)
	}
	models, err := c.DataModels.List(ctx, nil)
	if err != nil {
		return nil, wrap("listing data models", err)
	}
	pipes, err := c.Pipelines.List(ctx, nil)
	if err != nil {
		return nil, wrap("listing pipelines", err)
	}
	return &State{Connections: conns, DataModels: models, Pipelines: pipes}, nil
}

// create creates r.
func create(ctx context.Context, c *ws.Client, r any) error {
	var err error
	switch v := r.(type) {
	case *ws.Connection:
		_, err = c.Connections.Create(ctx, v)
	case *ws.DataModel:
		_, err = c.DataModels.Create(ctx, v)
	case *ws.Pipeline:
		_, err = c.Pipelines.Create(ctx, v)
	}
	return err
}

// update replaces r.
func update(ctx context.Context, c *ws.Client, r any) error {
	var err error
	switch v := r.(type) {
	case *ws.Connection:
		_, err = c.Connections.Update(ctx, v)
	case *ws.DataModel:
		_, err = c.DataModels.Update(ctx, v)
	case *ws.Pipeline:
		_, err = c.Pipelines.Update(ctx, v)
	}
	return err
}

// remove deletes the resource ref.
func remove(ctx context.Context, c *ws.Client, ref Ref) error {
	switch ref.Kind {
	case KindConnection:
		return c.Connections.Delete(ctx, ref.ID)
	case KindDataModel:
		return c.DataModels.Delete(ctx, ref.ID)
	default:
		return c.Pipelines.Delete(ctx, ref.ID)
	}
}

// get reads the resource ref back.
func get(ctx context.Context, c *ws.Client, ref Ref) (any, error) {
	switch ref.Kind {
	case KindConnection:
		return c.Connections.Get(ctx, ref.ID)
	case KindDataModel:
		return c.DataModels.Get(ctx, ref.ID)
	default:
		return c.Pipelines.Get(ctx, ref.ID)
	}
}
