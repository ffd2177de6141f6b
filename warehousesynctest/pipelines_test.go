package warehousesynctest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

func TestPipelineLifecycle(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.seedBasics()
	var created ws.Pipeline
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p1", "conn", "model"), &created)
	assert.Equal(t, "p1", created.ID)
	assert.NotEmpty(t, created.Status)
	assert.Equal(t, DefaultStartTime(), created.CreatedOn.Time)
	assert.Equal(t, DefaultClientID, created.CreatedBy)
	assert.True(t, created.LastModifiedOn.IsZero())
	assert.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), created.SyncMode.From.Time)

	require.NoError(t, srv.Advance(time.Second))
	body := pipelineBody("p1", "conn", "model")
	body["state"] = "paused"
	body["schedule"].(obj)["type"] = "on-demand"
	body["partner_feed_id"] = "42"
	body["data_plan_version"] = 2
	var updated ws.Pipeline
	a.must(http.StatusOK, http.MethodPut, "/inputs/data-pipelines/p1", body, &updated)
	assert.Equal(t, ws.StatePaused, updated.State)
	assert.Equal(t, ws.ScheduleOnDemand, updated.Schedule.Type, "on-demand is stored as on_demand")
	require.NotNil(t, updated.PartnerFeedID)
	assert.Equal(t, int64(42), *updated.PartnerFeedID)
	assert.Equal(t, DefaultStartTime().Add(time.Second), updated.LastModifiedOn.Time)
	assert.Equal(t, created.CreatedOn, updated.CreatedOn)

	var list []ws.Pipeline
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines", nil, &list)
	require.Len(t, list, 1)
	assert.Equal(t, updated.Name, list[0].Name)

	a.must(http.StatusNoContent, http.MethodDelete, "/inputs/data-pipelines/p1", nil, nil)
	status, raw := a.do(http.MethodGet, "/inputs/data-pipelines/p1", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"Pipeline 'p1' not found."}, decodeError(t, http.StatusNotFound, raw))
}

