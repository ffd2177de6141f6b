package warehousesync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// requestLog records the requests a test server answered, in order.
type requestLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
}

func (l *requestLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// The report of a pipeline whose scheduled run for 00:00 is running while the manual run of 00:30,
// which has the greater logical date, has finished: latest_pipeline_run shows the finished one.
const runningReportShowingFinishedRun = `{"pipeline_id":"p","status":"running","connection_status":"healthy",
	"data_model_status":"valid","latest_pipeline_run":{"id":9,"pipeline_id":"p","type":"manual","status":"success",
	"logical_date":"2024-05-01T00:30:00Z"}}`

func TestRunsActiveFindsARunTheReportDoesNotShow(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var log requestLog
	mux.HandleFunc("/inputs/data-pipelines/p/report", func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		writeJSON(w, http.StatusOK, runningReportShowingFinishedRun)
	})
	mux.HandleFunc("/inputs/data-pipelines/p/runs", func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		assert.Equal(t, "100", r.URL.Query().Get("pageSize"))
		page := r.URL.Query().Get("currentPage")
		items := `[{"id":1,"status":"success"}]`
		if page == "2" { // the active run is on the middle page of three
			items = `[{"id":8,"pipeline_id":"p","type":"scheduled","status":"running","logical_date":"2024-05-01T00:00:00Z"},{"id":9,"status":"success"}]`
		}
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"items":%s,"current_page":%s,"page_size":100,"total_pages":3}`, items, page))
	})
	run, err := c.Runs.Active(context.Background(), "p")
	require.NoError(t, err)
	require.NotNil(t, run)
	assert.Equal(t, int64(8), run.ID)
	assert.Equal(t, ws.RunRunning, run.Status)
	assert.Equal(t, []string{
		"GET /inputs/data-pipelines/p/report?",
		"GET /inputs/data-pipelines/p/runs?currentPage=1&pageSize=100",
		"GET /inputs/data-pipelines/p/runs?currentPage=3&pageSize=100",
		"GET /inputs/data-pipelines/p/runs?currentPage=2&pageSize=100",
	}, log.get(), "the report, the first page, then from the newest page back")
}

func TestRunsActiveFromTheReportAlone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, report string
		want         int64 // 0: no active run
	}{
		{"idle", `{"pipeline_id":"p","status":"idle","latest_pipeline_run":{"id":3,"status":"success"}}`, 0},
		{"faulted", `{"pipeline_id":"p","status":"faulted"}`, 0},
		{"running", `{"pipeline_id":"p","status":"running","latest_pipeline_run":{"id":4,"status":"retrying"}}`, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			var log requestLog
			mux.HandleFunc("/inputs/data-pipelines/p/report", func(w http.ResponseWriter, r *http.Request) {
				log.add(r)
				writeJSON(w, http.StatusOK, tc.report)
			})
			run, err := c.Runs.Active(context.Background(), "p")
			require.NoError(t, err)
			if tc.want == 0 {
				assert.Nil(t, run)
			} else {
				require.NotNil(t, run)
				assert.Equal(t, tc.want, run.ID)
			}
			assert.Len(t, log.get(), 1, "one request")
		})
	}
}

func TestRunsActiveNoneLeftAfterTheReport(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/p/report", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, runningReportShowingFinishedRun)
	})
	var log requestLog
	mux.HandleFunc("/inputs/data-pipelines/p/runs", func(w http.ResponseWriter, r *http.Request) {
		// The run ended between the two reads; the server overstates its total, and its last pages are empty.
		log.add(r)
		items := `[]`
		if r.URL.Query().Get("currentPage") == "1" {
			items = `[{"id":8,"status":"success"},null]`
		}
		writeJSON(w, http.StatusOK, `{"items":`+items+`,"total_pages":1000000}`)
	})
	run, err := c.Runs.Active(context.Background(), "p")
	require.NoError(t, err)
	assert.Nil(t, run)
	assert.Len(t, log.get(), 2, "the first page, then the claimed last one, empty")
}

func TestPipelinesWaitIdle(t *testing.T) {
	t.Parallel()
	rec := &pauseRecorder{}
	c, mux := setup(t, ws.WithPollWait(rec.pause))
	var mu sync.Mutex
	statuses := []string{"running", "running", "idle"}
	mux.HandleFunc("/inputs/data-pipelines/p/report", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		status := statuses[0]
		if len(statuses) > 1 {
			statuses = statuses[1:]
		}
		mu.Unlock()
		writeJSON(w, http.StatusOK, `{"pipeline_id":"p","status":"`+status+`"}`)
	})
	rep, err := c.Pipelines.WaitIdle(context.Background(), "p")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineIdle, rep.Status)
	assert.Equal(t, []time.Duration{ws.DefaultPollInterval, ws.DefaultPollInterval}, rec.got())

	// A pause that says the pipeline cannot progress ends the wait with the last report.
	c, mux2 := setup(t, ws.WithPollWait(func(context.Context, time.Duration) error { return ws.ErrNoProgress }))
	mux2.HandleFunc("/inputs/data-pipelines/p/report", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"pipeline_id":"p","status":"running"}`)
	})
	rep, err = c.Pipelines.WaitIdle(context.Background(), "p", ws.PollEvery(time.Second))
	require.ErrorIs(t, err, ws.ErrNoProgress)
	assert.Contains(t, err.Error(), "waiting for pipeline p to be idle (last status running)")
	require.NotNil(t, rep)
	assert.Equal(t, ws.PipelineRunning, rep.Status)

	_, err = c.Pipelines.WaitIdle(context.Background(), "a/b")
	var verr *ws.ValidationError
	require.ErrorAs(t, err, &verr)
	var nilCtx context.Context
	_, err = c.Pipelines.WaitIdle(nilCtx, "p")
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "ctx", verr.Field)
}

func TestPipelinesPauseAndResume(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var mu sync.Mutex
	var stored map[string]any
	require.NoError(t, json.Unmarshal([]byte(reference(t, "pipelines-get-response")), &stored))
	stored["id"], stored["state"] = "p", "active"
	var log requestLog
	mux.HandleFunc("/inputs/data-pipelines/p", func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut {
			var body map[string]any
			assert.NoError(t, json.NewDecoder(r.Body).Decode(&body))
			assert.NotContains(t, body, "status", "read-only fields stay out of the PUT")
			assert.NotContains(t, body, "created_on")
			for k, v := range body {
				stored[k] = v
			}
		}
		b, _ := json.Marshal(stored)
		writeJSON(w, http.StatusOK, string(b))
	})
	ctx := context.Background()
	p, err := c.Pipelines.Pause(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.StatePaused, p.State)
	assert.Equal(t, []string{"GET /inputs/data-pipelines/p?", "PUT /inputs/data-pipelines/p?"}, log.get())

	p, err = c.Pipelines.Pause(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.StatePaused, p.State)
	assert.Len(t, log.get(), 3, "already paused: no PUT")

	p, err = c.Pipelines.Resume(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.StateActive, p.State)
	assert.Equal(t, "PUT /inputs/data-pipelines/p?", log.get()[4])

	_, err = c.Pipelines.Pause(ctx, "")
	var verr *ws.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Len(t, log.get(), 5, "no request for an invalid id")
}
