package warehousesynctest

import (
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/contract"
)

// pathParam is a named path parameter of the description, such as {connectionId}.
var pathParam = regexp.MustCompile(`\{[^}/]+\}`)

// TestRoutesMatchTheDescription fails when the fake serves an API operation the OpenAPI description
// does not describe, or the description has one the fake does not serve. The admin routes under
// /_fake/ are the fake's own and not part of the API.
func TestRoutesMatchTheDescription(t *testing.T) {
	t.Parallel()
	doc, err := contract.Load()
	require.NoError(t, err)
	var described []string
	for _, r := range contract.Routes(doc) {
		described = append(described, r.Method+" "+pathParam.ReplaceAllString(r.Path, "{}"))
	}
	sort.Strings(described)
	served := routeTable()
	assert.Contains(t, served, "POST /oauth/token")
	assert.Contains(t, served, "GET /platform/v2/workspaces/{}/inputs/data-pipelines/{}/runs/{}")
	for _, r := range served {
		assert.NotContains(t, r, "/_fake", "admin routes are not API routes")
	}
	assert.Subset(t, described, served, "served by the fake but missing from api/openapi.yaml")
	assert.Subset(t, served, described, "described in api/openapi.yaml but not served by the fake")
	assert.Equal(t, described, served)
}
