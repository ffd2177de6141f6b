package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// BenchmarkPipelineCreateDelete measures one validated create and one delete of a pipeline over HTTP.
func BenchmarkPipelineCreateDelete(b *testing.B) {
	_, a := newAPI(b, WithMaxActivePipelines(0))
	a.seedBasics()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("p-%d", i)
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody(id, "conn", "model"), nil)
		a.must(http.StatusNoContent, http.MethodDelete, "/inputs/data-pipelines/"+id, nil, nil)
	}
}

// BenchmarkListConnections measures listing 100 connections over HTTP.
func BenchmarkListConnections(b *testing.B) {
	_, a := newAPI(b)
	for i := 0; i < 100; i++ {
		a.must(http.StatusOK, http.MethodPost, "/connections", redshiftBody(fmt.Sprintf("c-%03d", i)), nil)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.must(http.StatusOK, http.MethodGet, "/connections", nil, nil)
	}
}

// benchOp is one request of the throughput mix, with the answer the fake gives it.
type benchOp struct {
	method string
	path   string // the URL path
	body   []byte // nil: none
	status int
	answer []byte
}

// throughputPipelines is how many pipelines the mix reads and writes.
const throughputPipelines = 4

// throughputMix prepares a fake server for the throughput benchmark and returns it with a token and its
// mix of requests: 7 reads and 3 writes, over one connection, one data model and four pipelines with a
// catch-up run in progress each (the clock does not move). The writes put back what is stored, so the answers stay the same; the ops record them.
func throughputMix(b *testing.B, others int, opts ...Option) (*Server, string, []benchOp) {
	b.Helper()
	srv, a := newAPI(b, append([]Option{WithMaxActivePipelines(0)}, opts...)...)
	a.seedBasics()
	if others > 0 {
		o := a.in("other")
		o.seedBasics()
		for i := range others {
			o.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("o"+strconv.Itoa(i), "conn", "model"), nil)
		}
	}
	for i := range throughputPipelines {
		id := "p" + strconv.Itoa(i)
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody(id, "conn", "model"), nil)
	}
	var ops []benchOp
	add := func(method, path string, body any) {
		op := benchOp{method: method, path: apiPrefix + a.ws + path}
		if body != nil {
			op.body = mustJSON(b, body)
		}
		ops = append(ops, op)
	}
	for i := range throughputPipelines {
		id := "p" + strconv.Itoa(i)
		p := "/inputs/data-pipelines/" + id
		add(http.MethodGet, p, nil)
		add(http.MethodGet, "/connections/conn", nil)
		add(http.MethodGet, "/data-models/model", nil)
		add(http.MethodPut, "/data-models/model", dataModelBody("model"))
		add(http.MethodGet, p+"/runs", nil)
		add(http.MethodGet, p+"/report", nil)
		add(http.MethodPut, p, pipelineBody(id, "conn", "model"))
		add(http.MethodGet, "/inputs/data-pipelines", nil)
		add(http.MethodPut, "/connections/conn", snowflakeBody("conn"))
		add(http.MethodGet, p, nil)
	}
	hc := benchHTTPClient()
	defer hc.CloseIdleConnections()
	for round := range 2 { // the first round of writes sets last_modified_on; the second records answers
		for i := range ops {
			status, answer := sendOp(hc, srv.URL(), &ops[i], "Bearer "+a.token)
			if status != http.StatusOK {
				b.Fatalf("%s %s: %d %s", ops[i].method, ops[i].path, status, answer)
			}
			if round == 1 {
				ops[i].status, ops[i].answer = status, answer
			}
		}
	}
	return srv, a.token, ops
}

// benchHTTPClient is a keep-alive client with enough idle connections for every benchmark goroutine.
func benchHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	return &http.Client{Transport: t}
}

// sendOp sends op to the server at base and returns the status and body of the answer (status 0 and
// the error text when the request failed).
func sendOp(hc *http.Client, base string, op *benchOp, auth string) (int, []byte) {
	var body io.Reader
	if op.body != nil {
		body = bytes.NewReader(op.body)
	}
	req, err := http.NewRequest(op.method, base+op.path, body)
	if err != nil {
		return 0, []byte(err.Error())
	}
	req.Header.Set("Authorization", auth)
	if op.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, []byte(err.Error())
	}
	return resp.StatusCode, b
}

// throughputParallelism is the number of client goroutines per GOMAXPROCS: many tests share one fake.
const throughputParallelism = 4

