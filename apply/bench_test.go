package apply_test

import (
	"context"
	"fmt"
	"testing"

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

// BenchmarkPlan300 plans 300 resources against the fake that already holds them (no changes), and
// reports the API requests one plan makes.
func BenchmarkPlan300(b *testing.B) {
	srv := warehousesynctest.NewServer(b, warehousesynctest.WithMaxActivePipelines(0))
	c := srv.Client()
	ctx := context.Background()
	d := desired(state300())
	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := apply.Apply(ctx, c, p, nil); err != nil {
		b.Fatal(err)
	}
	before := len(srv.Requests())
	b.ResetTimer()
	for b.Loop() {
		p, err := apply.MakePlan(ctx, c, d, apply.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p.HasChanges() {
			b.Fatalf("unexpected changes: %d", len(p.Changes))
		}
	}
	b.StopTimer()
	api := 0
	for _, r := range srv.Requests()[before:] {
		if r.Path != "/oauth/token" {
			api++
		}
	}
	b.ReportMetric(float64(api)/float64(b.N), "requests/op")
}

// TestPlan300Requests: a plan of 300 resources makes three requests, one list per kind.
func TestPlan300Requests(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithMaxActivePipelines(0))
	c := srv.Client()
	ctx := context.Background()
	d := desired(state300())
	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apply.Apply(ctx, c, p, nil); err != nil {
		t.Fatal(err)
	}
	before := len(srv.Requests())
	p, err = apply.MakePlan(ctx, c, d, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() || len(p.Unchanged) != 300 {
		t.Fatalf("changes %d, unchanged %d", len(p.Changes), len(p.Unchanged))
	}
	var api []string
	for _, r := range srv.Requests()[before:] {
		if r.Path != "/oauth/token" {
			api = append(api, r.Method)
		}
	}
	if len(api) != 3 {
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
