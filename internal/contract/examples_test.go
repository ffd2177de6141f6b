package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/contract"
)

// Hand-written payloads, in the shapes of the reference's examples.
const (
	snowflakeRequest = `{"id":"example-snowflake-connection","name":"Example Snowflake Connection","state":"active",
		"service_provider":"Snowflake","config":{"account_identifier":"gd12345","region":"us-central1.gcp",
		"warehouse":"compute_wh","database":"my_database","role":"mparticle_role","user":"mparticle_user",
		"password":"mParticleSecurePassword","storage_integration":"mp_us1_123_123_s3"}}`
	bigQueryRequest = `{"id":"example-bigquery-connection","name":"Example BigQuery Connection","state":"active",
		"service_provider":"BigQuery","config":{"region":"us-east1","project_id":"my-gcp-project","dataset_id":"my-dataset",
		"service_account_id":"mparticle-account@my-gcp-project.iam.gserviceaccount.com","service_account_key":"{\"type\": \"service_account\"}"}}`
	redshiftRequest = `{"id":"example-redshift-connection","name":"Redshift Connection","state":"active","service_provider":"Redshift",
		"config":{"database":"dev","host":"dwi-test.ab123yyxwwzz.us-east-1.redshift.amazonaws.com","user":"mParticle",
		"password":"mParticleSecurePassword","aws_iam_role_arn":"arn:aws:iam::123456789:role/mParticle_role"}}`
	databricksRequest = `{"id":"example-databricks-connection","name":"Example Databricks Connection","state":"active",
		"service_provider":"Databricks","config":{"provider":"your-databricks-org-name","schema":"your-schema-name"}}`
	// A GET response sent back with PUT: read-only fields are allowed and ignored.
	snowflakeReadModifyWrite = `{"id":"sf","name":"n","state":"inactive","status":"faulted","errors":[{"message":"bad password"}],
		"service_provider":"Snowflake","config":{"account_identifier":"gd12345","region":"r","warehouse":"w","database":"d",
		"role":"r","user":"u","password":"************","storage_integration":"s","aws_iam_user_arn":"arn","aws_external_id":"x"},
		"created_on":"2023-02-03T23:53:08.413","created_by":"developer@mparticle.com","last_modified_on":null,"last_modified_by":null}`
	snowflakeResponse = `{"id":"example-connection","name":"Example Snowflake Connection","state":"active","status":"healthy",
		"service_provider":"Snowflake","config":{"account_identifier":"gd12345","region":"us-central1.gcp","warehouse":"compute_wh",
		"database":"my_database","role":"mparticle_role","user":"mparticle_user","password":"************",
		"storage_integration":"mp_us1_123_123_s3","aws_iam_user_arn":"arn:aws:iam::123456:user/externalstages/abcdefg",
		"aws_external_id":"GD1234=2_abcdefg=="},"created_on":"2023-02-03T23:53:08.413","created_by":"developer@mparticle.com",
		"last_modified_on":null,"last_modified_by":null}`
	redshiftResponse = `{"id":"rs","name":"Redshift Connection","state":"active","status":"faulted","errors":[{"message":"timeout","code":"E1"}],
		"service_provider":"Redshift","config":{"database":"dev","host":"h","port":"5439","user":"mParticle","password":"************",
		"aws_iam_role_arn":"arn"},"created_on":"2022-12-09T22:00:06.98","last_modified_on":"2023-10-24T20:06:37.429Z",
		"last_modified_by":"string"}`
	dataModelRequest = `{"id":"example-data-model","name":"Example Data Model","state":"active","errors":[{"message":"string"}],
		"type":"sql","config":{"sql_query":"SELECT email AS email FROM mp.demo_service.tickets"}}`
	dataModelResponse = `{"id":"example-data-model","name":"Example Data Model","state":"active","status":"valid","type":"sql",
		"config":{"sql_query":"SELECT 1"},"created_on":"2023-10-24T21:23:20.833Z","created_by":"string",
		"last_modified_on":"2023-10-24T21:23:20.833Z","last_modified_by":"string"}`
	pipelineRequest = `{"id":"p1","name":"Pipeline","pipeline_type":"events","connection_id":"c","field_transformation_id":"ft",
		"data_model_id":"m","partner_feed_id":0,"partner_feed_key":"k","state":"active","errors":[{"message":"string"}],
		"sync_mode":{"type":"incremental","iterator_field":"updated_at","iterator_data_type":"timestamp",
		"from":"2022-07-01T16:00:00Z","until":"2022-08-01T16:00:00Z"},
		"schedule":{"type":"interval","frequency":"hourly","delay":"5m","start":"2022-07-01T16:00:00Z","end":"2022-08-01T16:00:00+02:00"},
		"environment":"development","data_plan_id":"example-data-plan-id","data_plan_version":2}`
	pipelineOnDemandRequest = `{"id":"p2","name":"Pipeline","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m",
		"state":"new","sync_mode":{"type":"full"},"schedule":{"type":"on-demand"},"environment":"production","data_plan_version":"3"}`
	pipelineOnceRequest = `{"id":"p3","name":"Pipeline","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m",
		"state":"paused","sync_mode":{"type":"full","iterator_field":"updated_on","iterator_data_type":"datetime_tz",
		"from":"2020-01-01T00:00:00Z","until":"2021-01-01T00:00:00Z"},"schedule":{"type":"once"},"environment":"production"}`
	pipelineResponse = `{"id":"p1","name":"Pipeline","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m",
		"state":"active","status":"idle","sync_mode":{"type":"incremental","iterator_field":"updated_at","iterator_data_type":"timestamp",
		"from":"2022-07-01T16:00:00Z"},"schedule":{"type":"on_demand"},"environment":"development",
		"created_on":"2023-10-25T16:02:28.008Z","last_modified_on":null}`
	runJSON = `{"id":251,"pipeline_id":"example-pipeline","type":"scheduled","status":"success","errors":[{"message":"string"}],
		"logical_date":"2023-10-25T18:11:57.321Z","started_on":"2023-10-25T18:11:57.321Z","ended_on":"2023-10-25T18:11:57.321Z",
		"range_start":null,"range_end":"2023-10-25T18:11:57.321Z","successful_records":100,"failed_records":"0"}`
	runPage = `{"items":[` + runJSON + `],"current_page":1,"page_size":50,"total_pages":1,"total_items":1,
		"has_previous_page":false,"has_next_page":false}`
	reportJSON = `{"pipeline_id":"p","status":"faulted","errors":[{"message":"string"}],"connection_status":"healthy",
		"data_model_status":"valid","latest_successful_pipeline_run_id":"250","latest_pipeline_run":` + runJSON + `}`
	emptyReport = `{"pipeline_id":"p","status":"idle","connection_status":"healthy","data_model_status":"valid",
		"latest_successful_pipeline_run_id":null,"latest_pipeline_run":null}`
	errorEnvelope = `{"statusCode":400,"errors":[{"message":"Pipeline example-pipeline is already in progress."}]}`
)

