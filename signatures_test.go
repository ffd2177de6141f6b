package warehousesync_test

import (
	"context"
	"net/http"
	"testing"

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

// TestBaseURLIsWhatWithBaseURLGave checks BaseURL against the option's value (user info and a trailing
// slash removed), and WorkspaceURL against the root requests go to.
func TestBaseURLIsWhatWithBaseURLGave(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]string{
		"http://localhost:8080/":                 "http://localhost:8080",
		"https://proxy.example.com/mparticle":    "https://proxy.example.com/mparticle",
		"https://user:pw@proxy.example.com/pre/": "https://proxy.example.com/pre",
	} {
		c, err := ws.NewClient("w", ws.WithBearerToken("t"), ws.WithBaseURL(base))
		require.NoError(t, err, base)
		assert.Equal(t, want, c.BaseURL(), base)
		assert.Equal(t, want+"/platform/v2/workspaces/w/", c.WorkspaceURL(), base)
	}
}
