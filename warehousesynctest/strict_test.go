package warehousesynctest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
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

// TestSettersRefuseUnknownIDs: every setter returns an error naming what exists, and on a Server made
// by NewServer also fails the test.
func TestSettersRefuseUnknownIDs(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	srv := NewServer(rec)
	a := &api{t: t, srv: srv, ws: srv.WorkspaceID(), token: getToken(t, srv)}
	a.seedBasics()
	w := srv.DefaultWorkspace()
	errs := []error{
		w.SetConnectionUnreachable("order-connection", ""),
		w.SetConnectionReachable("order-connection"),
		w.SetDataModelInvalid("nope", ""),
		w.SetDataModelValid("nope"),
		w.SeedRecords("nope", nil),
		w.UseSQLSource("nope", nil),
		w.FailNextRuns("nope", 1, ""),
		w.FailNextAttempts("nope", 1, ""),
		srv.Workspace("99999").SetFieldTransformations("t"),
	}
	for i, err := range errs {
		assert.Error(t, err, "setter %d", i)
	}
	assert.ErrorContains(t, errs[0], "connection 'order-connection' not found in workspace 12345 (connections: conn)")
	assert.ErrorContains(t, errs[2], "data model 'nope' not found in workspace 12345 (data models: model)")
	assert.ErrorContains(t, errs[8], "Workspace '99999' not found: this fake serves workspaces 12345.")
	require.Len(t, rec.errors, len(errs), "each failed the test")
	assert.Contains(t, rec.errors[0], "warehousesynctest: connection 'order-connection' not found")
	assert.NoError(t, w.SetConnectionUnreachable("conn", ""))
	rec.end()
}

// TestFailNextRunsFailsWholeRuns: n runs end failed after all their retries, and the next run succeeds;
// FailNextAttempts fails single attempts, which a retry recovers.
func TestFailNextRunsFailsWholeRuns(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithRetries(2))
	onDemandPipeline(a)
	w := srv.DefaultWorkspace()
	require.NoError(t, w.FailNextRuns("p", 2, "down"))
	statuses := func() []string {
		var out []string
		for i := 0; i < 3; i++ {
			var tr struct {
				ID int64 `json:"pipeline_run_id"`
			}
			a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, &tr)
			require.NoError(t, srv.RunUntilIdle())
			var run struct {
				Status string `json:"status"`
			}
			a.must(http.StatusOK, http.MethodGet, fmt.Sprintf("/inputs/data-pipelines/p/runs/%d", tr.ID), nil, &run)
			out = append(out, run.Status)
		}
		return out
	}
	assert.Equal(t, []string{"failed", "failed", "success"}, statuses(), "two whole runs fail, retries included")
	require.NoError(t, w.FailNextAttempts("p", 1, "blip"))
	assert.Equal(t, []string{"success", "success", "success"}, statuses(), "a failed attempt is retried")

	// A run under way is the first of the n: its remaining attempts fail.
	var tr struct {
		ID int64 `json:"pipeline_run_id"`
	}
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, &tr)
	require.NoError(t, srv.Advance(0))
	require.NoError(t, w.FailNextRuns("p", 1, "down"))
	require.NoError(t, srv.RunUntilIdle())
	var run struct {
		Status string `json:"status"`
	}
	a.must(http.StatusOK, http.MethodGet, fmt.Sprintf("/inputs/data-pipelines/p/runs/%d", tr.ID), nil, &run)
	assert.Equal(t, "failed", run.Status, "the run under way failed")
	assert.Equal(t, []string{"success", "success", "success"}, statuses(), "and only that one")
}

// TestSetterTypoPointsAtTheCaller runs a test with a typo in a setter's id in a child process and checks
// that its failure names the line of the call.
func TestSetterTypoPointsAtTheCaller(t *testing.T) {
	if os.Getenv("WAREHOUSESYNCTEST_CHILD") == "typo" {
		srv := NewServer(t)
		srv.DefaultWorkspace().SetConnectionUnreachable("order-connection", "") // the typo
		return
	}
	t.Parallel()
	src, err := os.ReadFile("strict_test.go")
	require.NoError(t, err)
	line := 1 + strings.Count(string(src[:strings.Index(string(src), "// the typo")]), "\n")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSetterTypoPointsAtTheCaller$")
	cmd.Env = append(os.Environ(), "WAREHOUSESYNCTEST_CHILD=typo")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the child test fails: %s", out)
	assert.Contains(t, string(out), fmt.Sprintf("strict_test.go:%d: warehousesynctest: connection 'order-connection' not found", line), string(out))
}

// TestUnknownPathsNameThePathMeant: a typo in a request path is a 404 naming the route meant.
func TestUnknownPathsNameThePathMeant(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	for path, meant := range map[string]string{
		"/connectons":                   "/connections",
		"/inputs/data-pipeline/trigger": "/inputs/data-pipelines/trigger",
		"/data-model/m1":                "/data-models/m1",
		"/inputs/data-pipelines/p/run":  "/inputs/data-pipelines/p/runs",
	} {
		status, body := a.do(http.MethodGet, path, nil)
		require.Equal(t, http.StatusNotFound, status, path)
		assert.Contains(t, decodeError(t, status, body)[0], "did you mean "+meant+" (under the workspace root)?", path)
	}
	status, body := a.do(http.MethodGet, "/widgets", nil)
	require.Equal(t, http.StatusNotFound, status)
	assert.NotContains(t, string(body), "did you mean", "nothing is close")
}
