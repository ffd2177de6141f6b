// Package snapshotfixture shows how a test suite builds an expensive fake fixture once, in TestMain,
// and gives each test its own copy by restoring a snapshot, instead of building it again per test.
package snapshotfixture

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// fixture is the snapshot every test starts from; TestMain builds it once.
var fixture []byte // set by TestMain before any test runs, read only afterwards

func TestMain(m *testing.M) {
	snap, err := buildFixture()
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the fixture:", err)
		os.Exit(1)
	}
	fixture = snap
	os.Exit(m.Run())
}

// pipelines is how many pipelines the fixture has, each with its connection and data model and a week
// of hourly runs.
const pipelines = 20

// buildFixture creates connections, data models and pipelines through the API, runs a week of hourly
// schedules and returns the snapshot of the result.
func buildFixture() ([]byte, error) {
	srv, err := warehousesynctest.Start(warehousesynctest.WithStartTime(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)),
		warehousesynctest.WithMaxActivePipelines(0))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	for i := range pipelines {
		id := fmt.Sprintf("orders-%d", i)
		if _, err := c.Connections.Create(ctx, &ws.Connection{ID: id, Name: id, State: ws.StateActive,
			Config: &ws.DatabricksConfig{Provider: "org", Schema: "s"}}); err != nil {
			return nil, err
		}
		if _, err := c.DataModels.Create(ctx, &ws.DataModel{ID: id, Name: id, State: ws.StateActive,
			Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT id, updated_at FROM orders"}}); err != nil {
			return nil, err
		}
		if _, err := c.Pipelines.Create(ctx, &ws.Pipeline{ID: id, Name: id, PipelineType: ws.PipelineUserAttributes,
			ConnectionID: id, DataModelID: id, State: ws.StateActive, Environment: ws.EnvironmentDevelopment,
			SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_at", IteratorDataType: ws.IteratorTimestamp},
			Schedule: ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyHourly,
				Start: ws.NewTimestamp(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))}}); err != nil {
			return nil, err
		}
	}
	if err := srv.Advance(7 * 24 * time.Hour); err != nil {
		return nil, err
	}
	return srv.Snapshot()
}

// TestPauseOne and TestDeleteOne each change their own copy of the fixture: neither sees the other's
// change.
func TestPauseOne(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithSnapshot(fixture))
	c := srv.Client()
	p, err := c.Pipelines.Pause(context.Background(), "orders-0")
	require.NoError(t, err)
	require.Equal(t, ws.StatePaused, p.State)
	page, err := c.Runs.List(context.Background(), "orders-0", &ws.ListRunsOptions{PageSize: 1})
	require.NoError(t, err)
	require.Equal(t, 1+7*24, page.TotalItems, "the interval before the start and a week of hourly runs, from the fixture")
}

func TestDeleteOne(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithSnapshot(fixture))
	c := srv.Client()
	require.NoError(t, c.Pipelines.Delete(context.Background(), "orders-0"))
	list, err := c.Pipelines.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, list, pipelines-1)
	p, err := c.Pipelines.Get(context.Background(), "orders-1")
	require.NoError(t, err)
	require.Equal(t, ws.StateActive, p.State, "TestPauseOne's pause is not here")
}

// BenchmarkFixture compares the two ways to give a test the fixture: restoring the snapshot, and
// building it again through the API.
func BenchmarkFixture(b *testing.B) {
	b.Run("restore", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			srv, err := warehousesynctest.Start(warehousesynctest.WithSnapshot(fixture))
			require.NoError(b, err)
			srv.Close()
		}
	})
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := buildFixture()
			require.NoError(b, err)
		}
	})
}
