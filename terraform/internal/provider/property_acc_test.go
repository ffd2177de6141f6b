package provider

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// TestAccRandomConfigsPlanEmpty applies random valid configurations, each to a fresh workspace, and
// checks that planning again (after apply, and after a refresh) gives an empty plan: whatever
// spellings and optional settings a configuration uses, the API's answer is no change.
// WSYNC_TF_PROPERTY_N sets how many (default 6), WSYNC_TF_PROPERTY_SEED the seed (default 1, so that
// CI runs the same configurations every time; a failure logs the seed and the configuration).
func TestAccRandomConfigsPlanEmpty(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	n, seed := 6, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("WSYNC_TF_PROPERTY_N")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.ParseUint(os.Getenv("WSYNC_TF_PROPERTY_SEED"), 10, 64); err == nil {
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range n {
		cfg := randomConfig(rng)
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			srv, provider := accFake(t)
			t.Logf("seed %d, configuration %d:\n%s", seed, i, cfg)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(),
				CheckDestroy:             workspaceEmpty(srv.Client()),
				Steps: []resource.TestStep{
					{Config: provider + cfg},
					{Config: provider + cfg, PlanOnly: true},
				},
			})
		})
	}
}

// randomConfig returns a random valid configuration of a connection, a data model and a pipeline.
func randomConfig(rng *rand.Rand) string {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	var b strings.Builder
	providers := wire.Providers()
	p := providers[rng.IntN(len(providers))]
	fmt.Fprintf(&b, "resource \"warehousesync_connection\" \"c\" {\n  id = %q\n  name = %q\n  state = %q\n  %s = {\n",
		"conn-"+strconv.Itoa(rng.IntN(1000)), pick("Warehouse", "DW", "a b c"), pick(wire.ConnectionState.Values()...), blockName(p))
	for _, k := range p.Config {
		switch {
		case k.Name == "port" && rng.IntN(2) == 0:
			fmt.Fprintf(&b, "    port = \"%d\"\n", rng.IntN(65535)+1)
		case k.Required || rng.IntN(3) == 0:
			fmt.Fprintf(&b, "    %s = %q\n", k.Name, k.Name+"-"+strconv.Itoa(rng.IntN(100)))
		}
	}
	b.WriteString("  }\n}\n\n")
	fmt.Fprintf(&b, "resource \"warehousesync_data_model\" \"m\" {\n  id = \"model\"\n  name = \"Model\"\n  state = %q\n  sql_query = \"SELECT id, updated_at FROM t\"\n}\n\n",
		pick(wire.DataModelState.Values()...))

	b.WriteString("resource \"warehousesync_pipeline\" \"p\" {\n  id = \"pipe\"\n  name = \"Pipe\"\n")
	b.WriteString("  connection_id = warehousesync_connection.c.id\n  data_model_id = warehousesync_data_model.m.id\n")
	if pt := pick(wire.PipelineType.Values()...); pt == "events" {
		b.WriteString("  pipeline_type = \"events\"\n  field_transformation_id = \"ft-1\"\n")
	} else {
		b.WriteString("  pipeline_type = \"user_attributes\"\n")
	}
	fmt.Fprintf(&b, "  state = %q\n  environment = %q\n", pick("new", "paused"), pick(wire.Environment.Values()...))
	if rng.IntN(2) == 0 {
		fmt.Fprintf(&b, "  partner_feed_id = %d\n  partner_feed_key = \"key-%d\"\n", rng.IntN(100000)+1, rng.IntN(100))
	}
	if rng.IntN(2) == 0 {
		fmt.Fprintf(&b, "  data_plan_id = \"plan\"\n  data_plan_version = %d\n", rng.IntN(9)+1)
	}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(20000)) * time.Hour)
	ts := func(t time.Time) string {
		zone := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(5*3600 + 1800))}[rng.IntN(3)]
		layout := pick(time.RFC3339, "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.999999Z07:00")
		return t.Add(time.Duration(rng.IntN(1000)) * time.Millisecond).In(zone).Format(layout)
	}
	b.WriteString("  sync_mode = {\n")
	if rng.IntN(2) == 0 {
		fmt.Fprintf(&b, "    type = \"incremental\"\n    iterator_field = \"updated_at\"\n    iterator_data_type = %q\n",
			pick(wire.IteratorDataType.Values()...))
	} else {
		b.WriteString("    type = \"full\"\n")
	}
	if rng.IntN(2) == 0 {
		fmt.Fprintf(&b, "    from = %q\n", ts(base))
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "    until = %q\n", ts(base.Add(90*24*time.Hour)))
		}
	}
	b.WriteString("  }\n  schedule = {\n")
	switch st := pick("interval", "once", "on_demand", "on-demand"); st {
	case "interval":
		fmt.Fprintf(&b, "    type = \"interval\"\n    frequency = %q\n    start = %q\n", pick(wire.Frequency.Values()...), ts(base))
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "    end = %q\n", ts(base.Add(365*24*time.Hour)))
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "    delay = \"%d%s\"\n", rng.IntN(30)+1, pick("s", "m", "h", "d", "w"))
		}
	default:
		fmt.Fprintf(&b, "    type = %q\n", st)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}
