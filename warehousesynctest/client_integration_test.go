package warehousesynctest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// countRequests counts the recorded requests with method and a path relative to the default workspace.
func countRequests(srv *Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path && r.Workspace == srv.WorkspaceID() {
			n++
		}
	}
	return n
}

func snowflake(id string) *ws.Connection {
	return &ws.Connection{ID: id, Name: "Snowflake", State: ws.StateActive, Config: &ws.SnowflakeConfig{
		AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh", Database: "db",
		Role: "role", User: "user", Password: "client-secret-pw", StorageIntegration: "mp_us1_123_123_s3",
	}}
}

func TestClientCRUDLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)

	conn, err := c.Connections.Create(ctx, snowflake("sf"))
	require.NoError(t, err)
	assert.Equal(t, ws.ConnectionHealthy, conn.Status)
	assert.True(t, conn.Config.(*ws.SnowflakeConfig).Password.IsMasked())
	assert.NotEmpty(t, conn.Config.(*ws.SnowflakeConfig).AWSExternalID)

	// Read-modify-write keeps the stored password.
	got, err := c.Connections.Get(ctx, "sf")
	require.NoError(t, err)
	got.Name = "Renamed"
	updated, err := c.Connections.Update(ctx, got)
	require.NoError(t, err)
	assert.Equal(t, "Renamed", updated.Name)
	srv.mu.Lock()
	stored, _ := srv.eng.Connection(srv.WorkspaceID(), "sf")
	assert.Equal(t, "client-secret-pw", stored.Config["password"])
	srv.mu.Unlock()
	list, err := c.Connections.List(ctx, &ws.ListConnectionsOptions{ServiceProvider: ws.ProviderSnowflake})
	require.NoError(t, err)
	require.Len(t, list, 1)

	model, err := c.DataModels.Create(ctx, &ws.DataModel{ID: "m", Name: "M", State: ws.StateActive, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: "SELECT email, updated_on FROM t"}})
	require.NoError(t, err)
	assert.Equal(t, ws.DataModelValid, model.Status)
	model.Config.SQLQuery = "SELECT email, updated_on FROM u"
	_, err = c.DataModels.Update(ctx, model)
	require.NoError(t, err)
	models, err := c.DataModels.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, models, 1)

	p, err := c.Pipelines.Create(ctx, &ws.Pipeline{ID: "p", Name: "P", PipelineType: ws.PipelineUserAttributes,
		ConnectionID: "sf", DataModelID: "m", State: ws.StatePaused, Environment: ws.EnvironmentDevelopment,
		SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_on", IteratorDataType: ws.IteratorTimestamp},
		Schedule: ws.Schedule{Type: ws.ScheduleOnDemand}})
	require.NoError(t, err)
	p.Name = "P2"
	_, err = c.Pipelines.Update(ctx, p)
	require.NoError(t, err)
	pipes, err := c.Pipelines.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, pipes, 1)
	assert.Equal(t, "P2", pipes[0].Name)
	_, err = c.Pipelines.Report(ctx, "p")
	require.NoError(t, err)

	err = c.Connections.Delete(ctx, "sf")
	require.ErrorIs(t, err, ws.ErrBadRequest, "the pipeline uses it")
	require.NoError(t, c.Pipelines.Delete(ctx, "p"))
	require.NoError(t, c.DataModels.Delete(ctx, "m"))
	require.NoError(t, c.Connections.Delete(ctx, "sf"))
	_, err = c.Connections.Get(ctx, "sf")
	require.ErrorIs(t, err, ws.ErrNotFound)
	_, err = c.Pipelines.Get(ctx, "p")
	require.ErrorIs(t, err, ws.ErrNotFound)
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)

	_, err := c.Connections.Create(ctx, snowflake("sf"))
	require.NoError(t, err)
	require.NoError(t, srv.DefaultWorkspace().SetConnectionUnreachable("sf", "bad password"))
	_, err = c.Connections.Update(ctx, snowflake("sf"))
	require.ErrorIs(t, err, ws.ErrWarehouseUnreachable)
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 505, apiErr.StatusCode)
	assert.Equal(t, []string{"bad password"}, apiErr.Messages)
	assert.Equal(t, 1, countRequests(srv, http.MethodPut, "/connections/sf"), "505 is never retried")

	bad := snowflake("sf2")
	bad.Config.(*ws.SnowflakeConfig).Region = ""
	_, err = c.Connections.Create(ctx, bad)
	require.ErrorIs(t, err, ws.ErrBadRequest)
	require.True(t, errors.As(err, &apiErr))
	assert.Contains(t, apiErr.Messages[0], "config.region")

	other := newCheckedClient(t, srv, ws.WithClientCredentials("wrong", "creds"))
	_, err = other.Connections.List(ctx, nil)
	require.Error(t, err)
}

func TestClientRetriesAgainstInjectedFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)

	require.NoError(t, srv.InjectFault(Fault{Method: "GET", Path: "/connections", Status: 503, Times: 2}))
	_, err := c.Connections.List(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, countRequests(srv, http.MethodGet, "/connections"), "two 503s, then success")

	require.NoError(t, srv.InjectFault(Fault{Method: "POST", Path: "/connections", Status: 429, RetryAfter: time.Second, Times: 1}))
	_, err = c.Connections.Create(ctx, snowflake("sf"))
	require.NoError(t, err, "a 429 POST was surely not processed: retried")
	assert.Equal(t, 2, countRequests(srv, http.MethodPost, "/connections"))

	require.NoError(t, srv.InjectFault(Fault{Method: "POST", Path: "/data-models", Status: 500, Times: 1}))
	_, err = c.DataModels.Create(ctx, &ws.DataModel{ID: "m", Name: "M", State: ws.StateActive, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: "SELECT 1"}})
	require.NoError(t, err, "a create answered 500 is retried: a retry that finds it applied reconciles")
	assert.Equal(t, 2, countRequests(srv, http.MethodPost, "/data-models"))

	require.NoError(t, srv.InjectFault(Fault{Method: "PUT", Path: "/connections/*", Status: 502, ApplyThenFail: true, Times: 1}))
	conn := snowflake("sf")
	conn.Name = "After a lost response"
	_, err = c.Connections.Update(ctx, conn)
	require.NoError(t, err, "PUT is idempotent: the retry succeeds")
	assert.Equal(t, 2, countRequests(srv, http.MethodPut, "/connections/sf"))

	require.NoError(t, srv.InjectFault(Fault{Path: "/*", Status: 503}))
	_, err = c.Connections.Get(ctx, "sf")
	require.ErrorIs(t, err, ws.ErrServer)
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode, "the last response is kept when retries run out")
}

// TestClientEveryResourceShape sends every kind of resource the API has through the checked client and
// reads it back: each connection provider, each schedule type, events and user-attributes pipelines with
// their optional fields, deletes, and the error answers, so that the fake's answers and the client's
// requests are held to the description in all their shapes.
func TestClientEveryResourceShape(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t, WithMaxActivePipelines(0))
	start := DefaultStartTime()

	conns := []*ws.Connection{
		snowflake("sf"),
		{ID: "bq", Name: "BigQuery", State: ws.StateNew, Config: &ws.BigQueryConfig{Region: "us-east1", ProjectID: "p",
			DatasetID: "d", ServiceAccountID: "sa@p.iam.gserviceaccount.com", ServiceAccountKey: `{"type":"service_account"}`}},
		{ID: "rs", Name: "Redshift", State: ws.StateInactive, Config: &ws.RedshiftConfig{Database: "dev", Host: "h.example.com",
			User: "u", Password: "rs-secret", AWSIAMRoleARN: "arn:aws:iam::123456789:role/r"}},
		{ID: "db", Name: "Databricks", State: ws.StateActive, Config: &ws.DatabricksConfig{Provider: "org", Schema: "s"}},
	}
	for _, conn := range conns {
		got, err := c.Connections.Create(ctx, conn)
		require.NoError(t, err, conn.ID)
		got, err = c.Connections.Update(ctx, got) // read-modify-write with the masked secrets
		require.NoError(t, err, conn.ID)
		assert.False(t, got.LastModifiedOn.IsZero())
	}
	list, err := c.Connections.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, list, 4)
	for _, p := range []ws.ServiceProvider{ws.ProviderSnowflake, ws.ProviderBigQuery, ws.ProviderRedshift, ws.ProviderDatabricks} {
		list, err := c.Connections.List(ctx, &ws.ListConnectionsOptions{ServiceProvider: p})
		require.NoError(t, err)
		require.Len(t, list, 1, p)
	}
	_, err = c.DataModels.Create(ctx, &ws.DataModel{ID: "model", Name: "M", State: ws.StateNew, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: "SELECT email, updated_on FROM users"}})
	require.NoError(t, err)
	srv.DefaultWorkspace().SetDataModelInvalid("model", "no such table")
	m, err := c.DataModels.Get(ctx, "model")
	require.NoError(t, err)
	assert.Equal(t, ws.DataModelInvalid, m.Status)

	delay, err := ws.ParseDelay("15m")
	require.NoError(t, err)
	pipes := []*ws.Pipeline{
		{ID: "interval", Name: "Interval", PipelineType: ws.PipelineEvents, ConnectionID: "sf", DataModelID: "model",
			FieldTransformationID: "ft-1", PartnerFeedID: ws.Int64(42), PartnerFeedKey: "key", State: ws.StateActive,
			Environment: ws.EnvironmentProduction, DataPlanID: "plan", DataPlanVersion: ws.Int64(3),
			SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_on", IteratorDataType: ws.IteratorUnixTimeSecs,
				From: ws.NewTimestamp(start.AddDate(0, -1, 0)), Until: ws.NewTimestamp(start.AddDate(1, 0, 0))},
			Schedule: ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyWeekly, Delay: delay,
				Start: ws.NewTimestamp(start), End: ws.NewTimestamp(start.AddDate(0, 6, 0))}},
		{ID: "once", Name: "Once", PipelineType: ws.PipelineUserAttributes, ConnectionID: "db", DataModelID: "model",
			State: ws.StateActive, Environment: ws.EnvironmentDevelopment,
			SyncMode: ws.SyncMode{Type: ws.SyncFull, From: ws.NewTimestamp(start.AddDate(-1, 0, 0))},
			Schedule: ws.Schedule{Type: ws.ScheduleOnce}},
		{ID: "on-demand", Name: "On demand", PipelineType: ws.PipelineUserAttributes, ConnectionID: "rs", DataModelID: "model",
			State: ws.StatePaused, Environment: ws.EnvironmentDevelopment,
			SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "d", IteratorDataType: ws.IteratorDate},
			Schedule: ws.Schedule{Type: ws.ScheduleOnDemand}},
	}
	for _, p := range pipes {
		got, err := c.Pipelines.Create(ctx, p)
		require.NoError(t, err, p.ID)
		_, err = c.Pipelines.Update(ctx, got)
		require.NoError(t, err, p.ID)
	}
	require.NoError(t, srv.Advance(8*24*time.Hour)) // runs fail (the model is invalid): faulted pipelines with errors
	for _, p := range pipes {
		got, err := c.Pipelines.Get(ctx, p.ID)
		require.NoError(t, err)
		_, err = c.Pipelines.Report(ctx, p.ID)
		require.NoError(t, err)
		_, err = c.Runs.List(ctx, p.ID, &ws.ListRunsOptions{PageSize: 1000, StartDate: start, EndDate: start.AddDate(1, 0, 0)})
		require.NoError(t, err)
		if p.ID != "on-demand" {
			assert.Equal(t, ws.PipelineFaulted, got.Status, p.ID)
			run, err := c.Runs.Get(ctx, p.ID, mustLatestRun(t, c, p.ID))
			require.NoError(t, err)
			assert.Equal(t, ws.RunFailed, run.Status)
		}
	}
	all, err := c.Pipelines.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, all, 3)

	// Error answers: 400, 404, 505.
	_, err = c.Pipelines.Get(ctx, "ghost")
	require.ErrorIs(t, err, ws.ErrNotFound)
	_, err = c.Runs.Get(ctx, "interval", 999)
	require.ErrorIs(t, err, ws.ErrNotFound)
	_, err = c.DataModels.Create(ctx, &ws.DataModel{ID: "bad", Name: "Bad", State: ws.StateActive, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: "DELETE FROM users"}})
	require.ErrorIs(t, err, ws.ErrBadRequest)
	srv.DefaultWorkspace().SetConnectionUnreachable("db", "")
	_, err = c.Connections.Update(ctx, conns[3])
	require.ErrorIs(t, err, ws.ErrWarehouseUnreachable)

	for _, p := range pipes {
		require.NoError(t, c.Pipelines.Delete(ctx, p.ID))
	}
	require.NoError(t, c.DataModels.Delete(ctx, "model"))
	for _, conn := range conns {
		require.NoError(t, c.Connections.Delete(ctx, conn.ID))
	}
}

