package api_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/api"
)

func TestOpenAPIReturnsACopy(t *testing.T) {
	t.Parallel()
	first := api.OpenAPI()
	require.True(t, bytes.HasPrefix(first, []byte("openapi: 3.0.3\n")))
	first[0] = 'X'
	assert.True(t, bytes.HasPrefix(api.OpenAPI(), []byte("openapi: 3.0.3\n")), "changing one copy leaves the next intact")
}

func TestOpenAPIIsAValidDocument(t *testing.T) {
	t.Parallel()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	assert.Equal(t, "https://api.mparticle.com/platform/v2/workspaces/{workspaceId}", doc.Servers[0].URL)
	token := doc.Paths.Value("/oauth/token")
	require.NotNil(t, token)
	require.Len(t, token.Servers, 1)
	assert.Equal(t, "https://sso.auth.mparticle.com", token.Servers[0].URL)
}
