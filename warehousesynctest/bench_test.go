package warehousesynctest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
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
func throughputMix(b *testing.B, others int) (*Server, string, []benchOp) {
	b.Helper()
	srv, a := newAPI(b, WithMaxActivePipelines(0))
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
// second. Every answer must have the recorded status and bytes.
func runMix(b *testing.B, base, auth string, ops []benchOp) {
	hc := benchHTTPClient()
	b.Cleanup(hc.CloseIdleConnections)
	b.ReportAllocs()
	b.SetParallelism(throughputParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			op := &ops[i%len(ops)]
			status, answer := sendOp(hc, base, op, auth)
			if status != op.status || !bytes.Equal(answer, op.answer) {
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
// serves at least half the baseline's requests per second; scripts/bench.sh prints the ratio.
func BenchmarkThroughput(b *testing.B) {
	srv, token, ops := throughputMix(b, 0)
	b.Run("server=fake", func(b *testing.B) {
		runMix(b, srv.URL(), "Bearer "+token, ops)
	})
	b.Run("server=fake1000", func(b *testing.B) {
		srv, token, ops := throughputMix(b, 1000)
		runMix(b, srv.URL(), "Bearer "+token, ops)
	})
	b.Run("server=baseline", func(b *testing.B) {
		runMix(b, baselineServer(b, ops).URL, "Bearer "+token, ops)
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
