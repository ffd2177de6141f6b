package engine

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunFailureFromResources: a run fails while its connection is unreachable or faulted or its data
// model invalid, as the engine's own resources say; a PUT of the connection heals it.
func TestRunFailureFromResources(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: propStart})
	require.NoError(t, e.CreateConnection(wsID, &Connection{ID: "conn", ServiceProvider: "Databricks",
		Config: ConnectionConfig{"provider": "org", "schema": "s"}}))
	require.NoError(t, e.CreateDataModel(wsID, &DataModel{ID: "model", Type: "sql"}))
	e.PutPipeline(wsID, pipeline("p", SyncMode{Type: SyncFull}, Schedule{Type: ScheduleOnDemand}))
	p := e.find(wsID, "p")
	assert.Empty(t, e.runFailure(p))

	require.NoError(t, e.SetConnectionUnreachable(wsID, "conn", "down"))
	require.NoError(t, e.SetDataModelInvalid(wsID, "model", "bad query"))
	assert.Equal(t, []ErrorDetail{{Message: "down"}, {Message: "bad query"}}, e.runFailure(p))
	require.NoError(t, e.SetConnectionReachable(wsID, "conn"))
	require.NoError(t, e.SetDataModelValid(wsID, "model"))
	assert.Equal(t, []ErrorDetail{{Message: "down"}}, e.runFailure(p), "a faulted connection fails runs until it is updated")
	conn, _ := e.Connection(wsID, "conn")
	require.NoError(t, e.UpdateConnection(wsID, &conn))
	assert.Empty(t, e.runFailure(p))

	assert.Nil(t, e.source(p), "no records seeded")
	require.NoError(t, e.SeedRows(wsID, "model", []map[string]any{{"updated_on": "2025-01-01T00:00:00Z"}}))
	assert.NotNil(t, e.source(p))
	rows, found := e.SeededRows(wsID, "model")
	assert.True(t, found)
	assert.Len(t, rows, 1)
	require.NoError(t, e.SeedRows(wsID, "model", nil))
	assert.Nil(t, e.source(p))
}

// TestResourceRules: a connection or data model in use cannot be deleted, an unreachable connection
// cannot be updated, and an unknown or duplicate id is refused.
func TestResourceRules(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: propStart})
	conn := &Connection{ID: "conn", ServiceProvider: "Databricks", Config: ConnectionConfig{"provider": "org", "schema": "s"}}
	require.NoError(t, e.CreateConnection(wsID, conn))
	require.ErrorIs(t, e.CreateConnection(wsID, conn), ErrConnectionExists)
	require.NoError(t, e.CreateDataModel(wsID, &DataModel{ID: "model"}))
	require.ErrorIs(t, e.CreateDataModel(wsID, &DataModel{ID: "model"}), ErrDataModelExists)
	e.PutPipeline(wsID, pipeline("p", SyncMode{Type: SyncFull}, Schedule{Type: ScheduleOnDemand}))

	var inUse *InUseError
	require.True(t, errors.As(e.DeleteConnection(wsID, "conn"), &inUse))
	assert.Equal(t, []string{"p"}, inUse.Pipelines)
	require.ErrorIs(t, e.DeleteDataModel(wsID, "model"), ErrInUse)
	require.ErrorIs(t, e.DeleteConnection(wsID, "other"), ErrNoConnection)
	require.ErrorIs(t, e.SetDataModelInvalid(wsID, "other", "x"), ErrNoDataModel)

	require.NoError(t, e.SetConnectionUnreachable(wsID, "conn", "down"))
	var down *UnreachableError
	require.True(t, errors.As(e.UpdateConnection(wsID, conn), &down))
	assert.Equal(t, "down", down.Message)

	require.NoError(t, e.DeletePipeline(wsID, "p"))
	require.NoError(t, e.DeleteConnection(wsID, "conn"))
	require.NoError(t, e.DeleteDataModel(wsID, "model"))
	assert.Zero(t, e.ResourceCount(wsID))
}

// TestConnectionJSONMasksSecrets: a connection's JSON writes its config in the provider table's order
// with every secret that is set masked, and reads back what it wrote.
func TestConnectionJSONMasksSecrets(t *testing.T) {
	t.Parallel()
	c := Connection{ID: "rs", Name: "RS", State: StateActive, Status: ConnectionHealthy, ServiceProvider: "Redshift",
		Config: ConnectionConfig{"database": "db", "host": "h", "user": "u", "password": "pw", "aws_iam_role_arn": "arn"}}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"rs","name":"RS","state":"active","status":"healthy","service_provider":"Redshift",
		"config":{"database":"db","host":"h","user":"u","password":"************","aws_iam_role_arn":"arn"},
		"created_on":null,"last_modified_on":null}`, string(b))
	assert.NotContains(t, string(b), "pw")
	var back Connection
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, MaskedSecret, back.Config["password"])
	assert.Equal(t, "db", back.Config["database"])
}

// TestPipelinesReferToResources: a pipeline must name a connection and data model of its workspace and,
// when the workspace has a registry, a field transformation it knows.
func TestPipelinesReferToResources(t *testing.T) {
	t.Parallel()
	e := New(Config{Start: propStart})
	pl := pipeline("p", SyncMode{Type: SyncFull}, Schedule{Type: ScheduleOnDemand})
	var ref *ReferenceError
	require.True(t, errors.As(e.CreatePipeline(wsID, pl), &ref))
	assert.Equal(t, "connection_id", ref.Field)
	require.ErrorIs(t, e.CreatePipeline(wsID, pl), ErrNoConnection)
	require.NoError(t, e.CreateConnection(wsID, &Connection{ID: "conn", ServiceProvider: "Databricks"}))
	require.ErrorIs(t, e.CreatePipeline(wsID, pl), ErrNoDataModel)
	require.NoError(t, e.CreateDataModel(wsID, &DataModel{ID: "model"}))
	e.SetFieldTransformations(wsID, []string{"ft"})
	pl.FieldTransformationID = "other"
	require.ErrorIs(t, e.CreatePipeline(wsID, pl), ErrNoTransformation)
	pl.FieldTransformationID = "ft"
	require.NoError(t, e.CreatePipeline(wsID, pl))
	pl.DataModelID = "gone"
	require.ErrorIs(t, e.UpdatePipeline(wsID, pl), ErrNoDataModel)
	assert.True(t, e.HasPipeline(wsID, "p"))
}
