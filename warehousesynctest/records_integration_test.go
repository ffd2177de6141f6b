package warehousesynctest

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for the SQL source

	ws "github.com/wsync-dev/warehousesync"
)

// runCounts lists the (successful, failed) records of a pipeline's runs, oldest first.
func runCounts(t *testing.T, c *ws.Client, pipelineID string) [][2]int64 {
	t.Helper()
	var out [][2]int64
	for _, r := range collectRuns(t, c, pipelineID, nil) {
		require.Equal(t, ws.RunSuccess, r.Status, "run %d: %v", r.ID, r.Errors)
		out = append(out, [2]int64{r.SuccessfulRecords, r.FailedRecords})
	}
	return out
}

func TestSeededRecordsAreCountedByRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t)
	createBasics(t, c)
	s := DefaultStartTime()

	// Over the Go API: timestamps in several shapes; rows without a parsable value are failed records.
	srv.DefaultWorkspace().SeedRecords("model", []map[string]any{
		{"email": "a@example.com", "updated_on": "2025-01-01T00:10:00Z"},
		{"email": "b@example.com", "updated_on": "2025-01-01 00:20:00"},
		{"email": "c@example.com", "updated_on": s.Add(59*time.Minute + 59*time.Second)},
		{"email": "d@example.com", "updated_on": "2025-01-01T01:00:00Z"}, // the second interval
		{"email": "e@example.com", "updated_on": "2024-12-31T23:59:59Z"}, // before from
		{"email": "f@example.com"},
		{"email": "g@example.com", "updated_on": "yesterday"},
	})
	mustCreate(t, c, newPipeline("go", s, hourly(s)))
	require.NoError(t, srv.Advance(2*time.Hour+time.Minute))
	assert.Equal(t, [][2]int64{{3, 2}, {1, 2}}, runCounts(t, c, "go"))

	// Over HTTP, for another model, with unix milliseconds; integral JSON numbers are integers.
	_, err := c.DataModels.Create(ctx, &ws.DataModel{ID: "events", Name: "Events", State: ws.StateActive,
		Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT email, ts FROM events"}})
	require.NoError(t, err)
	t1 := srv.Now()
	ms := func(d time.Duration) int64 { return t1.Add(d).UnixMilli() }
	status, body := admin(t, srv, http.MethodPut, "workspaces/"+srv.WorkspaceID()+"/data-models/events/records",
		fmt.Sprintf(`[{"ts":%d},{"ts":"%d"},{"ts":%d.5},{"ts":%d},{"ts":null},{"ts":"soon"},{}]`,
			ms(10*time.Minute), ms(20*time.Minute), ms(30*time.Minute), ms(90*time.Minute)))
	require.Equal(t, http.StatusNoContent, status, string(body))
	p := newPipeline("http", time.Time{}, onDemand())
	p.DataModelID = "events"
	p.SyncMode.IteratorField, p.SyncMode.IteratorDataType = "ts", ws.IteratorUnixTimeMillis
	mustCreate(t, c, p)
	require.NoError(t, srv.Advance(time.Hour))
	mustTrigger(t, c, "http") // everything up to now: three rows
	require.NoError(t, srv.Advance(time.Hour))
	mustTrigger(t, c, "http") // from the last trigger: the fourth
	require.NoError(t, srv.Advance(time.Minute))
	assert.Equal(t, [][2]int64{{3, 3}, {1, 3}}, runCounts(t, c, "http"))

	// DELETE removes the rows: no rows, nothing counted.
	status, _ = admin(t, srv, http.MethodDelete, "workspaces/"+srv.WorkspaceID()+"/data-models/events/records", "")
	require.Equal(t, http.StatusNoContent, status)
	mustTrigger(t, c, "http")
	require.NoError(t, srv.Advance(time.Minute))
	assert.Equal(t, [2]int64{0, 0}, runCounts(t, c, "http")[2])

	status, body = admin(t, srv, http.MethodPut, "workspaces/"+srv.WorkspaceID()+"/data-models/events/records", `{"ts":1}`)
	assert.Equal(t, http.StatusBadRequest, status, "records are a JSON array of objects: %s", body)
}

// TestSQLSourceRunsTheDataModelsQuery counts records with the data model's own sql_query on an
// in-memory SQLite database, as the wrapped subquery a warehouse would run.
func TestSQLSourceRunsTheDataModelsQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // one connection: every query sees the same in-memory database
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.Exec(`CREATE TABLE users (email TEXT, status TEXT, updated_on TEXT)`)
	require.NoError(t, err)
	insert := func(email, status string, updated any) {
		t.Helper()
		_, err := db.Exec(`INSERT INTO users VALUES (?, ?, ?)`, email, status, updated)
		require.NoError(t, err)
	}
	insert("a@example.com", "open", "2025-01-01T00:10:00Z")
	insert("b@example.com", "open", "2025-01-01 00:50:00")
	insert("c@example.com", "closed", "2025-01-01T00:20:00Z") // filtered out by the model's WHERE
	insert("d@example.com", "open", nil)                      // a failed record
	insert("e@example.com", "open", "2025-01-01T01:30:00Z")   // the second interval

	srv, c := newCheckedServer(t)
	_, err = c.Connections.Create(ctx, snowflake("conn"))
	require.NoError(t, err)
	model, err := c.DataModels.Create(ctx, &ws.DataModel{ID: "model", Name: "Open users", State: ws.StateActive,
		Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT email, updated_on FROM users WHERE status = 'open'"}})
	require.NoError(t, err)
	srv.DefaultWorkspace().UseSQLSource("model", db)
	s := DefaultStartTime()
	mustCreate(t, c, newPipeline("p", s, hourly(s)))

	require.NoError(t, srv.Advance(time.Hour+time.Minute))
	assert.Equal(t, [][2]int64{{2, 1}}, runCounts(t, c, "p"))

	// The query runs at each run: rows added later count, and so does a changed query.
	insert("f@example.com", "closed", "2025-01-01T01:40:00Z")
	model.Config.SQLQuery = "SELECT email, updated_on FROM users"
	_, err = c.DataModels.Update(ctx, model)
	require.NoError(t, err)
	require.NoError(t, srv.Advance(time.Hour))
	assert.Equal(t, [][2]int64{{2, 1}, {2, 1}}, runCounts(t, c, "p"))

	// A query the database refuses fails the run with the database's message.
	model.Config.SQLQuery = "SELECT email, updated_on FROM missing_table"
	_, err = c.DataModels.Update(ctx, model)
	require.NoError(t, err)
	require.NoError(t, srv.DefaultWorkspace().FailNextAttempts("p", 1, "first attempt")) // so the run also shows a retry
	require.NoError(t, srv.Advance(time.Hour+13*time.Minute))
	rep, err := c.Pipelines.Report(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineFaulted, rep.Status)
	require.Len(t, rep.Errors, 1)
	assert.Contains(t, rep.Errors[0].Message, "reading data model model failed")
	assert.Contains(t, rep.Errors[0].Message, "missing_table")
}
