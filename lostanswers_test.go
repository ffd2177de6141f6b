package warehousesync_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// lostAnswer makes the next POST to path be applied and then answered 503.
func lostAnswer(t *testing.T, srv *warehousesynctest.Server, path string) {
	t.Helper()
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost, Path: path,
		Status: http.StatusServiceUnavailable, ApplyThenFail: true, Times: 1}))
}

// apiCalls returns "METHOD path" of every API request the server saw, relative to the workspace root.
func apiCalls(srv *warehousesynctest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Workspace != "" {
			out = append(out, r.Method+" "+r.Path) // Path is relative to the workspace root
		}
	}
	return out
}

// A create whose answer is lost is retried, meets "already exists", reads the resource back, finds
// what it sent (the server filled some fields and masks the secret) and succeeds.
func TestCreateReconcilesALostAnswer(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()

	lostAnswer(t, srv, "/connections")
	conn, err := c.Connections.Create(ctx, chaosConnection("sf", "Snowflake", 0))
	require.NoError(t, err)
	assert.Equal(t, "sf", conn.ID)
	assert.Equal(t, "Snowflake", conn.Name)
	assert.True(t, conn.Config.(*ws.SnowflakeConfig).Password.IsMasked())

	lostAnswer(t, srv, "/data-models")
	m, err := c.DataModels.Create(ctx, chaosDataModel("m", "Model"))
	require.NoError(t, err)
	assert.Equal(t, "m", m.ID)

	lostAnswer(t, srv, "/inputs/data-pipelines")
	p, err := c.Pipelines.Create(ctx, chaosPipeline("p", "Pipe", "sf", "m"))
	require.NoError(t, err)
	assert.Equal(t, "p", p.ID)

	assert.Equal(t, []string{
		"POST /connections", "POST /connections", "GET /connections/sf",
		"POST /data-models", "POST /data-models", "GET /data-models/m",
		"POST /inputs/data-pipelines", "POST /inputs/data-pipelines", "GET /inputs/data-pipelines/p",
	}, apiCalls(srv))
}

// A create whose retry finds a different resource under its id fails with ErrAlreadyExists (the
// outcome is known: the id is taken by something else).
func TestCreateAfterALostAnswerFindsADifferentResource(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.Connections.Create(ctx, chaosConnection("sf", "theirs", 0))
	require.NoError(t, err)

	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost, Path: "/connections",
		Status: http.StatusServiceUnavailable, Times: 1}))
	_, err = c.Connections.Create(ctx, chaosConnection("sf", "mine", 0))
	require.ErrorIs(t, err, ws.ErrAlreadyExists)
	assert.NotErrorIs(t, err, ws.ErrOutcomeUnknown)
	var apiErr *ws.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.EqualError(t, err, "POST /connections: 400 Bad Request: Connection 'sf' already exists. "+
		"(after a lost answer: the stored connection differs from the one sent)")

	// Without a lost answer, "already exists" is the API's answer as it is: no read-back.
	before := len(apiCalls(srv))
	_, err = c.Connections.Create(ctx, chaosConnection("sf", "mine", 0))
	require.ErrorIs(t, err, ws.ErrAlreadyExists)
	assert.NotErrorIs(t, err, ws.ErrOutcomeUnknown)
	assert.Equal(t, []string{"POST /connections"}, apiCalls(srv)[before:])
}

// A create that fails on every attempt with a 5xx may or may not have happened: ErrOutcomeUnknown.
func TestCreateOutcomeUnknown(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t)
	c := srv.Client()
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost, Path: "/data-models",
		Status: http.StatusBadGateway}))
	_, err := c.DataModels.Create(context.Background(), chaosDataModel("m", "Model"))
	require.ErrorIs(t, err, ws.ErrOutcomeUnknown)
	var apiErr *ws.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)
	assert.Len(t, apiCalls(srv), 4, "retried like an idempotent request")
}

// A trigger whose answer is lost is never sent again: the run it made is the only one, and the error
// says that the outcome is unknown (not that the pipeline is busy).
func TestTriggerWithALostAnswerMakesOneRun(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.Connections.Create(ctx, chaosConnection("sf", "Snowflake", 0))
	require.NoError(t, err)
	_, err = c.DataModels.Create(ctx, chaosDataModel("m", "Model"))
	require.NoError(t, err)
	_, err = c.Pipelines.Create(ctx, chaosPipeline("p", "Pipe", "sf", "m"))
	require.NoError(t, err)

	lostAnswer(t, srv, "/inputs/data-pipelines/trigger")
	_, err = c.Pipelines.Trigger(ctx, "p")
	require.ErrorIs(t, err, ws.ErrOutcomeUnknown)
	assert.NotErrorIs(t, err, ws.ErrPipelineBusy)
	var apiErr *ws.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "(outcome unknown: the request may have taken effect)")
	page, err := c.Runs.List(ctx, "p", nil)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "exactly one run")

	// A 429 is surely not applied: the trigger is retried and succeeds.
	require.NoError(t, srv.Advance(10*time.Minute))
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost,
		Path: "/inputs/data-pipelines/trigger", Status: http.StatusTooManyRequests, Times: 1}))
	tr, err := c.Pipelines.Trigger(ctx, "p")
	require.NoError(t, err)
	assert.Positive(t, tr.PipelineRunID)
}

// A trigger answered 503 without being applied is not retried either: the client cannot tell.
func TestTriggerIsNotRetriedAfterA5xx(t *testing.T) {
	t.Parallel()
	srv := warehousesynctest.NewServer(t)
	c := srv.Client()
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost,
		Path: "/inputs/data-pipelines/trigger", Status: http.StatusServiceUnavailable, Times: 1}))
	_, err := c.Pipelines.Trigger(context.Background(), "p")
	require.ErrorIs(t, err, ws.ErrOutcomeUnknown)
	assert.True(t, errors.Is(err, ws.ErrServer))
	assert.Equal(t, []string{"POST /inputs/data-pipelines/trigger"}, apiCalls(srv))
}
