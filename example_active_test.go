package warehousesync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsync-dev/warehousesync"
)

// newPipelineExampleServer serves one hourly pipeline of workspace 12345 whose scheduled run for 00:00
// is running while a manual run of 00:30 has finished; the third report finds the pipeline idle.
func newPipelineExampleServer() *httptest.Server {
	const root = "/platform/v2/workspaces/12345/inputs/data-pipelines/hourly-pipeline"
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"access_token": "example-token", "expires_in": 28800, "token_type": "Bearer"})
	})
	manual := map[string]any{"id": 9, "pipeline_id": "hourly-pipeline", "type": "manual", "status": "success",
		"logical_date": "2024-05-01T00:30:00Z"}
	scheduled := map[string]any{"id": 8, "pipeline_id": "hourly-pipeline", "type": "scheduled", "status": "running",
		"logical_date": "2024-05-01T00:00:00Z"}
	var reports atomic.Int32
	mux.HandleFunc("GET "+root+"/report", func(w http.ResponseWriter, r *http.Request) {
		status := "running"
		if reports.Add(1) >= 3 {
			status = "idle"
		}
		reply(w, map[string]any{"pipeline_id": "hourly-pipeline", "status": status, "connection_status": "healthy",
			"data_model_status": "valid", "latest_pipeline_run": manual})
	})
	mux.HandleFunc("GET "+root+"/runs", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"items": []any{scheduled, manual}, "current_page": 1, "page_size": 100,
			"total_pages": 1, "total_items": 2})
	})
	var mu sync.Mutex
	pipeline := map[string]any{"id": "hourly-pipeline", "name": "Hourly", "pipeline_type": "user_attributes",
		"connection_id": "sf", "data_model_id": "tickets", "state": "active", "status": "running",
		"sync_mode": map[string]any{"type": "full"}, "schedule": map[string]any{"type": "on_demand"},
		"environment": "development"}
	mux.HandleFunc(root, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut {
			_ = json.NewDecoder(r.Body).Decode(&pipeline)
		}
		reply(w, pipeline)
	})
	return httptest.NewServer(mux)
}

func ExampleRunsService_Active() {
	srv := newPipelineExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()

	// The report shows the run with the greatest logical date, here a finished manual run, although a
	// scheduled run is active. Active finds that one (reading pages of runs when it must).
	rep, err := c.Pipelines.Report(ctx, "hourly-pipeline")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("report:", rep.Status, rep.LatestPipelineRun.ID, rep.LatestPipelineRun.Status)
	run, err := c.Runs.Active(ctx, "hourly-pipeline")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("active:", run.ID, run.Type, run.Status)
	// Output:
	// report: running 9 success
	// active: 8 scheduled running
}

func ExamplePipelinesService_WaitIdle() {
	srv := newPipelineExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // bounds the wait
	defer cancel()
	rep, err := c.Pipelines.WaitIdle(ctx, "hourly-pipeline", warehousesync.PollEvery(time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Status)
	// Output: idle
}

func ExamplePipelinesService_Pause() {
	srv := newPipelineExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()

	// A GET then a PUT of the whole pipeline: a concurrent change between the two would be overwritten.
	p, err := c.Pipelines.Pause(ctx, "hourly-pipeline")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.ID, p.State)
	if p, err = c.Pipelines.Resume(ctx, "hourly-pipeline"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.ID, p.State)
	// Output:
	// hourly-pipeline paused
	// hourly-pipeline active
}
