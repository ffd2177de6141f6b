package warehousesynctest

import (
	"net/http"
	"runtime"
	"testing"
	"time"
)

// BenchmarkAdvanceAllocations advances a fake with one hourly pipeline by a year (8,760 runs) and
// reports the bytes allocated per run, store and engine together. Target: under 500 B per run.
func BenchmarkAdvanceAllocations(b *testing.B) {
	b.ReportAllocs()
	var bytes, runs uint64
	for range b.N {
		b.StopTimer()
		srv, a := newAPI(b)
		a.seedBasics()
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		if err := srv.Advance(365 * 24 * time.Hour); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.ReadMemStats(&after)
		bytes += after.TotalAlloc - before.TotalAlloc
		srv.mu.Lock()
		runs += uint64(srv.eng.RunCount(a.ws, "p"))
		srv.mu.Unlock()
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(bytes)/float64(runs), "B/run")
}
