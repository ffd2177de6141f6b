package warehousesync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wsync-dev/warehousesync"
)

// newExampleServer stands in for the API in the examples: a tiny canned server for workspace 12345 that
// also serves the token endpoint. (Real programs and tests use the fake server, warehousesynctest.)
func newExampleServer() *httptest.Server {
	const root = "/platform/v2/workspaces/12345"
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	// echo answers a create with the request body plus what the server adds.
	echo := func(extra map[string]any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				reply(w, http.StatusBadRequest, map[string]any{"errors": []any{map[string]any{"message": err.Error()}}})
				return
			}
			if cfg, ok := body["config"].(map[string]any); ok && cfg["password"] != nil {
				cfg["password"] = warehousesync.MaskedSecret
			}
			for k, v := range extra {
				body[k] = v
			}
			body["created_on"] = "2024-05-01T12:00:00.000Z"
			reply(w, http.StatusOK, body)
		}
	}
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]any{"access_token": "example-token", "expires_in": 28800, "token_type": "Bearer"})
	})
	mux.HandleFunc("GET "+root+"/connections", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, []any{map[string]any{
			"id": "sf-connection", "name": "Snowflake connection", "state": "active", "status": "healthy",
			"service_provider": "Snowflake", "config": map[string]any{"account_identifier": "gd12345", "password": "************"},
		}})
	})
	mux.HandleFunc("POST "+root+"/connections", echo(map[string]any{"status": "healthy"}))
	mux.HandleFunc("POST "+root+"/data-models", echo(map[string]any{"status": "valid"}))
	mux.HandleFunc("POST "+root+"/inputs/data-pipelines", echo(map[string]any{"status": "idle"}))
	mux.HandleFunc("POST "+root+"/inputs/data-pipelines/trigger", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]any{"pipeline_run_id": 7, "status": "attempt_requested"})
	})
	mux.HandleFunc("GET "+root+"/inputs/data-pipelines/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNotFound, map[string]any{"statusCode": 404,
			"errors": []any{map[string]any{"message": "Pipeline '" + r.PathValue("id") + "' not found."}}})
	})
	mux.HandleFunc("GET "+root+"/inputs/data-pipelines/{id}/report", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]any{
			"pipeline_id": r.PathValue("id"), "status": "idle", "connection_status": "healthy", "data_model_status": "valid",
			"latest_successful_pipeline_run_id": 7,
			"latest_pipeline_run":               map[string]any{"id": 7, "status": "success", "successful_records": "1200"},
		})
	})
	var polls atomic.Int32
	mux.HandleFunc("GET "+root+"/inputs/data-pipelines/{id}/runs/7", func(w http.ResponseWriter, r *http.Request) {
		status := []string{"queued", "running", "success"}[min(polls.Add(1), 3)-1]
		reply(w, http.StatusOK, map[string]any{"id": 7, "pipeline_id": r.PathValue("id"), "type": "manual",
			"status": status, "successful_records": 1200})
	})
	mux.HandleFunc("GET "+root+"/inputs/data-pipelines/{id}/runs", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("currentPage"))
		page = max(page, 1)
		items := []any{}
		for i := 1; i <= 2 && page <= 2; i++ {
			items = append(items, map[string]any{"id": 10*page + i, "status": "success",
				"logical_date": fmt.Sprintf("2024-05-0%dT%02d:00:00Z", page, i)})
		}
		reply(w, http.StatusOK, map[string]any{"items": items, "current_page": page, "page_size": 2,
			"total_pages": 2, "total_items": 4, "has_previous_page": page > 1, "has_next_page": page < 2})
	})
	return httptest.NewServer(mux)
}

