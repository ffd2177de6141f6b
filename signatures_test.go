package warehousesync_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// TestListsTakeOptions checks that the lists without a filter yet take an options pointer, nil or not,
// and send no query for it.
func TestListsTakeOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	for _, path := range []string{"/data-models", "/inputs/data-pipelines"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			testQuery(t, r, nil)
			writeJSON(w, http.StatusOK, `[{"id":"x"}]`)
		})
	}
	ctx := context.Background()
	models, err := c.DataModels.List(ctx, &ws.ListDataModelsOptions{})
	require.NoError(t, err)
	assert.Len(t, models, 1)
	pipes, err := c.Pipelines.List(ctx, &ws.ListPipelinesOptions{})
	require.NoError(t, err)
	assert.Len(t, pipes, 1)
	_, err = c.Pipelines.List(ctx, nil)
	require.NoError(t, err)
}

// TestDelayConstructors checks that every constructor builds the delay ParseDelay reads, and that a
// delay the API cannot take is refused before any request.
func TestDelayConstructors(t *testing.T) {
	t.Parallel()
	for want, d := range map[string]ws.Delay{
		"30s": ws.Seconds(30), "15m": ws.Minutes(15), "2h": ws.Hours(2), "5d": ws.Days(5), "1w": ws.Weeks(1),
		"1y": ws.Years(1), "0m": ws.Minutes(0),
	} {
		parsed, err := ws.ParseDelay(want)
		require.NoError(t, err)
		assert.Equal(t, parsed, d, want)
		assert.Equal(t, want, d.String())
	}
	c, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	})
	for _, d := range []ws.Delay{ws.Minutes(-5), ws.Years(101)} {
		p := &ws.Pipeline{ID: "p", Schedule: ws.Schedule{Type: ws.ScheduleInterval, Delay: d}}
		_, err := c.Pipelines.Create(context.Background(), p)
		var verr *ws.ValidationError
		require.ErrorAs(t, err, &verr, d.String())
		assert.Equal(t, "pipeline.Schedule.Delay", verr.Field)
		assert.Equal(t, d.String(), verr.Value)
		_, err = c.Pipelines.Update(context.Background(), p)
		require.ErrorAs(t, err, &verr, d.String())
	}
}

// TestTypedConfigAccessors checks the accessors of a connection's config, nil-safe and false for the
// other providers.
func TestTypedConfigAccessors(t *testing.T) {
	t.Parallel()
	conn := &ws.Connection{Config: &ws.SnowflakeConfig{User: "u"}}
	sf, ok := conn.Snowflake()
	require.True(t, ok)
	assert.Equal(t, "u", sf.User)
	_, ok = conn.BigQuery()
	assert.False(t, ok)
	_, ok = conn.Redshift()
	assert.False(t, ok)
	_, ok = conn.Databricks()
	assert.False(t, ok)

	rs, ok := (&ws.Connection{Config: &ws.RedshiftConfig{Host: "h"}}).Redshift()
	require.True(t, ok)
	assert.Equal(t, "h", rs.Host)
	bq, ok := (&ws.Connection{Config: &ws.BigQueryConfig{ProjectID: "p"}}).BigQuery()
	require.True(t, ok)
	assert.Equal(t, "p", bq.ProjectID)
	db, ok := (&ws.Connection{Config: &ws.DatabricksConfig{Schema: "s"}}).Databricks()
	require.True(t, ok)
	assert.Equal(t, "s", db.Schema)

	var none *ws.Connection
	_, ok = none.Snowflake()
	assert.False(t, ok, "nil connection")
	_, ok = (&ws.Connection{Config: (*ws.SnowflakeConfig)(nil)}).Snowflake()
	assert.False(t, ok, "typed nil config")
	_, ok = (&ws.Connection{}).Snowflake()
	assert.False(t, ok, "no config")
}

// TestTimestampsCompareWithEquals checks the promise of Timestamp's doc: Timestamps of one instant,
// however made, are ==.
func TestTimestampsCompareWithEquals(t *testing.T) {
	t.Parallel()
	local := time.Date(2024, 5, 1, 14, 0, 0, 5e8, time.FixedZone("CEST", 2*3600))
	parsed, err := ws.ParseTimestamp("2024-05-01T12:00:00.5Z")
	require.NoError(t, err)
	var decoded ws.Timestamp
	require.NoError(t, json.Unmarshal([]byte(`"2024-05-01T12:00:00.500"`), &decoded))
	assert.True(t, ws.NewTimestamp(local) == parsed)
	assert.True(t, parsed == decoded)
	assert.True(t, ws.NewTimestamp(time.Now()).After(local), "time.Time's methods take a time.Time")
	assert.True(t, ws.Timestamp{} == ws.NewTimestamp(time.Time{}))
}
