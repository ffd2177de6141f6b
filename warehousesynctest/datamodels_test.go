package warehousesynctest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

func TestDataModelLifecycle(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	var created ws.DataModel
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("m1"), &created)
	assert.Equal(t, ws.DataModelValid, created.Status)
	assert.Equal(t, ws.DataModelSQL, created.Type)
	assert.Equal(t, DefaultStartTime(), created.CreatedOn.Time)
	assert.True(t, created.LastModifiedOn.IsZero())

	require.NoError(t, srv.Advance(time.Minute))
	body := dataModelBody("m1")
	body["config"].(obj)["sql_query"] = "SELECT id, updated_on FROM db.s.t;"
	var updated ws.DataModel
	a.must(http.StatusOK, http.MethodPut, "/data-models/m1", body, &updated)
	assert.Equal(t, "SELECT id, updated_on FROM db.s.t;", updated.Config.SQLQuery)
	assert.Equal(t, DefaultStartTime().Add(time.Minute), updated.LastModifiedOn.Time)

	var list []ws.DataModel
	a.must(http.StatusOK, http.MethodGet, "/data-models", nil, &list)
	require.Len(t, list, 1)
	assert.Equal(t, updated, list[0])

	a.must(http.StatusNoContent, http.MethodDelete, "/data-models/m1", nil, nil)
	status, raw := a.do(http.MethodGet, "/data-models/m1", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"Data model 'm1' not found."}, decodeError(t, http.StatusNotFound, raw))
}

func TestDataModelValidation(t *testing.T) {
	t.Parallel()
	query := func(q string) func(obj) { return func(b obj) { b["config"].(obj)["sql_query"] = q } }
	cases := []struct {
		name   string
		put    bool
		edit   func(obj)
		field  string
		status int
	}{
		{name: "missing id", edit: func(b obj) { delete(b, "id") }, field: "id"},
		{name: "bad id", edit: func(b obj) { b["id"] = "a.b" }, field: "id"},
		{name: "duplicate", edit: func(b obj) { b["id"] = "m1" }, field: "Data model 'm1' already exists."},
		{name: "missing name", edit: func(b obj) { delete(b, "name") }, field: "name"},
		{name: "bad state", edit: func(b obj) { b["state"] = "paused" }, field: "state"},
		{name: "missing type", edit: func(b obj) { delete(b, "type") }, field: "type"},
		{name: "type not sql", edit: func(b obj) { b["type"] = "python" }, field: "type"},
		{name: "missing config", edit: func(b obj) { delete(b, "config") }, field: "config"},
		{name: "missing sql", edit: func(b obj) { delete(b["config"].(obj), "sql_query") }, field: "config.sql_query"},
		{name: "sql not a string", edit: query2(7), field: "config.sql_query"},
		{name: "two statements", edit: query("SELECT 1; SELECT 2"), field: "config.sql_query"},
		{name: "not a select", edit: query("SHOW TABLES"), field: "config.sql_query"},
		{name: "insert", edit: query("INSERT INTO t VALUES (1)"), field: "config.sql_query"},
		{name: "delete", edit: query("SELECT * FROM t WHERE id IN (DELETE FROM u)"), field: "DELETE"},
		{name: "update", edit: query("SELECT * FROM t; UPDATE t SET a = 1"), field: "config.sql_query"},
		{name: "update word", edit: query("SELECT a FROM t update"), field: "UPDATE"},
		{name: "drop", edit: query("select * from t where x = 1 or drop table t"), field: "DROP"},
		{name: "create", edit: query("SELECT create FROM t"), field: "CREATE"},
		{name: "alter", edit: query("SELECT * FROM t ALTER"), field: "ALTER"},
		{name: "with (CTE)", edit: query("SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x)"), field: "WITH"},
		{name: "unterminated string", edit: query("SELECT * FROM t WHERE a = 'open"), field: "config.sql_query"},
		{name: "put id differs", put: true, edit: func(b obj) { b["id"] = "m2" }, field: "id"},
		{name: "put unknown", put: true, edit: func(obj) {}, field: "Data model 'nope' not found.", status: http.StatusNotFound},
	}
	_, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/data-models", dataModelBody("m1"), nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := dataModelBody("new")
			method, path := http.MethodPost, "/data-models"
			if c.put {
				body = dataModelBody("m1")
				method, path = http.MethodPut, "/data-models/m1"
				if c.status == http.StatusNotFound {
					path = "/data-models/nope"
					body["id"] = "nope"
				}
			}
			c.edit(body)
			want := c.status
			if want == 0 {
				want = http.StatusBadRequest
			}
			before := a.snapshot()
			status, raw := a.do(method, path, body)
			require.Equal(t, want, status, string(raw))
			assert.Contains(t, strings.Join(decodeError(t, want, raw), "\n"), c.field)
			assert.Equal(t, before, a.snapshot())
		})
	}
}

func query2(v any) func(obj) { return func(b obj) { b["config"].(obj)["sql_query"] = v } }

func TestCheckSQLAccepts(t *testing.T) {
	t.Parallel()
	for _, q := range []string{
		"SELECT email AS email, COUNT(id) AS \"count_of_open_tickets\", LAST_UPDATED_DATE_TIME FROM mp.demo_service.tickets WHERE t.status = 'open'",
		"select distinct a from t order by a;",
		"SELECT a FROM t WHERE note = 'please delete; then update' -- drop it\n",
		"SELECT \"update\", `delete` FROM t /* WITH ; */ JOIN u ON t.id = u.id GROUP BY a",
		"SELECT updated_at, deleted_flag, created_on, without_tz FROM t WHERE x IN (1, 2)",
		"SELECT 'it''s' AS s FROM t",
		"SELECT mpid, customer_id, email FROM t",
	} {
		assert.Empty(t, checkSQL(q), q)
	}
}
