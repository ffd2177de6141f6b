package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// TestAccConnectionReplacedUnderPipeline checks the documented ways to replace a connection that a
// pipeline uses (the API refuses to delete it while it is used): a new id with create_before_destroy
// moves the pipeline to the new connection before the old one is deleted, and replace_triggered_by
// on the pipeline replaces it along with a connection whose kind of warehouse changes under its id.
func TestAccConnectionReplacedUnderPipeline(t *testing.T) {
	srv, provider := accFake(t)
	config := func(connID, warehouse string, createFirst bool) string {
		return provider + fmt.Sprintf(`
resource "warehousesync_connection" "c" {
  id    = %q
  name  = "Warehouse"
  state = "active"
  %s
  lifecycle {
    create_before_destroy = %t
  }
}

resource "warehousesync_data_model" "m" {
  id        = "m"
  name      = "M"
  state     = "active"
  sql_query = "SELECT id FROM t"
}

resource "warehousesync_pipeline" "p" {
  id            = "p"
  name          = "P"
  pipeline_type = "user_attributes"
  connection_id = warehousesync_connection.c.id
  data_model_id = warehousesync_data_model.m.id
  state         = "paused"
  environment   = "development"
  sync_mode     = { type = "full" }
  schedule      = { type = "on_demand" }
  lifecycle {
    replace_triggered_by = [warehousesync_connection.c.service_provider]
  }
}
`, connID, warehouse, createFirst)
	}
	databricks := `databricks = { provider = "acme", schema = "s" }`
	bigquery := `bigquery = { region = "US", project_id = "p", dataset_id = "d", service_account_id = "a", service_account_key = "k" }`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		CheckDestroy:             workspaceEmpty(srv.Client()),
		Steps: []resource.TestStep{
			{Config: config("dbx", databricks, true)},
			{ // a new id: created first, the pipeline moves to it, then the old one is deleted
				Config: config("dbx2", databricks, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("warehousesync_connection.c", plancheck.ResourceActionCreateBeforeDestroy),
					plancheck.ExpectResourceAction("warehousesync_pipeline.p", plancheck.ResourceActionUpdate),
				}},
			},
			{ // another kind of warehouse under a new id replaces the pipeline too
				Config: config("bq", bigquery, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("warehousesync_pipeline.p", plancheck.ResourceActionReplace),
				}},
				Check: resource.TestCheckResourceAttr("warehousesync_pipeline.p", "connection_id", "bq"),
			},
			{ // another kind under the same id: the pipeline is deleted, then the connection, then both made again
				Config: config("bq", databricks, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("warehousesync_connection.c", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("warehousesync_pipeline.p", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.TestCheckResourceAttr("warehousesync_connection.c", "service_provider", "Databricks"),
			},
		},
	})
}
