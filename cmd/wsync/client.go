package main

import (
	"context"

	ws "github.com/wsync-dev/warehousesync"
)

// This file holds the client calls whose signatures are expected to change (list options), so that
// such a change touches these lines only.

func listDataModels(ctx context.Context, c *ws.Client) ([]*ws.DataModel, error) {
	return c.DataModels.List(ctx, nil)
}

func listPipelines(ctx context.Context, c *ws.Client) ([]*ws.Pipeline, error) {
	return c.Pipelines.List(ctx, nil)
}
