package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	ws "github.com/wsync-dev/warehousesync"
)

// TestAccExampleComplete applies examples/complete as it is written, with the provider configured from
// the environment as the README does, then plans it again (empty) and destroys it.
func TestAccExampleComplete(t *testing.T) {
	srv, _ := accFake(t)
	config, err := os.ReadFile(filepath.Join(moduleRoot, "examples", "complete", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	id, secret := srv.Credentials()
	for k, v := range map[string]string{
		ws.EnvWorkspaceID: srv.WorkspaceID(), ws.EnvClientID: id, ws.EnvClientSecret: secret,
		ws.EnvAPIURL: srv.URL(), ws.EnvTokenURL: srv.TokenURL(),
		// The example names the provider by its own source address, not the test framework's default.
		"TF_ACC_PROVIDER_NAMESPACE": "wsync-dev",
	} {
		t.Setenv(k, v)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		CheckDestroy:             workspaceEmpty(srv.Client()),
		Steps: []resource.TestStep{
			{
				Config: string(config),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("warehousesync_connection.redshift", "redshift.port", "5439"),
					resource.TestCheckOutput("pipeline_status", "stopped"),
				),
			},
			{Config: string(config), PlanOnly: true},
		},
	})
}
