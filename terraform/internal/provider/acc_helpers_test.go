package provider

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// accFake starts the fake for an acceptance test (skipping the test without TF_ACC) and returns it
// with the provider block that points the provider at it.
func accFake(t *testing.T) (*warehousesynctest.Server, string) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH to an OpenTofu binary (scripts/build-tofu.sh builds one)")
	}
	srv := warehousesynctest.NewServer(t)
	id, secret := srv.Credentials()
	block := fmt.Sprintf(`
provider "warehousesync" {
  workspace_id  = %q
  client_id     = %q
  client_secret = %q
  api_url       = %q
  token_url     = %q
  retry = {
    disabled = true
  }
}
`, srv.WorkspaceID(), id, secret, srv.URL(), srv.TokenURL())
	return srv, block
}

// factories serves the provider in-process.
func factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		TypeName: providerserver.NewProtocol6WithError(New("test")()),
	}
}

// workspaceEmpty is a CheckDestroy: the fake's workspace holds no connection, data model or pipeline.
func workspaceEmpty(c *ws.Client) func(*terraform.State) error {
	return func(*terraform.State) error {
		ctx := context.Background()
		conns, err := c.Connections.List(ctx, nil)
		if err != nil {
			return err
		}
		models, err := c.DataModels.List(ctx, nil)
		if err != nil {
			return err
		}
		pipes, err := c.Pipelines.List(ctx, nil)
		if err != nil {
			return err
		}
		if n := len(conns) + len(models) + len(pipes); n != 0 {
			return fmt.Errorf("workspace not empty after destroy: %d connections, %d data models, %d pipelines",
				len(conns), len(models), len(pipes))
		}
		return nil
	}
}

// expectOnlyChanged is a plan check: the plan updates the resource addr in place, and the only
// configurable attributes it changes are those named (dotted paths into nested objects); what the
// API fills in may be unknown.
type expectOnlyChanged struct {
	addr  string
	attrs []string
}

// CheckPlan compares the resource's before and after values.
func (e expectOnlyChanged) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != e.addr {
			continue
		}
		if !rc.Change.Actions.Update() {
			resp.Error = fmt.Errorf("%s: planned %v, want an update in place", e.addr, rc.Change.Actions)
			return
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		unknown, _ := rc.Change.AfterUnknown.(map[string]any)
		var changed []string
		diffPaths("", before, after, unknown, &changed)
		if strings.Join(changed, ",") != strings.Join(e.attrs, ",") {
			resp.Error = fmt.Errorf("%s: plan changes %v, want exactly %v", e.addr, changed, e.attrs)
		}
		return
	}
	resp.Error = fmt.Errorf("%s: not in the plan", e.addr)
}

// diffPaths appends the dotted paths where before and after differ, skipping values planned unknown
// (the server-filled attributes an update refreshes).
func diffPaths(prefix string, before, after, unknown map[string]any, out *[]string) {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		p := prefix + k
		if u, ok := unknown[k].(bool); ok && u {
			continue
		}
		b, bIsMap := before[k].(map[string]any)
		a, aIsMap := after[k].(map[string]any)
		if bIsMap && aIsMap {
			u, _ := unknown[k].(map[string]any)
			diffPaths(p+".", b, a, u, out)
			continue
		}
		if fmt.Sprint(before[k]) != fmt.Sprint(after[k]) {
			*out = append(*out, p)
		}
	}
}

// tfPath is a path into a resource's attributes for plan checks.
func tfPath(steps ...string) tfjsonpath.Path {
	p := tfjsonpath.New(steps[0])
	for _, s := range steps[1:] {
		p = p.AtMapKey(s)
	}
	return p
}
