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

// TestNullableFollowsOpenAPI303: OpenAPI 3.0.3 adds null to the values of a schema marked nullable
// only when the same schema states a type; beside a $ref or an allOf, nullable allows nothing more, and
// validators that follow the text to the letter (Postman's among them) reject the null the API sends.
// kin-openapi accepts such a null anyway, so this reads the rule itself: every nullable schema states
// its type, and the report's latest_pipeline_run accepts null through a schema that does.
func TestNullableFollowsOpenAPI303(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	require.NoError(t, err)
	seen := map[*openapi3.Schema]bool{}
	var walk func(path string, ref *openapi3.SchemaRef)
	walk = func(path string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Nullable {
			assert.True(t, s.Type != nil && len(*s.Type) > 0, "%s: nullable without a type allows no null in OpenAPI 3.0.3", path)
			for _, sub := range s.AllOf { // every part of an allOf must accept the null too
				assert.True(t, sub.Value.Nullable, "%s: nullable beside an allOf of a schema that is not: null fails the allOf", path)
			}
		}
		for name, p := range s.Properties {
			walk(path+"."+name, p)
		}
		walk(path+"[]", s.Items)
		for i, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for j, sub := range group {
				walk(path+[]string{".allOf", ".anyOf", ".oneOf"}[i]+"["+string(rune('0'+j))+"]", sub)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s)
	}
	report := doc.Components.Schemas["Report"].Value
	latest := report.Properties["latest_pipeline_run"].Value
	nullOK := false
	for _, alt := range latest.AnyOf {
		v := alt.Value
		if v.Nullable && v.Type != nil && len(*v.Type) > 0 {
			nullOK = true
		}
	}
	assert.True(t, nullOK, "latest_pipeline_run: one alternative is a nullable type, so null validates")
	assert.NoError(t, latest.VisitJSON(nil))
	assert.Error(t, latest.VisitJSON(map[string]any{}), "an empty object is not a run")
}
