package warehousesync_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// referenceSyncAndSchedule are the sync mode and schedule of the reference's pipeline examples.
func referenceSyncAndSchedule(t *testing.T) (ws.SyncMode, ws.Schedule) {
	delay, err := ws.ParseDelay("5m")
	require.NoError(t, err)
	from, until := ts(t, "2022-07-01T16:00:00Z"), ts(t, "2022-08-01T16:00:00Z")
	return ws.SyncMode{
			Type: ws.SyncIncremental, IteratorField: "updated_at", IteratorDataType: ws.IteratorTimestamp,
			From: from, Until: until,
		}, ws.Schedule{
			Type: ws.ScheduleInterval, Frequency: ws.FrequencyHourly, Delay: delay, Start: from, End: until,
		}
}

// listedPipeline is a pipeline of the reference's list and get examples.
func listedPipeline(t *testing.T, n string) *ws.Pipeline {
	sync, sched := referenceSyncAndSchedule(t)
	at := ts(t, "2023-10-25T15:21:55.899Z")
	return &ws.Pipeline{
		ID: "example-pipeline-" + n, Name: "Example Pipeline " + n, PipelineType: ws.PipelineUserAttributes,
		ConnectionID: "connection-id", FieldTransformationID: "field-transformation-id", DataModelID: "data-model-id",
		PartnerFeedID: ws.Int64(0), PartnerFeedKey: "feed-key", State: ws.StateActive, Status: ws.PipelineIdle,
		Errors: []ws.ErrorDetail{{Message: "string"}}, SyncMode: sync, Schedule: sched,
		Environment: ws.EnvironmentDevelopment,
		CreatedOn:   at, CreatedBy: "developer@example.com", LastModifiedOn: at, LastModifiedBy: "developer@example.com",
	}
}

func TestPipelinesList(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testNoBody(t, r)
		writeJSON(w, http.StatusOK, reference(t, "pipelines-list-response"))
	})
	got, err := c.Pipelines.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, []*ws.Pipeline{listedPipeline(t, "1"), listedPipeline(t, "2")}, got)
}

func TestPipelinesGet(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/example-pipeline-1", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeaders(t, r)
		writeJSON(w, http.StatusOK, reference(t, "pipelines-get-response"))
	})
	got, err := c.Pipelines.Get(context.Background(), "example-pipeline-1")
	require.NoError(t, err)
	assert.Equal(t, listedPipeline(t, "1"), got)
}

// requestPipeline is the pipeline of the reference's create (events) and update (user attributes)
// request examples.
func requestPipeline(t *testing.T, typ ws.PipelineType) *ws.Pipeline {
	sync, sched := referenceSyncAndSchedule(t)
	p := &ws.Pipeline{
		ID: "string", Name: "string", PipelineType: typ, ConnectionID: "string", DataModelID: "string",
		PartnerFeedID: ws.Int64(0), PartnerFeedKey: "string", State: ws.StateActive,
		Errors:   []ws.ErrorDetail{{Message: "string"}}, // read-only, but the reference's examples send it
		SyncMode: sync, Schedule: sched, Environment: ws.EnvironmentDevelopment,
		DataPlanID: "example-data-plan-id", DataPlanVersion: ws.Int64(2),
	}
	if typ == ws.PipelineEvents {
		p.FieldTransformationID = "field-transformation-id"
	}
	return p
}

// responsePipeline is requestPipeline as the reference's responses show it.
func responsePipeline(t *testing.T, typ ws.PipelineType) *ws.Pipeline {
	p := requestPipeline(t, typ)
	at := ts(t, "2023-10-25T16:02:28.008Z")
	p.Status = ws.PipelineIdle
	p.CreatedOn, p.CreatedBy, p.LastModifiedOn, p.LastModifiedBy = at, "string", at, "string"
	return p
}

func TestPipelinesCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testBody(t, r, referenceRequest(t, "pipelines-create-request"))
		writeJSON(w, http.StatusOK, reference(t, "pipelines-create-response"))
	})
	got, err := c.Pipelines.Create(context.Background(), requestPipeline(t, ws.PipelineEvents))
	require.NoError(t, err)
	assert.Equal(t, responsePipeline(t, ws.PipelineEvents), got)
}

func TestPipelinesUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/string", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testBody(t, r, referenceRequest(t, "pipelines-update-request"))
		writeJSON(w, http.StatusOK, reference(t, "pipelines-update-response"))
	})
	got, err := c.Pipelines.Update(context.Background(), requestPipeline(t, ws.PipelineUserAttributes))
	require.NoError(t, err)
	assert.Equal(t, responsePipeline(t, ws.PipelineUserAttributes), got)
}

func TestPipelinesDelete(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/example-pipeline", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodDelete)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testNoBody(t, r)
		w.WriteHeader(http.StatusNoContent)
	})
	require.NoError(t, c.Pipelines.Delete(context.Background(), "example-pipeline"))
}

func TestPipelinesTrigger(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/trigger", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testBody(t, r, referenceRequest(t, "pipelines-trigger-request"))
		writeJSON(w, http.StatusOK, reference(t, "pipelines-trigger-response"))
	})
	got, err := c.Pipelines.Trigger(context.Background(), "string")
	require.NoError(t, err)
	assert.Equal(t, &ws.TriggerResponse{PipelineRunID: 13325, Status: ws.TriggerAttemptRequested}, got)
}

func TestPipelinesTriggerBusy(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/trigger", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, reference(t, "pipelines-trigger-response-error"))
	})
	got, err := c.Pipelines.Trigger(context.Background(), "example-pipeline")
	assert.Nil(t, got)
	require.ErrorIs(t, err, ws.ErrPipelineBusy)
	require.ErrorIs(t, err, ws.ErrBadRequest)
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, []string{"Pipeline example-pipeline is already in progress."}, apiErr.Messages)
	assert.EqualError(t, err,
		"POST /inputs/data-pipelines/trigger: 400 Bad Request: Pipeline example-pipeline is already in progress.")
}

func TestPipelinesReport(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/example-pipeline/report", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeaders(t, r)
		writeJSON(w, http.StatusOK, reference(t, "pipelines-report-response"))
	})
	got, err := c.Pipelines.Report(context.Background(), "example-pipeline")
	require.NoError(t, err)
	at := ts(t, "2023-10-25T18:11:57.321Z")
	errs := []ws.ErrorDetail{{Message: "string"}}
	assert.Equal(t, &ws.Report{
		PipelineID: "string", Status: ws.PipelineIdle, Errors: errs,
		ConnectionStatus: ws.ConnectionHealthy, ConnectionErrors: errs,
		DataModelStatus: ws.DataModelValid, DataModelErrors: errs,
		LatestSuccessfulPipelineRunID: ws.Int64(0),
		LatestPipelineRun: &ws.Run{
			ID: 0, PipelineID: "string", Type: ws.RunScheduled, Status: ws.RunSuccess, Errors: errs,
			LogicalDate: at, StartedOn: at, EndedOn: at, RangeStart: at, RangeEnd: at,
		},
	}, got)
}
