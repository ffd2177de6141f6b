package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func snowflakeConfig(provider, name, warehouse, password string) string {
	return provider + fmt.Sprintf(`
resource "warehousesync_connection" "c" {
  id    = "sf"
  name  = %q
  state = "active"
  snowflake = {
    account_identifier  = "acme-1"
    region              = "us-east-1"
    warehouse           = %q
    database            = "ANALYTICS"
    role                = "MPARTICLE"
    user                = "mparticle"
    password            = %q
    storage_integration = "mp_s3"
  }
}
`, name, warehouse, password)
}

func bigQueryConfig(provider, name string) string {
	return provider + fmt.Sprintf(`
resource "warehousesync_connection" "c" {
  id    = "sf"
  name  = %q
  state = "active"
  bigquery = {
    region              = "US"
    project_id          = "acme"
    dataset_id          = "events"
    service_account_id  = "sync@acme.iam.gserviceaccount.com"
    service_account_key = "{\"type\": \"service_account\"}"
  }
}

data "warehousesync_connection" "c" {
  id = warehousesync_connection.c.id
}
`, name)
}

func TestAccConnection(t *testing.T) {
	srv, provider := accFake(t)
	c := srv.Client()
	addr := "warehousesync_connection.c"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		CheckDestroy:             workspaceEmpty(c),
		Steps: []resource.TestStep{
			{ // create: the API masks the password and fills the AWS fields; the state keeps the password
				Config: snowflakeConfig(provider, "Snowflake", "WH", "pw-1"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "service_provider", "Snowflake"),
					resource.TestCheckResourceAttr(addr, "snowflake.password", "pw-1"),
					resource.TestCheckResourceAttrSet(addr, "snowflake.aws_iam_user_arn"),
					resource.TestCheckResourceAttrSet(addr, "snowflake.aws_external_id"),
					resource.TestCheckResourceAttr(addr, "status", "healthy"),
				),
			},
			{ // import: everything but the secret, which the API never reveals
				ResourceName: addr, ImportState: true, ImportStateId: "sf", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"snowflake.password"},
			},
			{ // update in place
				Config: snowflakeConfig(provider, "Snowflake", "WH2", "pw-1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"snowflake.warehouse"}},
				}},
			},
			{ // a new secret is an update of the secret alone
				Config: snowflakeConfig(provider, "Snowflake", "WH2", "pw-2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"snowflake.password"}},
					plancheck.ExpectSensitiveValue(addr, tfPath("snowflake", "password")),
				}},
				Check: resource.TestCheckResourceAttr(addr, "snowflake.password", "pw-2"),
			},
			{ // another kind of warehouse replaces the connection; the data source reads it, secret masked
				Config: bigQueryConfig(provider, "BigQuery"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "service_provider", "BigQuery"),
					resource.TestCheckNoResourceAttr(addr, "snowflake"),
					resource.TestCheckResourceAttr("data.warehousesync_connection.c", "bigquery.service_account_key", "************"),
					resource.TestCheckResourceAttr("data.warehousesync_connection.c", "bigquery.project_id", "acme"),
				),
			},
			{ // a change made outside Terraform is exactly the plan's drift, and apply undoes it
				PreConfig: func() {
					conn, err := c.Connections.Get(context.Background(), "sf")
					if err != nil {
						t.Fatal(err)
					}
					conn.Name = "renamed in the UI"
					if _, err := c.Connections.Update(context.Background(), conn); err != nil {
						t.Fatal(err)
					}
				},
				Config: bigQueryConfig(provider, "BigQuery"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"name"}},
				}},
				Check: resource.TestCheckResourceAttr(addr, "name", "BigQuery"),
			},
		},
	})
}
