package warehousesync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// benchPipelineJSON is the answer of the plain server: a pipeline as the API returns it.
const benchPipelineJSON = `{"id":"p","name":"p","pipeline_type":"user_attributes","connection_id":"sf",` +
	`"data_model_id":"m","state":"active","status":"idle","sync_mode":{"type":"full"},` +
	`"schedule":{"type":"on_demand"},"environment":"development",` +
	`"created_on":"2023-10-25T15:21:55.899Z","last_modified_on":null}`

// benchToken is the bearer token of the plain server.
const benchToken = "bench-token"

// plainServer is the fairest baseline server: a handler that answers every request with the same
// pipeline JSON, so the benchmarks below measure the callers, not the server.
func plainServer(b *testing.B) *httptest.Server {
	b.Helper()
	body := []byte(benchPipelineJSON)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// handWritten is what a user would write without the client: net/http and encoding/json, with the
// Authorization header, decoding into the same type.
type handWritten struct {
	hc   *http.Client
	url  string // of the pipeline
	auth string // Authorization header value
}

func newHandWritten(hc *http.Client, baseURL, workspaceID, token string) *handWritten {
	return &handWritten{
		hc:   hc,
		url:  baseURL + "/platform/v2/workspaces/" + workspaceID + "/inputs/data-pipelines/p",
		auth: "Bearer " + token,
	}
}

func (h *handWritten) get(ctx context.Context) (*ws.Pipeline, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", h.auth)
	req.Header.Set("Accept", "application/json")
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var p ws.Pipeline
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body) // let the connection be reused
	return &p, nil
}

// cannedTransport answers every request with the plain server's pipeline, without a network: with it
// the benchmark measures nothing but the two callers' own work.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(benchPipelineJSON)),
		ContentLength: int64(len(benchPipelineJSON)),
		Request:       req,
	}, nil
}

// newTransportClient returns an HTTP client with a keep-alive transport of its own, whose idle
// connections close when the benchmark ends.
func newTransportClient(b *testing.B) *http.Client {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(hc.CloseIdleConnections)
	return hc
}

