package warehousesync_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// A 200 whose body is null or {} is not a success: the operation's result (an id, the new run's id)
// is missing, and the error says so instead of handing back a zero value.
func TestIncompleteSuccessfulAnswers(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`null`, `{}`} {
		c, mux := setup(t)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, body) })
		ctx := context.Background()
		calls := map[string]func() error{
			"POST /inputs/data-pipelines/trigger: incomplete response: the answer has no pipeline_run_id (the new run's id)": func() error {
				_, err := c.Pipelines.Trigger(ctx, "p")
				return err
			},
			"GET /connections/sf: incomplete response: the answer has no id": func() error {
				_, err := c.Connections.Get(ctx, "sf")
				return err
			},
			"POST /connections: incomplete response: the answer has no id": func() error {
				_, err := c.Connections.Create(ctx, chaosConnection("sf", "sf", 0))
				return err
			},
			"GET /data-models/m: incomplete response: the answer has no id": func() error {
				_, err := c.DataModels.Get(ctx, "m")
				return err
			},
			"PUT /inputs/data-pipelines/p: incomplete response: the answer has no id": func() error {
				_, err := c.Pipelines.Update(ctx, chaosPipeline("p", "p", "c", "m"))
				return err
			},
			"GET /inputs/data-pipelines/p/runs/7: incomplete response: the answer has no id": func() error {
				_, err := c.Runs.Get(ctx, "p", 7)
				return err
			},
			"GET /inputs/data-pipelines/p/report: incomplete response: the answer has no pipeline_id": func() error {
				_, err := c.Pipelines.Report(ctx, "p")
				return err
			},
		}
		for want, call := range calls {
			err := call()
			require.ErrorIs(t, err, ws.ErrIncompleteResponse, "%s with body %s", want, body)
			assert.EqualError(t, err, want, "body %s", body)
		}
	}
}

// A list answered with null is an empty list, not an error.
func TestNullListIsEmpty(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, `null`) })
	conns, err := c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, conns)
}
