package apply_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// state300 is 100 connections, 100 data models and 100 pipelines.
func state300() apply.State {
	var s apply.State
	for i := range 100 {
		cid, mid := fmt.Sprintf("conn-%03d", i), fmt.Sprintf("model-%03d", i)
		s.Connections = append(s.Connections, snowflake(cid, "pw"))
		s.DataModels = append(s.DataModels, model(mid, fmt.Sprintf("SELECT %d", i)))
		p := pipeline(fmt.Sprintf("pipe-%03d", i), cid, mid, ws.FrequencyDaily)
		p.State = ws.StatePaused
		s.Pipelines = append(s.Pipelines, p)
	}
	return s
}

// seeded300 is a fake that holds state300, with a client and the desired state.
func seeded300(tb testing.TB) (*warehousesynctest.Server, *ws.Client, *apply.Desired) {
	srv := warehousesynctest.NewServer(tb, warehousesynctest.WithMaxActivePipelines(0))
	c := srv.Client()
	d := desired(state300())
	seed(tb, c, d)
	return srv, c, d
}

// BenchmarkPlan300 plans 300 resources against the fake that already holds them (no changes), and
// reports the API requests one plan makes.
func BenchmarkPlan300(b *testing.B) {
	srv, c, d := seeded300(b)
	ctx := context.Background()
	before := len(srv.Requests())
	for b.Loop() {
		p, err := apply.MakePlan(ctx, c, d, apply.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p.HasChanges() {
			b.Fatalf("unexpected changes: %d", len(p.Changes))
		}
	}
	b.ReportMetric(float64(len(apiCalls(srv, before)))/float64(b.N), "requests/op")
}

// TestPlan300Requests: a plan of 300 resources makes three requests, one list per kind.
func TestPlan300Requests(t *testing.T) {
	t.Parallel()
	srv, c, d := seeded300(t)
	before := len(srv.Requests())
	p, err := apply.MakePlan(context.Background(), c, d, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() || len(p.Unchanged) != 300 {
		t.Fatalf("changes %d, unchanged %d", len(p.Changes), len(p.Unchanged))
	}
	if api := apiCalls(srv, before); len(api) != 3 {
		t.Fatalf("a plan made %d requests, want 3", len(api))
	}
}

// BenchmarkCompare300 is the comparison alone of 300 unchanged resources, without requests.
func BenchmarkCompare300(b *testing.B) {
	d := desired(state300())
	actual := state300()
	for b.Loop() {
		p, err := apply.Compare(d, &actual, apply.Options{})
		if err != nil || p.HasChanges() {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadLargeFile loads one file of 3,000 pipelines (about 1 MiB, 60,000 values): the loader is
// linear in the values it reads.
func BenchmarkLoadLargeFile(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("pipelines:\n")
	for i := range 3000 {
		fmt.Fprintf(&sb, "  - id: p%d\n    name: Pipeline %d\n    pipeline_type: user_attributes\n    connection_id: c\n    data_model_id: m\n"+
			"    state: active\n    environment: development\n    sync_mode: {type: incremental, iterator_field: updated_at, iterator_data_type: timestamp}\n"+
			"    schedule: {type: interval, frequency: hourly, start: \"2025-01-01T00:00:00Z\"}\n", i, i)
	}
	fsys := fstest.MapFS{"big.yaml": {Data: []byte(sb.String())}}
	b.SetBytes(int64(sb.Len()))
	for b.Loop() {
		d, err := apply.Load(fsys, nil)
		if err != nil || len(d.Pipelines) != 3000 {
			b.Fatal(err)
		}
	}
}
