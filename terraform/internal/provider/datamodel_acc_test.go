package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func dataModelConfig(provider, id, name, query string) string {
	return provider + fmt.Sprintf(`
resource "warehousesync_data_model" "m" {
  id        = %q
  name      = %q
  state     = "active"
  sql_query = %q
}
`, id, name, query)
}

func TestAccDataModel(t *testing.T) {
	srv, provider := accFake(t)
	c := srv.Client()
	addr := "warehousesync_data_model.m"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		CheckDestroy:             workspaceEmpty(c),
		Steps: []resource.TestStep{
			{ // create; the test framework then checks that a second plan is empty
				Config: dataModelConfig(provider, "users", "Users", "SELECT id, email FROM users"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "type", "sql"),
					resource.TestCheckResourceAttr(addr, "status", "valid"),
					resource.TestCheckResourceAttrSet(addr, "created_on"),
					resource.TestCheckNoResourceAttr(addr, "last_modified_on"),
				),
			},
			{ // import
				ResourceName: addr, ImportState: true, ImportStateId: "users", ImportStateVerify: true,
			},
			{ // update in place
				Config: dataModelConfig(provider, "users", "All users", "SELECT id, email FROM users"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"name"}},
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "name", "All users"),
					resource.TestCheckResourceAttrSet(addr, "last_modified_on"),
				),
			},
			{ // a new id replaces it
				Config: dataModelConfig(provider, "users2", "All users", "SELECT id, email FROM users"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					if _, err := c.DataModels.Get(context.Background(), "users"); !isNotFound(err) {
						return fmt.Errorf("the replaced data model still exists: %v", err)
					}
					return nil
				},
			},
			{ // a change made outside Terraform is exactly the plan's drift, and apply undoes it
				PreConfig: func() {
					m, err := c.DataModels.Get(context.Background(), "users2")
					if err != nil {
						t.Fatal(err)
					}
					m.Config.SQLQuery = "SELECT id FROM users"
					if _, err := c.DataModels.Update(context.Background(), m); err != nil {
						t.Fatal(err)
					}
				},
				Config: dataModelConfig(provider, "users2", "All users", "SELECT id, email FROM users"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectOnlyChanged{addr, []string{"sql_query"}},
				}},
				Check: resource.TestCheckResourceAttr(addr, "sql_query", "SELECT id, email FROM users"),
			},
			{ // the data source reads it
				Config: dataModelConfig(provider, "users2", "All users", "SELECT id, email FROM users") + `
data "warehousesync_data_model" "m" {
  id = warehousesync_data_model.m.id
}
`,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("data.warehousesync_data_model.m", "sql_query", "SELECT id, email FROM users"),
					resource.TestCheckResourceAttrPair("data.warehousesync_data_model.m", "created_on", addr, "created_on"),
				),
			},
			{ // deleted outside Terraform: the plan creates it again
				PreConfig: func() {
					if err := c.DataModels.Delete(context.Background(), "users2"); err != nil {
						t.Fatal(err)
					}
				},
				Config: dataModelConfig(provider, "users2", "All users", "SELECT id, email FROM users"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}
