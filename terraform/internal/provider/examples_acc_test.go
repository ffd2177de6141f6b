package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	ws "github.com/wsync-dev/warehousesync"
)

// exampleFiles concatenates the example files matching pattern under examples/.
func exampleFiles(t *testing.T, pattern string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(moduleRoot, "examples", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples match %s: %v", pattern, err)
	}
	var b strings.Builder
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(text)
		b.WriteString("\n")
	}
	return b.String()
}

// TestAccExamples applies the examples of the docs pages together, the provider's own example
// included: the resources, then the data sources that read them by the same ids; then it plans again
// (empty) and destroys everything.
func TestAccExamples(t *testing.T) {
	srv, _ := accFake(t)
	if srv.WorkspaceID() != "12345" {
		t.Fatalf("the provider's example names workspace 12345, the fake's default is %s", srv.WorkspaceID())
	}
	id, secret := srv.Credentials()
	for k, v := range map[string]string{
		"TF_VAR_mparticle_client_id": id, "TF_VAR_mparticle_client_secret": secret,
		"TF_VAR_snowflake_password": "pw", "TF_VAR_bigquery_service_account_key": `{"type": "service_account"}`,
		ws.EnvAPIURL: srv.URL(), ws.EnvTokenURL: srv.TokenURL(),
		"TF_ACC_PROVIDER_NAMESPACE": "wsync-dev",
	} {
		t.Setenv(k, v)
	}
	resources := exampleFiles(t, "provider/provider.tf") + exampleFiles(t, "resources/*/resource.tf")
	all := resources + exampleFiles(t, "data-sources/*/data-source.tf")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		CheckDestroy:             workspaceEmpty(srv.Client()),
		Steps: []resource.TestStep{
			{Config: resources},
			{
				Config: all,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckOutput("users_query", "SELECT customer_id, email, updated_at FROM analytics.users"),
					resource.TestCheckResourceAttrSet("data.warehousesync_connection.prod", "snowflake.aws_iam_user_arn"),
					resource.TestCheckResourceAttrSet("data.warehousesync_pipeline_status.users", "status"),
				),
			},
			{Config: all, PlanOnly: true},
		},
	})
}
