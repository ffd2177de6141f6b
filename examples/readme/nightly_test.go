package main

import (
	"context"
	"testing"
	"time"

	"github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

func TestNightlySync(t *testing.T) {
	ctx := context.Background()
	srv := warehousesynctest.NewServer(t,
		warehousesynctest.WithStartTime(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)),
		warehousesynctest.WithAutoAdvance(), // polling a running pipeline moves the clock: Wait returns at once
	)
	c := srv.Client() // a *warehousesync.Client pointed at srv, with valid credentials

	conn, err := c.Connections.Create(ctx, &warehousesync.Connection{
		ID: "dwh-connection", Name: "Data warehouse", State: warehousesync.StateActive,
		Config: &warehousesync.SnowflakeConfig{
			AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
			Database: "my_database", Role: "mparticle_role", User: "mparticle_user",
			Password: "secret", StorageIntegration: "mp_us1_123_123_s3",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sf, _ := conn.Snowflake(); sf.Password != warehousesync.MaskedSecret {
		t.Fatal("secrets are masked on every read")
	}
	if _, err := c.DataModels.Create(ctx, &warehousesync.DataModel{
		ID: "users-model", Name: "Users", State: warehousesync.StateActive, Type: warehousesync.DataModelSQL,
		Config: warehousesync.DataModelConfig{SQLQuery: "SELECT email, updated_on FROM db.public.users"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.DefaultWorkspace().SeedRecords("users-model", []map[string]any{
		{"email": "a@example.com", "updated_on": "2025-02-28T10:00:00Z"},
		{"email": "b@example.com", "updated_on": "2025-02-28T11:00:00Z"},
	}); err != nil { // the model must exist; on NewServer's server a typo also fails the test
		t.Fatal(err)
	}
	if _, err := c.Pipelines.Create(ctx, &warehousesync.Pipeline{
		ID: "users-pipeline", Name: "Users", PipelineType: warehousesync.PipelineUserAttributes,
		ConnectionID: "dwh-connection", DataModelID: "users-model",
		State: warehousesync.StateActive, Environment: warehousesync.EnvironmentDevelopment,
		SyncMode: warehousesync.SyncMode{Type: warehousesync.SyncIncremental,
			IteratorField: "updated_on", IteratorDataType: warehousesync.IteratorTimestamp},
		Schedule: warehousesync.Schedule{Type: warehousesync.ScheduleOnDemand},
	}); err != nil {
		t.Fatal(err)
	}

	// The code under test would do this part.
	tr, err := c.Pipelines.Trigger(ctx, "users-pipeline")
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.Runs.Wait(ctx, "users-pipeline", tr.PipelineRunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != warehousesync.RunSuccess || run.SuccessfulRecords != 2 {
		t.Fatalf("run %d: %s with %d records", run.ID, run.Status, run.SuccessfulRecords)
	}
}
