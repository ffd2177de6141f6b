package contract_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/contract"
)

func TestLoadValidatesTheDescription(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	require.NoError(t, doc.Validate(context.Background()))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	require.Len(t, doc.Servers, 1)
	assert.Equal(t, "https://api.mparticle.com/platform/v2/workspaces/{workspaceId}", doc.Servers[0].URL)

	other, err := contract.Load()
	require.NoError(t, err)
	assert.NotSame(t, doc, other, "each Load returns a new document")
}

// TestEveryOperationIsSecuredAndDocumentsItsErrors checks the rules every API operation follows: bearer
// security (only the token endpoint is open), 400, 401, 429 and 5XX responses, and 404 wherever the
// path or the body names a resource.
func TestEveryOperationIsSecuredAndDocumentsItsErrors(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "getToken" {
				require.NotNil(t, op.Security, name)
				assert.Empty(t, *op.Security, "%s: the token endpoint needs no token", name)
				continue
			}
			assert.Nil(t, op.Security, "%s: uses the document's bearer security", name)
			for _, status := range []int{400, 401, 429, 500, 502, 503, 504} {
				assert.NotNil(t, op.Responses.Status(status), "%s: status %d", name, status)
			}
			if strings.Contains(path, "{") || op.OperationID == "triggerPipeline" {
				assert.NotNil(t, op.Responses.Status(404), "%s: status 404", name)
			}
		}
	}
	require.Len(t, doc.Security, 1)
	assert.Contains(t, doc.Security[0], "bearerAuth")
	scheme := doc.Components.SecuritySchemes["bearerAuth"].Value
	assert.Equal(t, "http", scheme.Type)
	assert.Equal(t, "bearer", scheme.Scheme)
}

// TestRoutesCoverTheReference compares the description's operations with the endpoints of the
// reference, plus the token endpoint.
func TestRoutesCoverTheReference(t *testing.T) {
	t.Parallel()
	const ws = "/platform/v2/workspaces/{workspaceId}"
	want := []string{
		"POST /oauth/token",
		"GET " + ws + "/connections",
		"POST " + ws + "/connections",
		"DELETE " + ws + "/connections/{connectionId}",
		"GET " + ws + "/connections/{connectionId}",
		"PUT " + ws + "/connections/{connectionId}",
		"GET " + ws + "/data-models",
		"POST " + ws + "/data-models",
		"DELETE " + ws + "/data-models/{modelId}",
		"GET " + ws + "/data-models/{modelId}",
		"PUT " + ws + "/data-models/{modelId}",
		"GET " + ws + "/inputs/data-pipelines",
		"POST " + ws + "/inputs/data-pipelines",
		"POST " + ws + "/inputs/data-pipelines/trigger",
		"DELETE " + ws + "/inputs/data-pipelines/{pipelineId}",
		"GET " + ws + "/inputs/data-pipelines/{pipelineId}",
		"PUT " + ws + "/inputs/data-pipelines/{pipelineId}",
		"GET " + ws + "/inputs/data-pipelines/{pipelineId}/report",
		"GET " + ws + "/inputs/data-pipelines/{pipelineId}/runs",
		"GET " + ws + "/inputs/data-pipelines/{pipelineId}/runs/{pipelineRunId}",
	}
	routes := contract.Routes(loadDoc(t))
	got := make([]string, 0, len(routes))
	ids := map[string]bool{}
	for _, r := range routes {
		got = append(got, r.String())
		assert.NotEmpty(t, r.OperationID, r.String())
		assert.False(t, ids[r.OperationID], "operation id %q is used twice", r.OperationID)
		ids[r.OperationID] = true
	}
	assert.Equal(t, want, got)
	assert.Nil(t, contract.Routes(nil))
}

// TestEveryOperationIsDescribedAndExemplified checks what tools other than this module's need: a license,
// a description on every operation, 415 on every write of the API, and an example, valid against its
// schema, for every request body and every response that has a body, errors included, so a mock server
// or a replaying tester has something to send for each.
func TestEveryOperationIsDescribedAndExemplified(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	require.NotNil(t, doc.Info.License)
	assert.Equal(t, "Apache-2.0", doc.Info.License.Name)
	examples := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			assert.NotEmpty(t, op.Description, "%s: a description", name)
			if op.RequestBody != nil {
				if op.OperationID != "getToken" {
					assert.NotNil(t, op.Responses.Status(http.StatusUnsupportedMediaType), "%s: status 415", name)
				}
				media := op.RequestBody.Value.Content.Get("application/json")
				require.NotNil(t, media, name)
				assert.NotEmpty(t, media.Examples, "%s: request examples", name)
				for exName, ex := range media.Examples {
					body, err := json.Marshal(ex.Value.Value)
					require.NoError(t, err)
					assert.NoError(t, contract.ValidateExample(doc, method, path, 0, body), "%s: request example %s", name, exName)
					examples++
				}
			}
			for code, resp := range op.Responses.Map() {
				media := resp.Value.Content.Get("application/json")
				if media == nil {
					continue
				}
				assert.NotEmpty(t, media.Examples, "%s: examples of response %s", name, code)
				status, err := strconv.Atoi(strings.Replace(code, "XX", "00", 1))
				require.NoError(t, err, code)
				for exName, ex := range media.Examples {
					body, err := json.Marshal(ex.Value.Value)
					require.NoError(t, err)
					assert.NoError(t, contract.ValidateExample(doc, method, path, status, body), "%s: response %s example %s", name, code, exName)
					if status >= 400 && op.OperationID != "getToken" {
						var e struct{ StatusCode int }
						require.NoError(t, json.Unmarshal(body, &e))
						if code != "5XX" {
							assert.Equal(t, status, e.StatusCode, "%s: response %s example %s has its own status", name, code, exName)
						}
					}
					examples++
				}
			}
		}
	}
	t.Logf("%d examples checked", examples)
}
