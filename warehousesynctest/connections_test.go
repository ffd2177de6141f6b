package warehousesynctest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
)

func TestConnectionLifecycle(t *testing.T) {
	t.Parallel()
	start := time.Date(2023, 2, 3, 23, 53, 8, 413e6, time.UTC)
	srv, a := newAPI(t, WithStartTime(start))

	var created ws.Connection
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("sf"), &created)
	assert.Equal(t, "sf", created.ID)
	assert.Equal(t, ws.ConnectionHealthy, created.Status)
	assert.Equal(t, start, created.CreatedOn.Time)
	assert.Equal(t, DefaultClientID, created.CreatedBy)
	assert.True(t, created.LastModifiedOn.IsZero(), "last_modified_on is null until the first update")
	assert.Empty(t, created.LastModifiedBy)
	sf := created.Config.(*ws.SnowflakeConfig)
	assert.Equal(t, ws.Secret(ws.MaskedSecret), sf.Password)
	assert.True(t, strings.HasPrefix(sf.AWSIAMUserARN, "arn:aws:iam::123456789012:user/externalstages/"), sf.AWSIAMUserARN)
	assert.NotEmpty(t, sf.AWSExternalID)

	var got ws.Connection
	a.must(http.StatusOK, http.MethodGet, "/connections/sf", nil, &got)
	assert.Equal(t, created, got)

	require.NoError(t, srv.Advance(time.Hour))
	upd := snowflakeBody("sf")
	upd["name"] = "Renamed"
	var updated ws.Connection
	a.must(http.StatusOK, http.MethodPut, "/connections/sf", upd, &updated)
	assert.Equal(t, "Renamed", updated.Name)
	assert.Equal(t, start, updated.CreatedOn.Time, "created_on survives updates")
	assert.Equal(t, start.Add(time.Hour), updated.LastModifiedOn.Time)
	assert.Equal(t, DefaultClientID, updated.LastModifiedBy)
	assert.Equal(t, sf.AWSIAMUserARN, updated.Config.(*ws.SnowflakeConfig).AWSIAMUserARN, "derived fields are stable")

	a.must(http.StatusNoContent, http.MethodDelete, "/connections/sf", nil, nil)
	status, body := a.do(http.MethodGet, "/connections/sf", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []string{"Connection 'sf' not found."}, decodeError(t, http.StatusNotFound, body))
	status, body = a.do(http.MethodDelete, "/connections/sf", nil)
	require.Equal(t, http.StatusNotFound, status)
	decodeError(t, http.StatusNotFound, body)
}

func TestConnectionProvidersAndMasking(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	for _, body := range []obj{snowflakeBody("sf"), bigQueryBody("bq"), redshiftBody("rs"), databricksBody("db")} {
		a.must(http.StatusOK, http.MethodPost, "/connections", body, nil)
	}
	status, raw := a.do(http.MethodGet, "/connections", nil)
	require.Equal(t, http.StatusOK, status)
	for _, secret := range []string{"sf-secret-password", "bq-secret-key", "rs-secret-password"} {
		assert.NotContains(t, string(raw), secret, "secrets are masked on every read")
	}
	var list []ws.Connection
	require.NoError(t, json.Unmarshal(raw, &list))
	ids := []string{}
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"bq", "db", "rs", "sf"}, ids, "lists are sorted by id")
	assert.Equal(t, ws.Secret(ws.MaskedSecret), list[0].Config.(*ws.BigQueryConfig).ServiceAccountKey)
	assert.Equal(t, "5439", list[2].Config.(*ws.RedshiftConfig).Port, "Redshift port defaults to 5439")
	assert.Equal(t, ws.Secret(ws.MaskedSecret), list[2].Config.(*ws.RedshiftConfig).Password)

	var filtered []ws.Connection
	a.must(http.StatusOK, http.MethodGet, "/connections?serviceProvider=Redshift", nil, &filtered)
	require.Len(t, filtered, 1)
	assert.Equal(t, "rs", filtered[0].ID)

	// Read-modify-write: the masked secret sent back keeps the stored one.
	for _, id := range []string{"sf", "bq", "rs"} {
		status, raw := a.do(http.MethodGet, "/connections/"+id, nil)
		require.Equal(t, http.StatusOK, status)
		var body obj
		require.NoError(t, json.Unmarshal(raw, &body))
		body["name"] = "changed"
		a.must(http.StatusOK, http.MethodPut, "/connections/"+id, body, nil)
	}
	srv.mu.Lock()
	stored := func(id string) engine.ConnectionConfig {
		c, _ := srv.eng.Connection(srv.WorkspaceID(), id)
		return c.Config
	}
	assert.Equal(t, "sf-secret-password", stored("sf")["password"])
	assert.Equal(t, `{"type": "service_account", "private_key": "bq-secret-key"}`, stored("bq")["service_account_key"])
	assert.Equal(t, "rs-secret-password", stored("rs")["password"])
	srv.mu.Unlock()

	// A new secret replaces the stored one.
	body := redshiftBody("rs")
	body["config"].(obj)["password"] = "new-password"
	a.must(http.StatusOK, http.MethodPut, "/connections/rs", body, nil)
	srv.mu.Lock()
	assert.Equal(t, "new-password", stored("rs")["password"])
	srv.mu.Unlock()
}