const (
	connections = "/connections"
	connection  = "/connections/{connectionId}"
	models      = "/data-models"
	model       = "/data-models/{modelId}"
	pipelines   = "/inputs/data-pipelines"
	pipeline    = "/inputs/data-pipelines/{pipelineId}"
	trigger     = "/inputs/data-pipelines/trigger"
	report      = "/inputs/data-pipelines/{pipelineId}/report"
	runs        = "/inputs/data-pipelines/{pipelineId}/runs"
	run         = "/inputs/data-pipelines/{pipelineId}/runs/{pipelineRunId}"
	token       = "/oauth/token"
)

func TestValidateExampleAcceptsValidPayloads(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"snowflake create", "POST", connections, 0, snowflakeRequest},
		{"bigquery create", "POST", connections, 0, bigQueryRequest},
		{"redshift create", "POST", connections, 0, redshiftRequest},
		{"databricks update", "PUT", connection, 0, databricksRequest},
		{"read-modify-write with read-only fields", "PUT", connection, 0, snowflakeReadModifyWrite},
		{"snowflake response, zone-less timestamp", "POST", connections, 200, snowflakeResponse},
		{"redshift response, short fraction", "GET", connection, 200, redshiftResponse},
		{"connection list", "GET", connections, 200, `[` + snowflakeResponse + `,` + redshiftResponse + `]`},
		{"empty list", "GET", connections, 200, `[]`},
		{"data model create", "POST", models, 0, dataModelRequest},
		{"data model response", "PUT", model, 200, dataModelResponse},
		{"pipeline create", "POST", pipelines, 0, pipelineRequest},
		{"pipeline on-demand, version as string", "PUT", pipeline, 0, pipelineOnDemandRequest},
		{"pipeline once", "POST", pipelines, 0, pipelineOnceRequest},
		{"pipeline response", "GET", pipeline, 200, pipelineResponse},
		{"pipeline list", "GET", pipelines, 200, `[` + pipelineResponse + `]`},
		{"trigger", "POST", trigger, 0, `{"pipeline_id":"p1"}`},
		{"trigger response", "POST", trigger, 200, `{"pipeline_run_id":13325,"status":"attempt_requested"}`},
		{"trigger busy", "POST", trigger, 400, errorEnvelope},
		{"report", "GET", report, 200, reportJSON},
		{"report without runs", "GET", report, 200, emptyReport},
		{"runs page", "GET", runs, 200, runPage},
		{"run", "GET", run, 200, runJSON},
		{"delete", "DELETE", model, 204, ``},
		{"not found", "GET", pipeline, 404, `{"statusCode":404,"errors":[{"message":"Pipeline 'x' not found."}]}`},
		{"warehouse unreachable", "POST", connections, 505, `{"statusCode":505,"errors":[{"message":"cannot connect"}]}`},
		{"server error", "GET", runs, 503, `{"statusCode":503,"errors":[{"message":"try later"}]}`},
		{"token request", "POST", token, 0, `{"client_id":"id","client_secret":"s","audience":"https://api.mparticle.com","grant_type":"client_credentials"}`},
		{"token response", "POST", token, 200, `{"access_token":"t","expires_in":28800,"token_type":"Bearer"}`},
		{"token refused", "POST", token, 401, `{"error":"access_denied","error_description":"Unauthorized"}`},
		{"full path template", "GET", "/platform/v2/workspaces/{workspaceId}" + connection, 200, snowflakeResponse},
		{"other parameter names", "GET", "/connections/{id}", 200, snowflakeResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.NoError(t, contract.ValidateExample(doc, tt.method, tt.path, tt.status, []byte(tt.body)))
		})
	}
}