// runMix sends the mix to the server at base from parallel keep-alive clients and reports requests per
// second. Every answer must have the recorded status, and the recorded bytes when exact.
func runMix(b *testing.B, base, auth string, ops []benchOp, exact bool) {
	hc := benchHTTPClient()
	b.Cleanup(hc.CloseIdleConnections)
	b.ReportAllocs()
	b.SetParallelism(throughputParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			op := &ops[i%len(ops)]
			status, answer := sendOp(hc, base, op, auth)
			if status != op.status || (exact && !bytes.Equal(answer, op.answer)) {
				b.Errorf("%s %s: %d %s, want %d %s", op.method, op.path, status, answer, op.status, op.answer)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkThroughput sends a mix of 70% reads and 30% writes from parallel keep-alive clients
// (4 per GOMAXPROCS) to one fake server (server=fake), and the same requests to a minimal net/http
// handler that answers each with the bytes the fake gave it (server=baseline). Target: the fake
// serves at least half the baseline's requests per second; scripts/bench.sh prints the ratio. Two more
// fakes hold 1,000 other pipelines in another workspace, as a fake shared by a whole test suite does:
// one with the manual clock, one with the real-time clock (whose answers change as time passes, so only
// their status is checked).
func BenchmarkThroughput(b *testing.B) {
	srv, token, ops := throughputMix(b, 0)
	b.Run("server=fake", func(b *testing.B) {
		runMix(b, srv.URL(), "Bearer "+token, ops, true)
	})
	b.Run("server=fake1000", func(b *testing.B) {
		srv, token, ops := throughputMix(b, 1000)
		runMix(b, srv.URL(), "Bearer "+token, ops, true)
	})
	b.Run("server=fake1000rt", func(b *testing.B) {
		srv, token, ops := throughputMix(b, 1000, WithRealTimeClock())
		runMix(b, srv.URL(), "Bearer "+token, ops, false)
	})
	b.Run("server=baseline", func(b *testing.B) {
		runMix(b, baselineServer(b, ops).URL, "Bearer "+token, ops, true)
	})
}

// baselineServer answers every request of ops, by method and path, with the recorded answer; it reads
// the request body, as any handler must.
func baselineServer(b *testing.B, ops []benchOp) *httptest.Server {
	b.Helper()
	answers := map[string]*benchOp{}
	for i := range ops {
		answers[ops[i].method+" "+ops[i].path] = &ops[i]
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		op, found := answers[r.Method+" "+r.URL.Path]
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(op.status)
		_, _ = w.Write(op.answer)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// runHistory gives pipeline "p" of a new fake server a history of 100,002 runs within the retention
// period: each hour one scheduled run and five manual ones (at :10 … :50), so the scheduled and manual
// lists interleave, as in the engine's BenchmarkListRuns. The runs are triggered on the engine, under
// the server's mutex, as the trigger handler does: over HTTP the setup alone would take a minute.
func runHistory(b *testing.B) (*Server, *api) {
	b.Helper()
	srv, a := newAPI(b)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	srv.mu.Lock()
	t := srv.clock.Now()
	for range 16_667 {
		for m := 10; m <= 50; m += 10 {
			if _, err := srv.advanceToLocked(t.Add(time.Duration(m) * time.Minute)); err != nil {
				srv.mu.Unlock()
				b.Fatal(err)
			}
			if _, err := srv.eng.Trigger(a.ws, "p"); err != nil {
				srv.mu.Unlock()
				b.Fatal(err)
			}
		}
		t = t.Add(time.Hour)
	}
	_, err := srv.advanceToLocked(t.Add(time.Minute))
	n := srv.eng.RunCount(a.ws, "p")
	srv.mu.Unlock()
	if err != nil || n < 100_000 {
		b.Fatalf("history has %d runs: %v", n, err)
	}
	a.token = getToken(b, srv) // the first one expired during the history
	return srv, a
}

// BenchmarkListRunsHTTP gets page 1 and page 1,000 (50 runs each) of a 100,000-run history over HTTP,
// without and with a date filter that keeps about 60% of it: the engine's page cost plus the query
// parsing and the JSON encoding of the page. Target: the deep page within 2× of the first.
func BenchmarkListRunsHTTP(b *testing.B) {
	srv, a := runHistory(b)
	start := DefaultStartTime()
	filter := "&startDate=" + start.Add(2000*time.Hour).Format(time.RFC3339) +
		"&endDate=" + start.Add(12000*time.Hour).Format(time.RFC3339)
	hc := benchHTTPClient()
	b.Cleanup(hc.CloseIdleConnections)
	for _, bc := range []struct{ name, query string }{
		{"page1", "?currentPage=1"},
		{"page1000", "?currentPage=1000"},
		{"page1_filtered", "?currentPage=1" + filter},
		{"page1000_filtered", "?currentPage=1000" + filter},
	} {
		b.Run(bc.name, func(b *testing.B) {
			op := &benchOp{method: http.MethodGet, path: apiPrefix + a.ws + "/inputs/data-pipelines/p/runs" + bc.query}
			status, answer := sendOp(hc, srv.URL(), op, "Bearer "+a.token)
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			if err := json.Unmarshal(answer, &page); status != http.StatusOK || err != nil || len(page.Items) != 50 {
				b.Fatalf("%d %v: %.200s", status, err, answer)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if status, answer := sendOp(hc, srv.URL(), op, "Bearer "+a.token); status != http.StatusOK {
					b.Fatalf("%d %s", status, answer)
				}
			}
		})
	}
}