func TestConnectionValidation(t *testing.T) {
	t.Parallel()
	type tc struct {
		name   string
		method string // POST (create "new") or PUT (update the existing "sf")
		body   func() obj
		field  string // named in the message
		status int    // default 400
	}
	edit := func(base func(string) obj, id string, f func(obj)) func() obj {
		return func() obj { b := clone(base(id)); f(b); return b }
	}
	cfg := func(b obj) obj { return b["config"].(obj) }
	cases := []tc{
		{name: "missing id", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(b, "id") }), field: "id"},
		{name: "id with a space", method: "POST", body: edit(snowflakeBody, "new id", func(obj) {}), field: "id"},
		{name: "id with a slash", method: "POST", body: edit(snowflakeBody, "a/b", func(obj) {}), field: "id"},
		{name: "id of 129 characters", method: "POST", body: edit(snowflakeBody, strings.Repeat("a", 129), func(obj) {}), field: "id"},
		{name: "id not a string", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { b["id"] = 7 }), field: "id"},
		{name: "duplicate id", method: "POST", body: edit(snowflakeBody, "sf", func(obj) {}), field: "Connection 'sf' already exists."},
		{name: "missing name", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(b, "name") }), field: "name"},
		{name: "missing state", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(b, "state") }), field: "state"},
		{name: "pipeline state on a connection", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { b["state"] = "paused" }), field: "state"},
		{name: "missing provider", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(b, "service_provider") }), field: "service_provider"},
		{name: "unknown provider", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { b["service_provider"] = "Postgres" }), field: "service_provider"},
		{name: "provider in lower case", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { b["service_provider"] = "snowflake" }), field: "service_provider"},
		{name: "missing config", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(b, "config") }), field: "config"},
		{name: "config not an object", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { b["config"] = "x" }), field: "config"},
		{name: "snowflake account_identifier", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(cfg(b), "account_identifier") }), field: "config.account_identifier"},
		{name: "snowflake region", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { cfg(b)["region"] = "" }), field: "config.region"},
		{name: "snowflake warehouse", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(cfg(b), "warehouse") }), field: "config.warehouse"},
		{name: "snowflake database", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(cfg(b), "database") }), field: "config.database"},
		{name: "snowflake role", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(cfg(b), "role") }), field: "config.role"},
		{name: "snowflake user", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(cfg(b), "user") }), field: "config.user"},
		{name: "snowflake password", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(cfg(b), "password") }), field: "config.password"},
		{name: "snowflake storage_integration", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { delete(cfg(b), "storage_integration") }), field: "config.storage_integration"},
		{name: "snowflake field not a string", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { cfg(b)["role"] = 12 }), field: "config.role"},
		{name: "masked password on create", method: "POST", body: edit(snowflakeBody, "new", func(b obj) { cfg(b)["password"] = ws.MaskedSecret }), field: "config.password"},
		{name: "bigquery region", method: "POST", body: edit(bigQueryBody, "new", func(b obj) { delete(cfg(b), "region") }), field: "config.region"},
		{name: "bigquery project_id", method: "POST", body: edit(bigQueryBody, "new", func(b obj) { delete(cfg(b), "project_id") }), field: "config.project_id"},
		{name: "bigquery dataset_id", method: "POST", body: edit(bigQueryBody, "new", func(b obj) { delete(cfg(b), "dataset_id") }), field: "config.dataset_id"},
		{name: "bigquery service_account_id", method: "POST", body: edit(bigQueryBody, "new", func(b obj) { delete(cfg(b), "service_account_id") }), field: "config.service_account_id"},
		{name: "bigquery service_account_key", method: "POST", body: edit(bigQueryBody, "new", func(b obj) { delete(cfg(b), "service_account_key") }), field: "config.service_account_key"},
		{name: "redshift database", method: "POST", body: edit(redshiftBody, "new", func(b obj) { delete(cfg(b), "database") }), field: "config.database"},
		{name: "redshift host", method: "POST", body: edit(redshiftBody, "new", func(b obj) { delete(cfg(b), "host") }), field: "config.host"},
		{name: "redshift user", method: "POST", body: edit(redshiftBody, "new", func(b obj) { delete(cfg(b), "user") }), field: "config.user"},
		{name: "redshift password", method: "POST", body: edit(redshiftBody, "new", func(b obj) { delete(cfg(b), "password") }), field: "config.password"},
		{name: "redshift aws_iam_role_arn", method: "POST", body: edit(redshiftBody, "new", func(b obj) { delete(cfg(b), "aws_iam_role_arn") }), field: "config.aws_iam_role_arn"},
		{name: "redshift port not a number", method: "POST", body: edit(redshiftBody, "new", func(b obj) { cfg(b)["port"] = "54x9" }), field: "config.port"},
		{name: "databricks provider", method: "POST", body: edit(databricksBody, "new", func(b obj) { delete(cfg(b), "provider") }), field: "config.provider"},
		{name: "databricks schema", method: "POST", body: edit(databricksBody, "new", func(b obj) { delete(cfg(b), "schema") }), field: "config.schema"},
		{name: "put id differs from path", method: "PUT", body: edit(snowflakeBody, "other", func(obj) {}), field: "id"},
		{name: "put changes provider", method: "PUT", body: edit(bigQueryBody, "sf", func(obj) {}), field: "service_provider"},
		{name: "put without password", method: "PUT", body: edit(snowflakeBody, "sf", func(b obj) { delete(cfg(b), "password") }), field: "config.password"},
		{name: "put unknown connection", method: "PUT", body: edit(snowflakeBody, "sf", func(obj) {}), field: "Connection 'nope' not found.", status: http.StatusNotFound},
	}
	_, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("sf"), nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := a.snapshot()
			path := "/connections"
			if c.method == "PUT" {
				path = "/connections/sf"
				if c.status == http.StatusNotFound {
					path = "/connections/nope"
				}
			}
			want := c.status
			if want == 0 {
				want = http.StatusBadRequest
			}
			status, body := a.do(c.method, path, c.body())
			require.Equal(t, want, status, string(body))
			msgs := decodeError(t, want, body)
			assert.Contains(t, strings.Join(msgs, "\n"), c.field)
			assert.NotContains(t, string(body), "secret-password", "errors never echo secrets")
			assert.Equal(t, before, a.snapshot(), "a rejected request changes nothing")
		})
	}
}

func TestConnectionListFilterValidation(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	status, body := a.do(http.MethodGet, "/connections?serviceProvider=Oracle", nil)
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeError(t, http.StatusBadRequest, body)[0], "serviceProvider")
}

func TestConnectionPutBodyWithoutIDTakesPathID(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/connections", databricksBody("db"), nil)
	body := databricksBody("db")
	delete(body, "id")
	var got ws.Connection
	a.must(http.StatusOK, http.MethodPut, "/connections/db", body, &got)
	assert.Equal(t, "db", got.ID)
}

func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	for _, tc := range []struct{ name, body, want string }{
		{"truncated JSON", `{"id": "x"`, "request body"},
		{"array", `[1, 2]`, "request body: must be a JSON object"},
		{"empty", ``, "request body: is required"},
		{"garbage", `id=x`, "request body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/connections", "/data-models", "/inputs/data-pipelines", "/inputs/data-pipelines/trigger"} {
				status, body := a.do(http.MethodPost, path, tc.body)
				require.Equal(t, http.StatusBadRequest, status, path)
				assert.Contains(t, decodeError(t, http.StatusBadRequest, body)[0], tc.want, path)
			}
		})
	}
}
