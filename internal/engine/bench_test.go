package engine

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

var benchStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

func hourlyPipelines(e *Engine, n int) {
	for i := range n {
		e.PutPipeline(wsID, pipeline(fmt.Sprintf("p%03d", i), incremental("", ""),
			interval(FrequencyHourly, benchStart.Format(time.RFC3339), "", "")))
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// simulateYear runs n hourly pipelines for a year and reports runs/s and the heap per retained run.
func simulateYear(b *testing.B, n int) {
	b.ReportAllocs()
	runs := 0
	var bytesPerRun float64
	for i := range b.N {
		b.StopTimer()
		before := heapInUse()
		e := New(Config{Start: benchStart, MaxEventsPerAdvance: 100_000_000})
		hourlyPipelines(e, n)
		b.StartTimer()
		if _, err := e.AdvanceTo(benchStart.AddDate(1, 0, 0)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		retained := 0
		for j := range n {
			retained += e.RunCount(wsID, fmt.Sprintf("p%03d", j))
		}
		runs += retained
		if i == 0 {
			bytesPerRun = float64(heapInUse()-before) / float64(retained)
		}
		runtime.KeepAlive(e)
		b.StartTimer()
	}
	b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(runs/b.N), "runs/op")
	b.ReportMetric(bytesPerRun, "B/retained-run")
}

// BenchmarkHourlyYear simulates one hourly pipeline for a year: 8,760 runs.
func BenchmarkHourlyYear(b *testing.B) { simulateYear(b, 1) }

// BenchmarkHundredHourlyYear simulates 100 hourly pipelines for a year: 876,000 runs.
func BenchmarkHundredHourlyYear(b *testing.B) { simulateYear(b, 100) }

// history100k builds a pipeline with 100,002 runs within the retention period: each hour one scheduled
// run and five manual ones (at :10 … :50), so the scheduled and manual lists interleave.
func history100k(b *testing.B) *Engine {
	b.Helper()
	e := New(Config{Start: benchStart})
	hourlyPipelines(e, 1)
	t := benchStart
	for range 16_667 {
		for m := 10; m <= 50; m += 10 {
			if _, err := e.AdvanceTo(t.Add(time.Duration(m) * time.Minute)); err != nil {
				b.Fatal(err)
			}
			if _, err := e.Trigger(wsID, "p000"); err != nil {
				b.Fatal(err)
			}
		}
		t = t.Add(time.Hour)
	}
	if _, err := e.AdvanceTo(t.Add(time.Minute)); err != nil {
		b.Fatal(err)
	}
	if n := e.RunCount(wsID, "p000"); n < 100_000 {
		b.Fatalf("history has %d runs", n)
	}
	return e
}

// BenchmarkListRuns lists page 1 and page 1,000 (50 runs each) of a 100,000-run history, without and
// with a date filter that keeps about 60% of it.
func BenchmarkListRuns(b *testing.B) {
	e := history100k(b)
	from, to := benchStart.Add(2000*time.Hour), benchStart.Add(12000*time.Hour)
	for _, bc := range []struct {
		name string
		q    RunQuery
	}{
		{"page1", RunQuery{Page: 1}},
		{"page1000", RunQuery{Page: 1000}},
		{"page1_filtered", RunQuery{Page: 1, From: &from, To: &to}},
		{"page1000_filtered", RunQuery{Page: 1000, From: &from, To: &to}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				p := e.ListRuns(wsID, "p000", bc.q)
				if len(p.Items) != DefaultPageSize {
					b.Fatalf("page has %d items", len(p.Items))
				}
			}
		})
	}
}

// BenchmarkRunAllocations runs one hourly pipeline for a year (8,760 runs) in an engine without
// resources and in one whose workspace has the pipeline's connection and data model, healthy (what the
// fake has), and reports the bytes allocated per run. Target: under 500 B per run with the resources.
func BenchmarkRunAllocations(b *testing.B) {
	for _, bc := range []struct {
		name      string
		resources bool
	}{{"env=none", false}, {"env=store", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var bytes, runs uint64
			for range b.N {
				e := New(Config{Start: benchStart})
				if bc.resources {
					_ = e.CreateConnection(wsID, &Connection{ID: "conn", ServiceProvider: "Databricks",
						Config: ConnectionConfig{"provider": "org", "schema": "s"}})
					_ = e.CreateDataModel(wsID, &DataModel{ID: "model", Type: "sql", Config: DataModelConfig{SQLQuery: "SELECT 1"}})
				}
				hourlyPipelines(e, 1)
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				if _, err := e.AdvanceTo(benchStart.AddDate(1, 0, 0)); err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&after)
				bytes += after.TotalAlloc - before.TotalAlloc
				runs += uint64(e.RunCount(wsID, "p000"))
			}
			b.ReportMetric(float64(bytes)/float64(runs), "B/run")
		})
	}
}
