package warehousesynctest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnknownMembersAreRefused: a typo in a body member is a 400 naming the member and the one meant,
// instead of a pipeline without its delay.
func TestUnknownMembersAreRefused(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.seedBasics()
	p := pipelineBody("p", "conn", "model")
	p["schedule"] = obj{"type": "interval", "frequency": "hourly", "start": "2025-01-01T00:00:00Z", "dealy": "15m"}
	status, body := a.do(http.MethodPost, "/inputs/data-pipelines", p)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	msgs := decodeError(t, status, body)
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0], `"schedule.dealy": unknown member; did you mean "delay"?`)

	c := snowflakeBody("c2")
	c["config"].(obj)["Password"] = "x"
	c["nmae"] = "n"
	status, body = a.do(http.MethodPost, "/connections", c)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	joined := strings.Join(decodeError(t, status, body), "\n")
	assert.Contains(t, joined, `"config.Password": unknown member; did you mean "password"?`)
	assert.Contains(t, joined, `"nmae": unknown member; did you mean "name"?`)
	assert.NotContains(t, joined, `"x"`)

	bq := bigQueryBody("bq")
	bq["config"].(obj)["warehouse"] = "w" // a Snowflake key
	status, body = a.do(http.MethodPost, "/connections", bq)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, decodeError(t, status, body)[0], `"config.warehouse": not a member of a BigQuery config`)

	status, _, b := raw(t, http.MethodPost, a.url("/data-models"), "application/json", a.token,
		`{"id":"m2","name":"a","name":"b","state":"active","type":"sql","config":{"sql_query":"SELECT 1"}}`)
	require.Equal(t, http.StatusBadRequest, status, string(b))
	assert.Contains(t, decodeError(t, status, b)[0], `"name": is given twice`)

	read := pipelineBody("p", "conn", "model")
	read["status"], read["errors"], read["created_on"] = "idle", []any{obj{"message": "m"}}, "2025-01-01T00:00:00Z"
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", read, nil) // read-only members are ignored
}

// TestLenientBodiesAcceptUnknownMembers: WithLenientBodies restores the old behaviour for those who
// need it; field budgets still hold.
func TestLenientBodiesAcceptUnknownMembers(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t, WithLenientBodies(), WithBudgets(Budgets{MaxFieldBytes: 100}))
	a.seedBasics()
	p := pipelineBody("p", "conn", "model")
	p["schedule"].(obj)["dealy"] = "15m"
	p["extra"] = obj{"any": 1}
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", p, nil)
	bq := bigQueryBody("bq")
	bq["config"].(obj)["warehouse"] = "w"
	a.must(http.StatusOK, http.MethodPost, "/connections", bq, nil)

	m := dataModelBody("long")
	m["name"] = strings.Repeat("n", 101)
	status, body := a.do(http.MethodPost, "/data-models", m)
	require.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, decodeError(t, status, body)[0],
		`"name": 101 bytes: over the fake's budget MaxFieldBytes of 100 (raise it with WithBudgets, or the binary's -max-field-bytes flag)`)
}