func TestValidateExampleRejectsInvalidPayloads(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	tests := []struct {
		name, method, path string
		status             int
		body               string
		want               []string // in the error message
	}{
		{"missing required config field", "POST", connections, 0,
			`{"id":"a","name":"n","state":"active","service_provider":"Snowflake","config":{"account_identifier":"x","region":"r",
			"warehouse":"w","database":"d","role":"r","user":"u","storage_integration":"s"}}`,
			[]string{`field "config.password"`, `property "password" is missing`}},
		{"missing config", "POST", connections, 0,
			`{"id":"a","name":"n","state":"active","service_provider":"Databricks"}`,
			[]string{`property "config" is missing`}},
		{"bad state", "POST", connections, 0,
			`{"id":"a","name":"n","state":"enabled","service_provider":"Databricks","config":{"provider":"p","schema":"s"}}`,
			[]string{`field "state"`, "allowed values"}},
		{"unknown service provider", "POST", connections, 0,
			`{"id":"a","name":"n","state":"active","service_provider":"Oracle","config":{}}`,
			[]string{`"service_provider"`}},
		{"config of another provider", "POST", connections, 0,
			`{"id":"a","name":"n","state":"active","service_provider":"Databricks","config":{"database":"d","host":"h","user":"u",
			"password":"p","aws_iam_role_arn":"a"}}`,
			[]string{`field "config.provider"`, `field "config.schema"`}},
		{"id not a slug", "POST", models, 0,
			`{"id":"my model","name":"n","state":"active","type":"sql","config":{"sql_query":"SELECT 1"}}`,
			[]string{`field "id"`, "regular expression"}},
		{"bad data model type", "POST", models, 0,
			`{"id":"m","name":"n","state":"active","type":"python","config":{"sql_query":"SELECT 1"}}`,
			[]string{`field "type"`}},
		{"misspelt required field", "POST", models, 0,
			`{"id":"m","name":"n","state":"active","type":"sql","config":{"sql_querry":"SELECT 1"}}`,
			[]string{`field "config.sql_query"`, `property "sql_query" is missing`}},
		{"the reference's bad date-time", "POST", pipelines, 0,
			`{"id":"p","name":"n","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m","state":"active",
			"environment":"development","sync_mode":{"type":"full"},
			"schedule":{"type":"interval","frequency":"daily","start":"2023-02-01T12:00:00Z","end":"2023-03-01T:12:00:00Z"}}`,
			[]string{`field "schedule.end"`, `format "date-time"`}},
		{"zone-less time in a request", "POST", pipelines, 0,
			`{"id":"p","name":"n","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m","state":"active",
			"environment":"development","sync_mode":{"type":"full","from":"2023-02-03T23:53:08.413"},"schedule":{"type":"once"}}`,
			[]string{`field "sync_mode.from"`}},
		{"wrong type", "POST", pipelines, 0,
			`{"id":"p","name":"n","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m","state":"active",
			"partner_feed_id":"abc","environment":"development","sync_mode":{"type":"full"},"schedule":{"type":"once"}}`,
			[]string{`field "partner_feed_id"`}},
		{"incremental without iterator", "POST", pipelines, 0,
			`{"id":"p","name":"n","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m","state":"active",
			"environment":"development","sync_mode":{"type":"incremental"},"schedule":{"type":"once"}}`,
			[]string{`field "sync_mode.iterator_field"`, `field "sync_mode.iterator_data_type"`}},
		{"interval without start, bad delay", "PUT", pipeline, 0,
			`{"id":"p","name":"n","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m","state":"active",
			"environment":"development","sync_mode":{"type":"full"},"schedule":{"type":"interval","frequency":"daily","delay":"5 minutes"}}`,
			[]string{`field "schedule.start"`, `field "schedule.delay"`}},
		{"pipeline state of a connection", "POST", pipelines, 0,
			`{"id":"p","name":"n","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m","state":"inactive",
			"environment":"development","sync_mode":{"type":"full"},"schedule":{"type":"once"}}`,
			[]string{`field "state"`}},
		{"trigger without pipeline", "POST", trigger, 0, `{"pipelineId":"p"}`,
			[]string{`property "pipeline_id" is missing`}},
		{"secret not masked", "GET", connection, 200,
			`{"id":"a","name":"n","state":"active","status":"healthy","service_provider":"Redshift","config":{"database":"d",
			"host":"h","user":"u","password":"hunter2","aws_iam_role_arn":"a"},"created_on":"2023-02-03T23:53:08.413Z","last_modified_on":null}`,
			[]string{`field "config.password"`}},
		{"response without status and created_on", "GET", model, 200,
			`{"id":"m","name":"n","state":"active","type":"sql","config":{"sql_query":"SELECT 1"},"last_modified_on":null}`,
			[]string{`property "status" is missing`, `property "created_on" is missing`}},
		{"timestamp not a time", "GET", model, 200,
			`{"id":"m","name":"n","state":"active","status":"valid","type":"sql","config":{"sql_query":"SELECT 1"},
			"created_on":"yesterday","last_modified_on":null}`,
			[]string{`field "created_on"`}},
		{"null where a list is due", "GET", runs, 200,
			`{"items":null,"current_page":1,"page_size":50,"total_pages":0,"total_items":0,"has_previous_page":false,"has_next_page":false}`,
			[]string{`field "items"`}},
		{"count not a number", "GET", run, 200,
			`{"id":1,"pipeline_id":"p","type":"manual","status":"queued","logical_date":"2023-10-25T18:11:57.321Z","started_on":null,
			"ended_on":null,"range_start":null,"range_end":"2023-10-25T18:11:57.321Z","successful_records":"12a","failed_records":-1}`,
			[]string{`field "successful_records"`, `field "failed_records"`}},
		{"bad run status", "GET", report, 200,
			`{"pipeline_id":"p","status":"idle","connection_status":"healthy","data_model_status":"valid",
			"latest_successful_pipeline_run_id":null,"latest_pipeline_run":{"id":1,"pipeline_id":"p","type":"manual","status":"done",
			"logical_date":"2023-10-25T18:11:57.321Z","started_on":null,"ended_on":null,"range_start":null,
			"range_end":"2023-10-25T18:11:57.321Z","successful_records":0,"failed_records":0}}`,
			[]string{`field "latest_pipeline_run"`}}, // a run or null (anyOf): the error names the member
		{"schedule type written on-demand", "GET", pipeline, 200,
			`{"id":"p","name":"n","pipeline_type":"user_attributes","connection_id":"c","data_model_id":"m","state":"active",
			"status":"idle","sync_mode":{"type":"full"},"schedule":{"type":"on-demand"},"environment":"development",
			"created_on":"2023-10-25T16:02:28.008Z","last_modified_on":null}`,
			[]string{`field "schedule.type"`}},
		{"error envelope without errors", "GET", connections, 400, `{"statusCode":400,"message":"bad"}`,
			[]string{`property "errors" is missing`, `property "message" is unsupported`}},
		{"token response without token", "POST", token, 200, `{"expires_in":28800,"token_type":"Bearer"}`,
			[]string{`property "access_token" is missing`}},
		{"not JSON", "GET", connections, 200, `<html>`, []string{"not JSON"}},
		{"empty where a body is due", "GET", connections, 200, ``, []string{"empty"}},
		{"a body where none is due", "DELETE", connection, 204, `{}`, []string{"no body"}},
		{"undescribed status", "GET", connections, 302, `{}`, []string{"status 302"}},
		{"unknown path", "GET", "/widgets", 200, `{}`, []string{"no such path"}},
		{"unknown method", "PATCH", connection, 0, `{}`, []string{"no PATCH operation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := contract.ValidateExample(doc, tt.method, tt.path, tt.status, []byte(tt.body))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "hunter2", "reports never carry the values checked")
		})
	}
}

