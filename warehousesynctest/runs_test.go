package warehousesynctest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// These tests cover the HTTP layer of trigger, report and runs: validation, 404s and envelopes. What
// the runs contain is the engine's, tested with it.

func TestTriggerValidation(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	for _, c := range []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"missing pipeline_id", obj{}, http.StatusBadRequest, "pipeline_id: is required"},
		{"pipeline_id not a string", obj{"pipeline_id": 1}, http.StatusBadRequest, "pipeline_id: must be a string"},
		{"pipeline_id not a slug", obj{"pipeline_id": "a b"}, http.StatusBadRequest, "pipeline_id"},
		{"unknown pipeline", obj{"pipeline_id": "ghost"}, http.StatusNotFound, "Pipeline 'ghost' not found."},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, raw := a.do(http.MethodPost, "/inputs/data-pipelines/trigger", c.body)
			require.Equal(t, c.status, status, string(raw))
			assert.Contains(t, strings.Join(decodeError(t, c.status, raw), "\n"), c.want)
		})
	}
	status, _ := a.do(http.MethodGet, "/inputs/data-pipelines/trigger", nil)
	assert.Equal(t, http.StatusNotFound, status, "GET …/trigger is a get of pipeline 'trigger'")
}

func TestTriggerAnswersAttemptRequested(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	onDemandPipeline(a)
	var tr ws.TriggerResponse
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, &tr)
	assert.Equal(t, ws.TriggerAttemptRequested, tr.Status)
}

func TestReportEnvelope(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	srv.DefaultWorkspace().SetDataModelInvalid("model", "bad column")
	var rep ws.Report
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/p/report", nil, &rep)
	assert.Equal(t, "p", rep.PipelineID)
	assert.NotEmpty(t, rep.Status)
	assert.Equal(t, ws.ConnectionHealthy, rep.ConnectionStatus)
	assert.Equal(t, ws.DataModelInvalid, rep.DataModelStatus)
	assert.Equal(t, []ws.ErrorDetail{{Message: "bad column"}}, rep.DataModelErrors)

	status, raw := a.do(http.MethodGet, "/inputs/data-pipelines/ghost/report", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"Pipeline 'ghost' not found."}, decodeError(t, http.StatusNotFound, raw))
}

func TestRunsListValidation(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	for _, c := range []struct{ query, field string }{
		{"currentPage=0", "currentPage"},
		{"currentPage=-1", "currentPage"},
		{"currentPage=two", "currentPage"},
		{"pageSize=0", "pageSize"},
		{"pageSize=1001", "pageSize"},
		{"pageSize=1.5", "pageSize"},
		{"startDate=2023-10-25", "startDate"},
		{"endDate=2023-03-01T:12:00:00Z", "endDate"},
		{"startDate=2024-01-02T00:00:00Z&endDate=2024-01-01T00:00:00Z", "endDate"},
	} {
		t.Run(c.query, func(t *testing.T) {
			status, raw := a.do(http.MethodGet, "/inputs/data-pipelines/p/runs?"+c.query, nil)
			require.Equal(t, http.StatusBadRequest, status, string(raw))
			assert.Contains(t, decodeError(t, http.StatusBadRequest, raw)[0], c.field)
		})
	}
	var page ws.RunPage
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines/p/runs?currentPage=1&pageSize=1000&startDate=2023-10-25T18:11:57Z&endDate=2023-10-26T00:00:00%2B02:00", nil, &page)
	assert.NotNil(t, page.Items, "items is an array, never null")

	status, raw := a.do(http.MethodGet, "/inputs/data-pipelines/ghost/runs", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"Pipeline 'ghost' not found."}, decodeError(t, http.StatusNotFound, raw))
}

func TestGetRunValidation(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)

	status, raw := a.do(http.MethodGet, "/inputs/data-pipelines/p/runs/abc", nil)
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeError(t, http.StatusBadRequest, raw)[0], "pipelineRunId")

	status, raw = a.do(http.MethodGet, "/inputs/data-pipelines/p/runs/987654", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"Pipeline run '987654' not found."}, decodeError(t, http.StatusNotFound, raw))

	status, raw = a.do(http.MethodGet, "/inputs/data-pipelines/ghost/runs/1", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"Pipeline 'ghost' not found."}, decodeError(t, http.StatusNotFound, raw))
}

func TestFailNextRunsNeedsThePipeline(t *testing.T) {
	t.Parallel()
	srv, err := Start() // a Server without a test: the setters only return their errors
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	a := &api{t: t, srv: srv, ws: srv.WorkspaceID(), token: getToken(t, srv)}
	assert.ErrorContains(t, srv.DefaultWorkspace().FailNextRuns("ghost", 1, "boom"), "pipeline 'ghost' not found in workspace 12345 (pipelines: none)")
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	assert.NoError(t, srv.DefaultWorkspace().FailNextRuns("p", 2, "boom"))
	assert.Error(t, srv.DefaultWorkspace().FailNextRuns("p", 0, "boom"))
}
