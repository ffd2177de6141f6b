package warehousesynctest

import (
	"context"
	"errors"
	"net/http"
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
		if r.Method == method && r.Path == apiPrefix+srv.WorkspaceID()+path {
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
	assert.Equal(t, ws.Secret("client-secret-pw"), srv.workspaces[srv.WorkspaceID()].connections["sf"].Config.(*ws.SnowflakeConfig).Password)
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
	models, err := c.DataModels.List(ctx)
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
	pipes, err := c.Pipelines.List(ctx)
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

	srv.SetConnectionUnreachable("sf", "bad password")
	_, err := c.Connections.Create(ctx, snowflake("sf"))
	require.ErrorIs(t, err, ws.ErrWarehouseUnreachable)
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 505, apiErr.StatusCode)
	assert.Equal(t, []string{"bad password"}, apiErr.Messages)
	assert.Equal(t, 1, countRequests(srv, http.MethodPost, "/connections"), "505 is never retried")

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
	require.ErrorIs(t, err, ws.ErrServer)
	assert.Equal(t, 1, countRequests(srv, http.MethodPost, "/data-models"), "a POST answered 500 may have been applied: not retried")

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