// TestWireTypesMatchTheDescription checks both sides' wire forms against the description: the bodies the
// client really sends (captured below its transport, so its request structs and their JSON tags are what
// is checked), and the root package's types as the fake returns them. A mistake in either would be
// invisible to tests that run the client against the fake.
func TestWireTypesMatchTheDescription(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	t0 := ws.NewTimestamp(time.Date(2023, 2, 1, 15, 13, 22, 0, time.UTC))
	delay, err := ws.ParseDelay("15m")
	require.NoError(t, err)

	// As a client sends them: no read-only fields set.
	sent := sentRequests(t, func(ctx context.Context, c *ws.Client) {
		for _, conn := range []*ws.Connection{
			{ID: "sf", Name: "SF", State: ws.StateActive, Config: &ws.SnowflakeConfig{
				AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "wh", Database: "db", Role: "r", User: "u",
				Password: "pw", StorageIntegration: "si"}},
			{ID: "bq", Name: "BQ", State: ws.StateNew, Config: &ws.BigQueryConfig{
				Region: "us-east1", ProjectID: "p", DatasetID: "d", ServiceAccountID: "sa", ServiceAccountKey: "{}"}},
			{ID: "rs", Name: "RS", State: ws.StateInactive, Config: &ws.RedshiftConfig{
				Database: "dev", Host: "h", User: "u", Password: "pw", AWSIAMRoleARN: "arn"}},
			{ID: "db", Name: "DB", State: ws.StateActive, Config: &ws.DatabricksConfig{Provider: "org", Schema: "s"}},
		} {
			_, _ = c.Connections.Create(ctx, conn)
			_, _ = c.Connections.Update(ctx, conn)
		}
		model := &ws.DataModel{ID: "m", Name: "M", State: ws.StateActive, Type: ws.DataModelSQL,
			Config: ws.DataModelConfig{SQLQuery: "SELECT 1"}}
		_, _ = c.DataModels.Create(ctx, model)
		_, _ = c.DataModels.Update(ctx, model)
		for _, p := range []*ws.Pipeline{
			{ID: "p", Name: "P", PipelineType: ws.PipelineEvents, ConnectionID: "c",
				FieldTransformationID: "ft", DataModelID: "m", PartnerFeedID: ws.Int64(7), PartnerFeedKey: "k", State: ws.StateActive,
				SyncMode:    ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_on", IteratorDataType: ws.IteratorDatetimeTZ, From: t0},
				Schedule:    ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyHourly, Delay: delay, Start: t0},
				Environment: ws.EnvironmentDevelopment, DataPlanID: "plan", DataPlanVersion: ws.Int64(2)},
			{ID: "p", Name: "P", PipelineType: ws.PipelineUserAttributes, ConnectionID: "c",
				DataModelID: "m", State: ws.StatePaused, SyncMode: ws.SyncMode{Type: ws.SyncFull},
				Schedule: ws.Schedule{Type: ws.ScheduleOnDemand}, Environment: ws.EnvironmentProduction},
		} {
			_, _ = c.Pipelines.Create(ctx, p)
			_, _ = c.Pipelines.Update(ctx, p)
		}
		_, _ = c.Pipelines.Trigger(ctx, "p")
	})
	kinds := map[string]int{}
	for _, r := range sent {
		tmpl := ""
		for _, p := range []string{trigger, connections, models, pipelines} { // trigger before its parent
			if i := strings.Index(r.path, p); i >= 0 {
				tmpl = p
				if rest := r.path[i+len(p):]; rest != "" {
					tmpl += "/{id}"
				}
				break
			}
		}
		if !assert.NotEmpty(t, tmpl, "no template for %s", r.path) {
			continue
		}
		kinds[r.method+" "+tmpl]++
		assert.NoError(t, contract.ValidateExample(doc, r.method, tmpl, 0, r.body), "request %s %s", r.method, r.path)
	}
	// Every call above reached the transport: the check is not vacuous.
	assert.Equal(t, map[string]int{
		"POST " + connections: 4, "PUT " + connections + "/{id}": 4, "POST " + models: 1, "PUT " + models + "/{id}": 1,
		"POST " + pipelines: 2, "PUT " + pipelines + "/{id}": 2, "POST " + trigger: 1,
	}, kinds)

	// As the fake returns them: read-only fields set, secrets masked, filled defaults.
	later := ws.NewTimestamp(t0.Add(time.Hour))
	conn := &ws.Connection{ID: "sf", Name: "SF", State: ws.StateActive, Status: ws.ConnectionHealthy, Config: &ws.SnowflakeConfig{
		AccountIdentifier: "gd12345", Region: "r", Warehouse: "wh", Database: "db", Role: "r", User: "u",
		Password: ws.MaskedSecret, StorageIntegration: "si", AWSIAMUserARN: "arn", AWSExternalID: "ext"},
		CreatedOn: t0, CreatedBy: "client-id"}
	pipe := &ws.Pipeline{ID: "p", Name: "P", PipelineType: ws.PipelineUserAttributes, ConnectionID: "c", DataModelID: "m",
		State: ws.StateActive, Status: ws.PipelineFaulted, Errors: []ws.ErrorDetail{{Message: "boom"}},
		SyncMode: ws.SyncMode{Type: ws.SyncFull}, Schedule: ws.Schedule{Type: ws.ScheduleOnDemand},
		Environment: ws.EnvironmentProduction, CreatedOn: t0, LastModifiedOn: later}
	queued := ws.Run{ID: 1 << 40, PipelineID: "p", Type: ws.RunManual, Status: ws.RunQueued, LogicalDate: t0, RangeEnd: t0}
	done := ws.Run{ID: 2, PipelineID: "p", Type: ws.RunScheduled, Status: ws.RunFailed, Errors: []ws.ErrorDetail{{Message: "x"}},
		LogicalDate: t0, StartedOn: t0, EndedOn: later, RangeStart: t0, RangeEnd: later, SuccessfulRecords: 10, FailedRecords: 1}
	responses := []struct {
		name, method, path string
		v                  any
	}{
		{"connection", "GET", connection, conn},
		{"data model", "GET", model, &ws.DataModel{ID: "m", Name: "M", State: ws.StateActive, Status: ws.DataModelValid,
			Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT 1"}, CreatedOn: t0}},
		{"pipeline", "GET", pipeline, pipe},
		{"trigger", "POST", trigger, &ws.TriggerResponse{PipelineRunID: 3, Status: ws.TriggerAttemptRequested}},
		{"empty report", "GET", report, &ws.Report{PipelineID: "p", Status: ws.PipelineIdle,
			ConnectionStatus: ws.ConnectionHealthy, DataModelStatus: ws.DataModelValid}},
		{"report", "GET", report, &ws.Report{PipelineID: "p", Status: ws.PipelineRunning, ConnectionStatus: ws.ConnectionFaulted,
			DataModelStatus: ws.DataModelInvalid, DataModelErrors: []ws.ErrorDetail{{Message: "bad"}},
			LatestSuccessfulPipelineRunID: ws.Int64(2), LatestPipelineRun: &queued}},
		{"run", "GET", run, &done},
		{"page", "GET", runs, &ws.RunPage{Items: []*ws.Run{&queued, &done}, CurrentPage: 1, PageSize: 50, TotalPages: 1, TotalItems: 2}},
		{"empty page", "GET", runs, &ws.RunPage{Items: []*ws.Run{}, CurrentPage: 1, PageSize: 50}},
	}
	for _, tt := range responses {
		body, err := json.Marshal(tt.v)
		require.NoError(t, err)
		assert.NoError(t, contract.ValidateExample(doc, tt.method, tt.path, 200, body), "response %s", tt.name)
	}
}

// sentRequest is one request as the client put it on the wire.
type sentRequest struct {
	method, path string
	body         []byte
}

// sentRequests runs calls with a client whose transport records every request's body and answers 200
// with it, and returns what the client sent.
func sentRequests(t *testing.T, calls func(context.Context, *ws.Client)) []sentRequest {
	t.Helper()
	var sent []sentRequest
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			body = b
		}
		sent = append(sent, sentRequest{method: r.Method, path: r.URL.Path, body: body})
		answer := body
		if strings.HasSuffix(r.URL.Path, "/trigger") {
			answer = []byte(`{"pipeline_run_id":1,"status":"attempt_requested"}`)
		}
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(answer)), Request: r}, nil
	})
	c, err := ws.NewClient("12345", ws.WithBaseURL("http://fake.invalid"), ws.WithBearerToken("token"),
		ws.WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	calls(context.Background(), c)
	return sent
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
