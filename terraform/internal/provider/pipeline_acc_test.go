package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	ws "github.com/wsync-dev/warehousesync"
)

// pipelineConfig is a connection, a data model and a pipeline using them, with the pipeline's name,
// state, sync_mode.from and schedule object given.
func pipelineConfig(provider, name, state, from, schedule string) string {
	return provider + fmt.Sprintf(`
resource "warehousesync_connection" "c" {
  id    = "dbx"
  name  = "Databricks"
  state = "active"
  databricks = {
    provider = "acme"
    schema   = "sales"
  }
}

resource "warehousesync_data_model" "m" {
  id        = "orders"
  name      = "Orders"
  state     = "active"
  sql_query = "SELECT id, updated_at FROM orders"
}

resource "warehousesync_pipeline" "p" {
  id            = "orders-sync"
  name          = %q
  pipeline_type = "user_attributes"
  connection_id = warehousesync_connection.c.id
  data_model_id = warehousesync_data_model.m.id
  state         = %q
  environment   = "development"
  sync_mode = {
    type               = "incremental"
    iterator_field     = "updated_at"
    iterator_data_type = "timestamp"
    from               = %q
  }
  schedule = %s
}

data "warehousesync_pipeline_status" "p" {
  pipeline_id = warehousesync_pipeline.p.id
}

data "warehousesync_pipeline" "p" {
  id = warehousesync_pipeline.p.id
}
`, name, state, from, schedule)
}

const (
	// dailySchedule spells its start with a zone offset; the API writes it in UTC.
	dailySchedule    = `{ type = "interval", frequency = "daily", delay = "15m", start = "2024-01-01T02:00:00+02:00" }`
	onDemandSchedule = `{ type = "on-demand" }`
	// from1 and from1UTC are one instant spelled two ways.
	from1    = "2023-06-01T02:00:00+02:00"
	from1UTC = "2023-06-01T00:00:00Z"
	from2    = "2023-07-01T00:00:00Z"
)

func TestAccPipeline(t *testing.T) {
	srv, provider := accFake(t)
	c := srv.Client()
	addr := "warehousesync_pipeline.p"
	status := "data.warehousesync_pipeline_status.p"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		CheckDestroy:             workspaceEmpty(c),
		Steps: []resource.TestStep{
			{ // create: timestamps come back in UTC, which is no change (the framework plans again after apply)
				Config: pipelineConfig(provider, "Orders", "paused", from1, dailySchedule),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "schedule.start", "2024-01-01T02:00:00+02:00"),
					resource.TestCheckResourceAttr(addr, "sync_mode.from", from1),
					resource.TestCheckResourceAttr(addr, "status", "stopped"),
					resource.TestCheckResourceAttr(status, "status", "stopped"),
					resource.TestCheckResourceAttr(status, "connection_status", "healthy"),
					resource.TestCheckNoResourceAttr(status, "latest_run"),
					resource.TestCheckResourceAttr("data.warehousesync_pipeline.p", "schedule.start", "2024-01-01T00:00:00.000Z"),
					resource.TestCheckResourceAttr("data.warehousesync_pipeline.p", "schedule.delay", "15m"),
					resource.TestCheckResourceAttr("data.warehousesync_pipeline.p", "connection_id", "dbx"),
				),
			},
			{ // import: the API's spellings of the timestamps, so those are compared by the next step
				ResourceName: addr, ImportState: true, ImportStateId: "orders-sync", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"schedule.start", "sync_mode.from"},
			},
			{ // an import block with the configuration's spellings plans as a no-op import
				Config:       pipelineConfig(provider, "Orders", "paused", from1, dailySchedule),
				ResourceName: addr, ImportState: true, ImportStateId: "orders-sync",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{ // update in place
				Config: pipelineConfig(provider, "All orders", "paused", from1, dailySchedule),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"name"}},
				}},
			},
			{ // the documented spelling on-demand is applied, and kept: no diff from the API's on_demand
				Config: pipelineConfig(provider, "All orders", "active", from1, onDemandSchedule),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"schedule.delay", "schedule.frequency", "schedule.start", "schedule.type", "state"}},
				}},
				Check: resource.TestCheckResourceAttr(addr, "schedule.type", "on-demand"),
			},
			{ // sync_mode.from spelled another way is no change
				Config:   pipelineConfig(provider, "All orders", "active", from1UTC, onDemandSchedule),
				PlanOnly: true,
			},
			{ // a new sync_mode.from replaces the pipeline (not the connection nor the data model)
				Config: pipelineConfig(provider, "All orders", "active", from2, onDemandSchedule),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("warehousesync_connection.c", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("warehousesync_data_model.m", plancheck.ResourceActionNoop),
				}},
				Check: resource.TestCheckResourceAttr(addr, "sync_mode.from", from2),
			},
			{ // a change made outside Terraform is exactly the plan's drift; a run shows in the status report
				PreConfig: func() {
					ctx := context.Background()
					if _, err := c.Pipelines.Trigger(ctx, "orders-sync"); err != nil {
						t.Fatal(err)
					}
					if err := srv.RunUntilIdle(); err != nil {
						t.Fatal(err)
					}
					p, err := c.Pipelines.Get(ctx, "orders-sync")
					if err != nil {
						t.Fatal(err)
					}
					p.State = ws.StatePaused
					if _, err := c.Pipelines.Update(ctx, p); err != nil {
						t.Fatal(err)
					}
				},
				Config: pipelineConfig(provider, "All orders", "active", from2, onDemandSchedule),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"state"}},
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "state", "active"),
					resource.TestCheckResourceAttr(status, "latest_run.type", "manual"),
					resource.TestCheckResourceAttr(status, "latest_run.status", "success"),
					resource.TestCheckResourceAttrPair(status, "latest_successful_run_id", status, "latest_run.id"),
					resource.TestCheckResourceAttrPair(status, "latest_successful_run.id", status, "latest_run.id"),
				),
			},
		},
	})
}
