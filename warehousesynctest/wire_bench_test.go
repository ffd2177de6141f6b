package warehousesynctest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	ws "github.com/wsync-dev/warehousesync"
)

// BenchmarkServeInProcess measures the fake's own CPU for one answer, without a network: its handler
// (authentication, the request log, routing, the engine, the JSON) against a bare handler that writes
// the same bytes, for a runs page of 100 and for GET of a pipeline, in pairs (each iteration runs both),
// and reports the ratio: the fake's cost over the floor of any handler. B/op and allocs/op count both.
func BenchmarkServeInProcess(b *testing.B) {
	srv, a := newAPI(b, WithTokenTTL(10000*time.Hour))
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	if err := srv.Advance(200 * time.Hour); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"runs100", "/inputs/data-pipelines/p/runs?pageSize=100"},
		{"pipeline", "/inputs/data-pipelines/p"},
	} {
		target := apiPrefix + a.ws + bc.path
		req := func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, target, nil)
			r.Header.Set("Authorization", "Bearer "+a.token)
			return r
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req())
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		answer := rec.Body.Bytes()
		bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(answer)
		})
		// Paired: each iteration serves the request with both handlers, so both see the same load.
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var fake, floor time.Duration
			for b.Loop() {
				t0 := time.Now()
				srv.Handler().ServeHTTP(httptest.NewRecorder(), req())
				t1 := time.Now()
				bare.ServeHTTP(httptest.NewRecorder(), req())
				fake, floor = fake+t1.Sub(t0), floor+time.Since(t1)
			}
			b.ReportMetric(float64(fake.Nanoseconds())/float64(b.N), "fake-ns/op")
			b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "bare-ns/op")
			b.ReportMetric(float64(fake)/float64(floor), "ratio")
		})
	}
}

// cleanupTB is a testing.TB whose Cleanup functions run when cleanup is called, so that a benchmark
// can pay a whole test's NewServer, cleanup included, in every iteration.
type cleanupTB struct {
	testing.TB
	fns []func()
}

func (t *cleanupTB) Cleanup(f func()) { t.fns = append(t.fns, f) }

func (t *cleanupTB) cleanup() {
	for i := len(t.fns) - 1; i >= 0; i-- {
		t.fns[i]()
	}
	t.fns = t.fns[:0]
}

// BenchmarkTestFake measures what one test pays for its fake: NewServer, a client, its token, one call
// (listing the pipelines) and the cleanup, against the floor of any such test: httptest.NewServer with a
// handler that writes the fake's answer, a client with a fixed bearer token, the same call and Close.
// Each iteration runs both, so that both see the same load, and the ratio of their times is reported,
// wall time (ratio) and the process's CPU time (cpu-ratio: client, server and kernel work together,
// without the time either waits for a CPU the machine's other jobs hold).
func BenchmarkTestFake(b *testing.B) {
	ctx := context.Background()
	var answer []byte
	{
		srv := NewServer(b)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, apiPrefix+srv.WorkspaceID()+"/inputs/data-pipelines", nil)
		req.Header.Set("Authorization", "Bearer "+getToken(b, srv))
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		answer = rec.Body.Bytes()
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	})
	tb := &cleanupTB{TB: b}
	b.ReportAllocs()
	var fake, floor, fakeCPU, floorCPU time.Duration
	for b.Loop() {
		t0, c0 := time.Now(), processCPU()
		srv := NewServer(tb)
		if _, err := srv.Client().Pipelines.List(ctx, nil); err != nil {
			b.Fatal(err)
		}
		tb.cleanup()
		t1, c1 := time.Now(), processCPU()
		hs := httptest.NewServer(bare)
		c, err := ws.NewClient("w", ws.WithBaseURL(hs.URL), ws.WithBearerToken("t"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Pipelines.List(ctx, nil); err != nil {
			b.Fatal(err)
		}
		hs.Close()
		fake, floor = fake+t1.Sub(t0), floor+time.Since(t1)
		c2 := processCPU()
		fakeCPU, floorCPU = fakeCPU+c1-c0, floorCPU+c2-c1
	}
	b.ReportMetric(float64(fake.Nanoseconds())/float64(b.N), "fake-ns/op")
	b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "bare-ns/op")
	b.ReportMetric(float64(fake)/float64(floor), "ratio")
	if floorCPU > 0 {
		b.ReportMetric(float64(fakeCPU.Nanoseconds())/float64(b.N), "fake-cpu-ns/op")
		b.ReportMetric(float64(floorCPU.Nanoseconds())/float64(b.N), "bare-cpu-ns/op")
		b.ReportMetric(float64(fakeCPU)/float64(floorCPU), "cpu-ratio")
	}
}