func TestPipelineValidation(t *testing.T) {
	t.Parallel()
	sm := func(b obj) obj { return b["sync_mode"].(obj) }
	sc := func(b obj) obj { return b["schedule"].(obj) }
	cases := []struct {
		name   string
		put    bool // update the existing "p1" instead of creating "new"
		edit   func(obj)
		field  string
		status int
	}{
		{name: "missing id", edit: func(b obj) { delete(b, "id") }, field: "id"},
		{name: "bad id", edit: func(b obj) { b["id"] = "p 1" }, field: "id"},
		{name: "duplicate", edit: func(b obj) { b["id"] = "p1" }, field: "Pipeline 'p1' already exists."},
		{name: "missing name", edit: func(b obj) { delete(b, "name") }, field: "name"},
		{name: "missing pipeline_type", edit: func(b obj) { delete(b, "pipeline_type") }, field: "pipeline_type"},
		{name: "bad pipeline_type", edit: func(b obj) { b["pipeline_type"] = "users" }, field: "pipeline_type"},
		{name: "missing connection_id", edit: func(b obj) { delete(b, "connection_id") }, field: "connection_id"},
		{name: "unknown connection", edit: func(b obj) { b["connection_id"] = "ghost" }, field: "connection_id: Connection 'ghost' not found."},
		{name: "missing data_model_id", edit: func(b obj) { delete(b, "data_model_id") }, field: "data_model_id"},
		{name: "unknown data model", edit: func(b obj) { b["data_model_id"] = "ghost" }, field: "data_model_id: Data model 'ghost' not found."},
		{name: "events without transformation", edit: func(b obj) { b["pipeline_type"] = "events" }, field: "field_transformation_id"},
		{name: "user_attributes with transformation", edit: func(b obj) { b["field_transformation_id"] = "ft" }, field: "field_transformation_id"},
		{name: "bad transformation id", edit: func(b obj) { b["pipeline_type"] = "events"; b["field_transformation_id"] = "f t" }, field: "field_transformation_id"},
		{name: "partner_feed_id not an integer", edit: func(b obj) { b["partner_feed_id"] = "abc" }, field: "partner_feed_id"},
		{name: "missing state", edit: func(b obj) { delete(b, "state") }, field: "state"},
		{name: "connection state on a pipeline", edit: func(b obj) { b["state"] = "inactive" }, field: "state"},
		{name: "missing environment", edit: func(b obj) { delete(b, "environment") }, field: "environment"},
		{name: "bad environment", edit: func(b obj) { b["environment"] = "staging" }, field: "environment"},
		{name: "data_plan_version zero", edit: func(b obj) { b["data_plan_version"] = 0 }, field: "data_plan_version"},
		{name: "missing sync_mode", edit: func(b obj) { delete(b, "sync_mode") }, field: "sync_mode"},
		{name: "missing sync_mode.type", edit: func(b obj) { delete(sm(b), "type") }, field: "sync_mode.type"},
		{name: "bad sync_mode.type", edit: func(b obj) { sm(b)["type"] = "full_sync" }, field: "sync_mode.type"},
		{name: "incremental without iterator_field", edit: func(b obj) { delete(sm(b), "iterator_field") }, field: "sync_mode.iterator_field"},
		{name: "incremental without iterator_data_type", edit: func(b obj) { delete(sm(b), "iterator_data_type") }, field: "sync_mode.iterator_data_type"},
		{name: "unknown iterator type", edit: func(b obj) { sm(b)["iterator_data_type"] = "string" }, field: "sync_mode.iterator_data_type"},
		{name: "from not RFC 3339", edit: func(b obj) { sm(b)["from"] = "2023-02-01" }, field: "sync_mode.from"},
		{name: "until with the reference's typo", edit: func(b obj) { sm(b)["until"] = "2023-03-01T:12:00:00Z" }, field: "sync_mode.until"},
		{name: "until without zone", edit: func(b obj) { sm(b)["until"] = "2025-03-01T12:00:00" }, field: "sync_mode.until"},
		{name: "until before from", edit: func(b obj) { sm(b)["until"] = "2023-12-31T00:00:00Z" }, field: "sync_mode.until"},
		{name: "until equal to from", edit: func(b obj) { sm(b)["until"] = "2024-01-01T00:00:00Z" }, field: "sync_mode.until"},
		{name: "missing schedule", edit: func(b obj) { delete(b, "schedule") }, field: "schedule"},
		{name: "missing schedule.type", edit: func(b obj) { delete(sc(b), "type") }, field: "schedule.type"},
		{name: "bad schedule.type", edit: func(b obj) { sc(b)["type"] = "cron" }, field: "schedule.type"},
		{name: "interval without frequency", edit: func(b obj) { delete(sc(b), "frequency") }, field: "schedule.frequency"},
		{name: "bad frequency", edit: func(b obj) { sc(b)["frequency"] = "yearly" }, field: "schedule.frequency"},
		{name: "interval without start", edit: func(b obj) { delete(sc(b), "start") }, field: "schedule.start"},
		{name: "end with the reference's typo", edit: func(b obj) { sc(b)["end"] = "2023-03-01T:12:00:00Z" }, field: "schedule.end"},
		{name: "end before start", edit: func(b obj) { sc(b)["end"] = "2024-12-31T00:00:00Z" }, field: "schedule.end"},
		{name: "delay without unit", edit: func(b obj) { sc(b)["delay"] = "15" }, field: "schedule.delay"},
		{name: "delay with bad unit", edit: func(b obj) { sc(b)["delay"] = "15x" }, field: "schedule.delay"},
		{name: "delay Go syntax", edit: func(b obj) { sc(b)["delay"] = "1h30m" }, field: "schedule.delay"},
		{name: "put changes from", put: true, edit: func(b obj) { sm(b)["from"] = "2024-06-01T00:00:00Z" }, field: "sync_mode.from"},
		{name: "put removes from", put: true, edit: func(b obj) { delete(sm(b), "from") }, field: "sync_mode.from"},
		{name: "put id differs", put: true, edit: func(b obj) { b["id"] = "p2" }, field: "id"},
		{name: "put unknown connection", put: true, edit: func(b obj) { b["connection_id"] = "ghost" }, field: "connection_id"},
		{name: "put unknown", put: true, edit: func(b obj) { b["id"] = "nope" }, field: "Pipeline 'nope' not found.", status: http.StatusNotFound},
	}
	_, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p1", "conn", "model"), nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := pipelineBody("new", "conn", "model")
			method, path := http.MethodPost, "/inputs/data-pipelines"
			if c.put {
				body = pipelineBody("p1", "conn", "model")
				method, path = http.MethodPut, "/inputs/data-pipelines/p1"
			}
			c.edit(body)
			if c.status == http.StatusNotFound {
				path = "/inputs/data-pipelines/nope"
			}
			want := c.status
			if want == 0 {
				want = http.StatusBadRequest
			}
			before := a.snapshot()
			status, raw := a.do(method, path, body)
			require.Equal(t, want, status, string(raw))
			t.Log(string(raw))
			assert.Contains(t, strings.Join(decodeError(t, want, raw), "\n"), c.field)
			assert.Equal(t, before, a.snapshot())
		})
	}
}

