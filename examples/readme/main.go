package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wsync-dev/warehousesync"
)

func main() {
	// MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID, MPARTICLE_CLIENT_SECRET
	c, err := warehousesync.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()

	conn, err := c.Connections.Create(ctx, &warehousesync.Connection{
		ID:    "sf-connection",
		Name:  "Snowflake connection",
		State: warehousesync.StateActive,
		Config: &warehousesync.SnowflakeConfig{ // service_provider is taken from the config type
			AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
			Database: "my_database", Role: "mparticle_role", User: "mparticle_user",
			Password: "…", StorageIntegration: "mp_us1_123_123_s3",
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	model, err := c.DataModels.Create(ctx, &warehousesync.DataModel{
		ID: "tickets-model", Name: "Tickets model", State: warehousesync.StateActive,
		Type:   warehousesync.DataModelSQL,
		Config: warehousesync.DataModelConfig{SQLQuery: "SELECT email, updated_at FROM db.schema.tickets"},
	})
	if err != nil {
		log.Fatal(err)
	}

	p, err := c.Pipelines.Create(ctx, &warehousesync.Pipeline{
		ID: "tickets-pipeline", Name: "Tickets pipeline",
		PipelineType: warehousesync.PipelineUserAttributes,
		ConnectionID: conn.ID, DataModelID: model.ID,
		State: warehousesync.StateActive,
		SyncMode: warehousesync.SyncMode{
			Type: warehousesync.SyncIncremental, IteratorField: "updated_at",
			IteratorDataType: warehousesync.IteratorTimestamp,
		},
		Schedule:    warehousesync.Schedule{Type: warehousesync.ScheduleOnDemand},
		Environment: warehousesync.EnvironmentDevelopment,
	})
	if err != nil {
		log.Fatal(err)
	}

	tr, err := c.Pipelines.Trigger(ctx, p.ID)
	if err != nil {
		log.Fatal(err)
	}
	run, err := c.Runs.Wait(ctx, p.ID, tr.PipelineRunID) // polls every 5 s until success, failed or stopped
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(run.Status, run.SuccessfulRecords, run.FailedRecords)
}