// mustLatestRun returns the id of the pipeline's latest run.
func mustLatestRun(t *testing.T, c *ws.Client, id string) int64 {
	t.Helper()
	rep, err := c.Pipelines.Report(context.Background(), id)
	require.NoError(t, err)
	require.NotNil(t, rep.LatestPipelineRun, id)
	return rep.LatestPipelineRun.ID
}

// TestTokenRefusalsMatchTheDescription sends token requests through the checked transport: every
// refusal the fake gives is one the description lists, in its body shape.
func TestTokenRefusalsMatchTheDescription(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	base, hc := checkedTransport(t, srv)
	id, secret := srv.Credentials()
	for _, tt := range []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
	}{
		{"json", "application/json", `{"client_id":"` + id + `","client_secret":"` + secret + `","audience":"https://api.mparticle.com","grant_type":"client_credentials"}`, http.StatusOK, ""},
		{"form", "application/x-www-form-urlencoded", "client_id=" + id + "&client_secret=" + secret + "&audience=https%3A%2F%2Fapi.mparticle.com&grant_type=client_credentials", http.StatusOK, ""},
		{"wrong secret", "application/json", `{"client_id":"` + id + `","client_secret":"nope","audience":"https://api.mparticle.com","grant_type":"client_credentials"}`, http.StatusUnauthorized, "access_denied"},
		{"other audience", "application/json", `{"client_id":"` + id + `","client_secret":"` + secret + `","audience":"https://example.com","grant_type":"client_credentials"}`, http.StatusForbidden, "access_denied"},
		{"other grant", "application/json", `{"client_id":"` + id + `","client_secret":"` + secret + `","audience":"https://api.mparticle.com","grant_type":"password"}`, http.StatusBadRequest, "unsupported_grant_type"},
		{"no grant", "application/json", `{"client_id":"` + id + `","client_secret":"` + secret + `","audience":"https://api.mparticle.com"}`, http.StatusBadRequest, "invalid_request"},
		{"not JSON", "application/json", `{`, http.StatusBadRequest, "invalid_request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := hc.Post(base+tokenPath, tt.contentType, strings.NewReader(tt.body))
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode)
			if tt.code != "" {
				var e oauthError
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
				assert.Equal(t, tt.code, e.Error)
			}
		})
	}
}