// fakeWithPipeline starts a fake server with pipeline "p" and returns it with a client and a token.
func fakeWithPipeline(b *testing.B) (*warehousesynctest.Server, *ws.Client, string) {
	b.Helper()
	ctx := context.Background()
	srv := warehousesynctest.NewServer(b)
	c := srv.Client()
	if _, err := c.Connections.Create(ctx, &ws.Connection{ID: "sf", Name: "SF", State: ws.StateActive,
		Config: &ws.SnowflakeConfig{AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "wh",
			Database: "db", Role: "role", User: "user", Password: "pw", StorageIntegration: "mp_us1_1_1_s3"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.DataModels.Create(ctx, &ws.DataModel{ID: "m", Name: "M", State: ws.StateActive,
		Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT email, updated_on FROM t"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Pipelines.Create(ctx, &ws.Pipeline{ID: "p", Name: "P", PipelineType: ws.PipelineUserAttributes,
		ConnectionID: "sf", DataModelID: "m", State: ws.StateActive, Environment: ws.EnvironmentDevelopment,
		SyncMode: ws.SyncMode{Type: ws.SyncFull}, Schedule: ws.Schedule{Type: ws.ScheduleOnDemand}}); err != nil {
		b.Fatal(err)
	}
	id, secret := srv.Credentials()
	resp, err := http.Post(srv.TokenURL(), "application/json", strings.NewReader(
		`{"client_id":"`+id+`","client_secret":"`+secret+`","grant_type":"client_credentials"}`))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %v", err)
	}
	return srv, c, tok.AccessToken
}

// BenchmarkClientOverhead compares Pipelines.Get with a hand-written net/http + encoding/json call to
// the same server: a plain handler returning a fixed pipeline (the fair baseline, where the client's
// own cost shows) and the fake server. Target: the client within 1.2× the time and 1.5× the
// allocations of the hand-written call. A third pair sends both through a transport that answers
// without a network, so only the callers' own work is left: no target, it shows what the client adds.
// scripts/bench.sh prints the ratios.
func BenchmarkClientOverhead(b *testing.B) {
	ctx := context.Background()
	b.Run("server=plain", func(b *testing.B) {
		srv := plainServer(b)
		c, err := ws.NewClient("w", ws.WithBaseURL(srv.URL), ws.WithBearerToken(benchToken))
		if err != nil {
			b.Fatal(err)
		}
		benchGetPair(b, ctx, newHandWritten(newTransportClient(b), srv.URL, "w", benchToken), c)
	})
	b.Run("server=fake", func(b *testing.B) {
		srv, c, token := fakeWithPipeline(b)
		benchGetPair(b, ctx, newHandWritten(newTransportClient(b), srv.URL(), srv.WorkspaceID(), token), c)
	})
	b.Run("server=none", func(b *testing.B) {
		hc := &http.Client{Transport: cannedTransport{}}
		const base = "http://api.invalid"
		c, err := ws.NewClient("w", ws.WithBaseURL(base), ws.WithBearerToken(benchToken), ws.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		benchGetPair(b, ctx, newHandWritten(hc, base, "w", benchToken), c)
	})
}

// benchGetPair runs the hand-written call and the client's call as two sub-benchmarks.
func benchGetPair(b *testing.B, ctx context.Context, h *handWritten, c *ws.Client) {
	b.Run("caller=nethttp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.get(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("caller=client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Pipelines.Get(ctx, "p"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPipelinesGet measures one call through the whole request path (validation, request,
// retry wrapper, token cache, decoding) against a loopback server, from parallel goroutines.
func BenchmarkPipelinesGet(b *testing.B) {
	srv := plainServer(b)
	c, err := ws.NewClient("w", ws.WithBaseURL(srv.URL), ws.WithBearerToken(benchToken))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Pipelines.Get(ctx, "p"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchRunsPageJSON is a page of 100 runs as the API returns it.
func benchRunsPageJSON() []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"pipeline_id":"p","type":"scheduled_interval","status":"success","errors":[],`+
			`"logical_date":"2024-05-01T%02d:00:00.000Z","started_on":"2024-05-01T%02d:00:01.120Z",`+
			`"ended_on":"2024-05-01T%02d:01:01.120Z","range_start":"2024-05-01T%02d:00:00.000Z",`+
			`"range_end":"2024-05-01T%02d:59:59.999Z","successful_records":1200,"failed_records":0}`,
			1000+i, i%24, i%24, i%24, i%24, i%24)
	}
	b.WriteString(`],"current_page":1,"page_size":100,"total_pages":3,"total_items":300,"has_previous_page":false,"has_next_page":true}`)
	return []byte(b.String())
}

// runsTransport answers every request with body, without a network.
type runsTransport struct{ body []byte }

func (t runsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)), Request: req}, nil
}

// handRun and handRunPage are what a user would decode a page of runs into by hand: plain fields,
// time.Time for the timestamps.
type handRun struct {
	ID                int64            `json:"id"`
	PipelineID        string           `json:"pipeline_id"`
	Type              string           `json:"type"`
	Status            string           `json:"status"`
	Errors            []ws.ErrorDetail `json:"errors"`
	LogicalDate       time.Time        `json:"logical_date"`
	StartedOn         time.Time        `json:"started_on"`
	EndedOn           time.Time        `json:"ended_on"`
	RangeStart        time.Time        `json:"range_start"`
	RangeEnd          time.Time        `json:"range_end"`
	SuccessfulRecords int64            `json:"successful_records"`
	FailedRecords     int64            `json:"failed_records"`
}

type handRunPage struct {
	Items       []*handRun `json:"items"`
	CurrentPage int        `json:"current_page"`
	PageSize    int        `json:"page_size"`
	TotalPages  int        `json:"total_pages"`
	TotalItems  int        `json:"total_items"`
	HasNext     bool       `json:"has_next_page"`
	HasPrevious bool       `json:"has_previous_page"`
}

// BenchmarkRunsListOverhead compares Runs.List of a page of 100 runs with a hand-written net/http +
// encoding/json call decoding into plain types, both through a transport without a network, so only
// the callers' own work is measured.
func BenchmarkRunsListOverhead(b *testing.B) {
	ctx := context.Background()
	hc := &http.Client{Transport: runsTransport{body: benchRunsPageJSON()}}
	const base = "http://api.invalid"
	b.Run("caller=nethttp", func(b *testing.B) {
		b.ReportAllocs()
		url := base + "/platform/v2/workspaces/w/inputs/data-pipelines/p/runs?pageSize=100"
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+benchToken)
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var page handRunPage
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || len(page.Items) != 100 {
				b.Fatal(err, len(page.Items))
			}
		}
	})
	b.Run("caller=client", func(b *testing.B) {
		c, err := ws.NewClient("w", ws.WithBaseURL(base), ws.WithBearerToken(benchToken), ws.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			page, err := c.Runs.List(ctx, "p", &ws.ListRunsOptions{PageSize: 100})
			if err != nil || len(page.Items) != 100 {
				b.Fatal(err)
			}
		}
	})
}