func TestPipelineAcceptsDocumentedExamples(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t, WithMaxActivePipelines(0))
	a.seedBasics()
	examples := []struct{ syncMode, schedule obj }{
		{obj{"type": "incremental", "iterator_field": "updated_on", "iterator_data_type": "datetime_tz"},
			obj{"type": "interval", "frequency": "hourly", "start": "2023-02-01T00:15:00Z"}},
		{obj{"type": "incremental", "iterator_field": "updated_on", "iterator_data_type": "datetime_tz"},
			obj{"type": "interval", "frequency": "hourly", "start": "2023-02-01T00:00:00Z", "delay": "15m"}},
		{obj{"type": "incremental", "iterator_field": "updated_on", "iterator_data_type": "datetime_tz", "from": "2023-02-01T12:00:00Z", "until": "2023-03-01T12:00:00Z"},
			obj{"type": "interval", "frequency": "daily", "start": "2023-02-01T12:00:00Z", "end": "2023-03-01T12:00:00Z"}},
		{obj{"type": "incremental", "iterator_field": "updated_on", "iterator_data_type": "datetime_tz", "from": "2020-01-01T00:00:00Z"},
			obj{"type": "interval", "frequency": "monthly", "start": "2023-02-01T00:00:00Z", "delay": "5d"}},
		{obj{"type": "incremental", "iterator_field": "updated_on", "iterator_data_type": "datetime_tz", "from": "2020-01-01T00:00:00Z"},
			obj{"type": "on_demand"}},
		{obj{"type": "full", "iterator_field": "updated_on", "iterator_data_type": "datetime_tz", "from": "2020-01-01T00:00:00Z", "until": "2021-01-01T00:00:00Z"},
			obj{"type": "once"}},
		{obj{"type": "full"}, obj{"type": "on-demand"}},
	}
	for i, ex := range examples {
		body := pipelineBody(fmt.Sprintf("example-%d", i+1), "conn", "model")
		body["sync_mode"], body["schedule"] = ex.syncMode, ex.schedule
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", body, nil)
	}
}

func TestActivePipelineLimit(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t, WithMaxActivePipelines(2), WithWorkspaces("other"))
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("a", "conn", "model"), nil)
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("b", "conn", "model"), nil)
	before := a.snapshot()
	status, raw := a.do(http.MethodPost, "/inputs/data-pipelines", pipelineBody("c", "conn", "model"))
	require.Equal(t, http.StatusBadRequest, status)
	msg := decodeError(t, http.StatusBadRequest, raw)[0]
	assert.Contains(t, msg, "state")
	assert.Contains(t, msg, "at most 2")
	assert.Equal(t, before, a.snapshot())

	// Paused and new pipelines do not count; an active pipeline may be updated while at the limit.
	paused := pipelineBody("c", "conn", "model")
	paused["state"] = "paused"
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", paused, nil)
	a.must(http.StatusOK, http.MethodPut, "/inputs/data-pipelines/a", pipelineBody("a", "conn", "model"), nil)
	status, _ = a.do(http.MethodPut, "/inputs/data-pipelines/c", pipelineBody("c", "conn", "model"))
	assert.Equal(t, http.StatusBadRequest, status, "activating a third pipeline is refused")

	// Other workspaces have their own limit.
	b := a.in("other")
	b.seedBasics()
	b.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("a", "conn", "model"), nil)
}

func TestFieldTransformationRegistry(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithFieldTransformations("ft-known"))
	a.seedBasics()
	events := func(id, ft string) obj {
		b := pipelineBody(id, "conn", "model")
		b["pipeline_type"], b["field_transformation_id"], b["state"] = "events", ft, "new"
		return b
	}
	status, raw := a.do(http.MethodPost, "/inputs/data-pipelines", events("e1", "ft-unknown"))
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeError(t, http.StatusBadRequest, raw)[0], "field_transformation_id")
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", events("e1", "ft-known"), nil)

	srv.DefaultWorkspace().SetFieldTransformations("ft-other")
	status, _ = a.do(http.MethodPost, "/inputs/data-pipelines", events("e2", "ft-known"))
	assert.Equal(t, http.StatusBadRequest, status)
	srv.DefaultWorkspace().SetFieldTransformations()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", events("e2", "anything"), nil)
}

func TestDeleteOfReferencedResourcesIsRefused(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.seedBasics()
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p2", "conn", "model"), nil)
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p1", "conn", "model"), nil)
	before := a.snapshot()
	for _, path := range []string{"/connections/conn", "/data-models/model"} {
		status, raw := a.do(http.MethodDelete, path, nil)
		require.Equal(t, http.StatusBadRequest, status, path)
		assert.Contains(t, decodeError(t, http.StatusBadRequest, raw)[0], "p1, p2", path)
	}
	assert.Equal(t, before, a.snapshot())
	a.must(http.StatusNoContent, http.MethodDelete, "/inputs/data-pipelines/p1", nil, nil)
	a.must(http.StatusNoContent, http.MethodDelete, "/inputs/data-pipelines/p2", nil, nil)
	a.must(http.StatusNoContent, http.MethodDelete, "/connections/conn", nil, nil)
	a.must(http.StatusNoContent, http.MethodDelete, "/data-models/model", nil, nil)
}
