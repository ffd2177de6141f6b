package provider

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccPlanTimeValidation checks that OpenTofu's plan refuses configurations the API would refuse,
// naming the attribute and the rule, before any request reaches the API.
func TestAccPlanTimeValidation(t *testing.T) {
	srv, provider := accFake(t)
	pipeline := func(change string) string {
		body := `
  id            = "p"
  name          = "P"
  pipeline_type = "user_attributes"
  connection_id = "c"
  data_model_id = "m"
  state         = "active"
  environment   = "production"
  sync_mode     = { type = "full" }
  schedule      = { type = "once" }
`
		for _, kv := range strings.Split(change, ";") {
			if kv == "" {
				continue
			}
			name := strings.TrimSpace(strings.SplitN(kv, "=", 2)[0])
			body = regexp.MustCompile(`(?m)^  `+regexp.QuoteMeta(name)+` +=.*$`).ReplaceAllString(body, "")
			body += "  " + kv + "\n"
		}
		return provider + "resource \"warehousesync_pipeline\" \"p\" {" + body + "}\n"
	}
	cases := []struct {
		name, config, want string
	}{
		{"two warehouses", provider + `
resource "warehousesync_connection" "c" {
  id         = "c"
  name       = "C"
  state      = "active"
  databricks = { provider = "p", schema = "s" }
  bigquery   = { region = "US", project_id = "p", dataset_id = "d", service_account_id = "a", service_account_key = "k" }
}
`, "exactly one of snowflake, bigquery, redshift, databricks must be set, got 2"},
		{"bad port", provider + `
resource "warehousesync_connection" "c" {
  id       = "c"
  name     = "C"
  state    = "active"
  redshift = { database = "d", host = "h", port = "five", user = "u", password = "p", aws_iam_role_arn = "a" }
}
`, `redshift.port must be a port number`},
		{"bad id", pipeline(`id = "p 1"`), `id must hold only letters, digits, _ and -`},
		{"bad enum", pipeline(`environment = "staging"`), `environment must be one of development, production`},
		{"events without transformation", pipeline(`pipeline_type = "events"`), `field_transformation_id is required for events pipelines`},
		{"user attributes with transformation", pipeline(`field_transformation_id = "ft"`), `must be left out for user_attributes pipelines`},
		{"incremental without iterator", pipeline(`sync_mode = { type = "incremental" }`), `sync_mode.iterator_field is required for incremental`},
		{"interval without start", pipeline(`schedule = { type = "interval", frequency = "daily" }`), `schedule.start is required for interval`},
		{"until before from", pipeline(`sync_mode = { type = "full", from = "2024-02-01T00:00:00Z", until = "2024-01-01T00:00:00Z" }`), `sync_mode.until must be after sync_mode.from`},
		{"timestamp without zone", pipeline(`schedule = { type = "once", start = "2024-01-01T00:00:00" }`), `must name its zone`},
		{"bad delay", pipeline(`schedule = { type = "once", delay = "15 minutes" }`), `schedule.delay must be a whole number`},
		{"data plan version", pipeline(`data_plan_version = 0`), `data_plan_version must be 1 or more`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config: c.config, PlanOnly: true,
			ExpectError: regexp.MustCompile(regexp.QuoteMeta(c.want)),
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories(), Steps: steps})
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("validation sent %d requests, want none; the first: %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}