// newExampleClient returns a client of workspace 12345 on srv.
func newExampleClient(srv *httptest.Server) *warehousesync.Client {
	c, err := warehousesync.NewClient("12345",
		warehousesync.WithBaseURL(srv.URL),
		warehousesync.WithClientCredentials("my-client-id", "my-client-secret"),
		warehousesync.WithTokenURL(srv.URL+"/oauth/token"),
	)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func ExampleNewClient() {
	srv := newExampleServer() // stands in for https://api.mparticle.com
	defer srv.Close()

	c, err := warehousesync.NewClient("12345",
		warehousesync.WithBaseURL(srv.URL), // default: https://api.mparticle.com
		warehousesync.WithClientCredentials("my-client-id", "my-client-secret"),
		warehousesync.WithTokenURL(srv.URL+"/oauth/token"), // default: https://sso.auth.mparticle.com/oauth/token
	)
	if err != nil {
		log.Fatal(err)
	}
	conns, err := c.Connections.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, conn := range conns {
		fmt.Println(conn.ID, conn.ServiceProvider, conn.Status)
	}
	// Output: sf-connection Snowflake healthy
}

func ExampleConnectionsService_Create() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	conn, err := c.Connections.Create(context.Background(), &warehousesync.Connection{
		ID:    "sf-connection",
		Name:  "Snowflake connection",
		State: warehousesync.StateActive,
		// ServiceProvider is taken from the config type.
		Config: &warehousesync.SnowflakeConfig{
			AccountIdentifier:  "gd12345",
			Region:             "us-central1.gcp",
			Warehouse:          "compute_wh",
			Database:           "my_database",
			Role:               "mparticle_role",
			User:               "mparticle_user",
			Password:           "mParticleSecurePassword",
			StorageIntegration: "mp_us1_123_123_s3",
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	cfg := conn.Config.(*warehousesync.SnowflakeConfig)
	fmt.Println(conn.ServiceProvider, conn.Status, cfg.Password.IsMasked())
	// Output: Snowflake healthy true
}

func ExampleDataModelsService_Create() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	model, err := c.DataModels.Create(context.Background(), &warehousesync.DataModel{
		ID:     "open-tickets-model",
		Name:   "Open tickets model",
		State:  warehousesync.StateActive,
		Type:   warehousesync.DataModelSQL,
		Config: warehousesync.DataModelConfig{SQLQuery: "SELECT email, updated_at FROM mp.demo.tickets"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(model.ID, model.Status, model.CreatedOn.Format(time.DateOnly))
	// Output: open-tickets-model valid 2024-05-01
}

func ExamplePipelinesService_Create() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	p, err := c.Pipelines.Create(context.Background(), &warehousesync.Pipeline{
		ID:           "tickets-pipeline",
		Name:         "Tickets pipeline",
		PipelineType: warehousesync.PipelineUserAttributes,
		ConnectionID: "sf-connection",
		DataModelID:  "open-tickets-model",
		State:        warehousesync.StateActive,
		SyncMode: warehousesync.SyncMode{
			Type:             warehousesync.SyncIncremental,
			IteratorField:    "updated_at",
			IteratorDataType: warehousesync.IteratorTimestamp,
		},
		Schedule: warehousesync.Schedule{
			Type:      warehousesync.ScheduleInterval,
			Frequency: warehousesync.FrequencyHourly,
			Delay:     warehousesync.Minutes(15), // or ParseDelay("15m")
			Start:     warehousesync.NewTimestamp(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)),
		},
		Environment: warehousesync.EnvironmentDevelopment,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.ID, p.Status, p.Schedule.Frequency, p.Schedule.Delay)
	// Output: tickets-pipeline idle hourly 15m
}

func ExamplePipelinesService_Trigger() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()

	tr, err := c.Pipelines.Trigger(ctx, "tickets-pipeline")
	if errors.Is(err, warehousesync.ErrPipelineBusy) {
		fmt.Println("a run is already in progress")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	run, err := c.Runs.Wait(ctx, "tickets-pipeline", tr.PipelineRunID,
		warehousesync.PollEvery(time.Millisecond)) // default: every 5 s
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tr.Status, run.ID, run.Status, run.SuccessfulRecords)
	// Output: attempt_requested 7 success 1200
}

func ExamplePipelinesService_Report() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	rep, err := c.Pipelines.Report(context.Background(), "tickets-pipeline")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Status, rep.ConnectionStatus, rep.DataModelStatus, *rep.LatestSuccessfulPipelineRunID)
	fmt.Println(rep.LatestPipelineRun.Status, rep.LatestPipelineRun.SuccessfulRecords)
	// Output:
	// idle healthy valid 7
	// success 1200
}

func ExampleRunsService_All() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	// All fetches page after page; break out of the loop to stop early.
	for run, err := range c.Runs.All(context.Background(), "tickets-pipeline", &warehousesync.ListRunsOptions{PageSize: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(run.ID, run.Status, run.LogicalDate)
	}
	// Output:
	// 11 success 2024-05-01T01:00:00.000Z
	// 12 success 2024-05-01T02:00:00.000Z
	// 21 success 2024-05-02T01:00:00.000Z
	// 22 success 2024-05-02T02:00:00.000Z
}

func ExampleRunsService_Wait() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // bounds the wait
	defer cancel()
	run, err := c.Runs.Wait(ctx, "tickets-pipeline", 7, warehousesync.PollEvery(time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(run.Status, run.Status.Terminal())
	// Output: success true
}

func ExampleAPIError() {
	srv := newExampleServer()
	defer srv.Close()
	c := newExampleClient(srv)

	_, err := c.Pipelines.Get(context.Background(), "no-such-pipeline")
	fmt.Println(errors.Is(err, warehousesync.ErrNotFound))
	var apiErr *warehousesync.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Messages)
	}
	fmt.Println(err)
	// Output:
	// true
	// 404 [Pipeline 'no-such-pipeline' not found.]
	// GET /inputs/data-pipelines/no-such-pipeline: 404 Not Found: Pipeline 'no-such-pipeline' not found.
}

// exampleSpan stands in for a tracing library's span (an OpenTelemetry trace.Span, say): the module
// imports none, and the attempt hook is where one plugs in.
type exampleSpan struct {
	name  string
	attrs map[string]any
}

func ExampleWithAttemptHook() {
	srv := newExampleServer()
	defer srv.Close()

	// One span per HTTP attempt, named by the route (never an id), as a tracer would record it:
	//   _, span := tracer.Start(ctx, a.Method+" "+a.Route, trace.WithTimestamp(time.Now().Add(-a.Duration)))
	//   span.SetAttributes(attribute.Int("http.response.status_code", a.StatusCode), …)
	//   span.End()
	var spans []exampleSpan
	hook := func(ctx context.Context, a warehousesync.Attempt) {
		spans = append(spans, exampleSpan{name: a.Method + " " + a.Route, attrs: map[string]any{
			"warehousesync.operation":   a.Operation,
			"http.request.resend_count": a.Attempt - 1,
			"http.response.status_code": a.StatusCode,
		}})
	}
	c, err := warehousesync.NewClient("12345", warehousesync.WithBaseURL(srv.URL),
		warehousesync.WithClientCredentials("my-client-id", "my-client-secret"),
		warehousesync.WithTokenURL(srv.URL+"/oauth/token"),
		warehousesync.WithAttemptHook(hook))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Pipelines.Trigger(context.Background(), "tickets-pipeline"); err != nil {
		log.Fatal(err)
	}
	for _, s := range spans {
		fmt.Println(s.name, s.attrs["warehousesync.operation"], s.attrs["http.response.status_code"])
	}
	// Output:
	// POST /oauth/token Auth.Token 200
	// POST /inputs/data-pipelines/trigger Pipelines.Trigger 200
}
