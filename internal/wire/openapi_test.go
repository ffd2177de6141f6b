package wire_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/api"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// notTables are the enums of the description that are no table of package wire: constants of one
// value and lists the client passes through as plain strings.
var notTables = map[string]bool{
	wire.MaskedSecret:           true, // the mask of a secret
	"https://api.mparticle.com": true, // the token request's audience
	"client_credentials":        true, // the token request's grant_type
	"Bearer":                    true, // the token response's token_type
	"org,account,app,feed,workspace,acceleration": true, // X-mp-rate-limit-exceeded scopes
}

// describedEnum is one enum of the description: where it is and its values, without null and without
// the on-demand spelling of on_demand.
type describedEnum struct {
	where  string
	values []string
}

// describedEnums walks every schema of the description (components, parameters, headers, bodies) and
// returns each enum once.
func describedEnums(t *testing.T) []describedEnum {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	require.NoError(t, err)
	seen := map[*openapi3.Schema]bool{}
	var out []describedEnum
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Enum) > 0 {
			e := describedEnum{where: where}
			for _, v := range s.Enum {
				if v == nil || v == wire.ScheduleOnDemandAlias {
					continue
				}
				e.values = append(e.values, fmt.Sprint(v))
			}
			if len(e.values) > 0 { // enum [null] is JSON null (NullValue), not a table
				out = append(out, e)
			}
		}
		for _, name := range sortedKeys(s.Properties) {
			walk(where+"."+name, s.Properties[name])
		}
		walk(where+"[]", s.Items)
		for i, sub := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
			walk(fmt.Sprintf("%s/%d", where, i), sub)
		}
		if s.AdditionalProperties.Schema != nil {
			walk(where+".*", s.AdditionalProperties.Schema)
		}
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		walk("#/components/schemas/"+name, doc.Components.Schemas[name])
	}
	for _, name := range sortedKeys(doc.Components.Parameters) {
		if p := doc.Components.Parameters[name].Value; p != nil {
			walk("#/components/parameters/"+name, p.Schema)
		}
	}
	for _, name := range sortedKeys(doc.Components.Headers) {
		if h := doc.Components.Headers[name].Value; h != nil {
			walk("#/components/headers/"+name, h.Schema)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range slices.Concat(item.Parameters, op.Parameters) {
				if p.Value != nil {
					walk(where+" "+p.Value.Name, p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for mt, c := range op.RequestBody.Value.Content {
					walk(where+" body "+mt, c.Schema)
				}
			}
			for status, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				for mt, c := range r.Value.Content {
					walk(where+" "+status+" "+mt, c.Schema)
				}
				for name, h := range r.Value.Headers {
					if h.Value != nil {
						walk(where+" "+status+" "+name, h.Value.Schema)
					}
				}
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestEnumTablesMatchTheDescription ties the enum tables to api/openapi.yaml both ways: every table
// appears in the description as an enum with exactly its values, and every enum of the description is
// a table, a one-value discriminator of a table (such as a Snowflake branch's service_provider), or one
// of the few constants listed in notTables.
func TestEnumTablesMatchTheDescription(t *testing.T) {
	t.Parallel()
	described := describedEnums(t)
	require.NotEmpty(t, described)
	matched := map[wire.Enum]bool{}
	for _, d := range described {
		key := strings.Join(d.values, ",")
		exact := false
		for _, e := range wire.Enums() {
			if slices.Equal(sorted(e.Values()), sorted(d.values)) {
				matched[e], exact = true, true
			}
		}
		switch {
		case exact, notTables[key]:
		case len(d.values) == 1 && inSomeTable(d.values[0]):
		default:
			t.Errorf("%s: enum [%s] is no table of package wire (add it there, or fix the description)", d.where, key)
		}
	}
	for _, e := range wire.Enums() {
		assert.Truef(t, matched[e], "table %s [%s] appears in no enum of the description", e, strings.Join(e.Values(), ", "))
	}
}

// TestProvidersMatchTheDescription ties each provider's config keys to the description's
// <Provider>ConfigRequest schema both ways: the same keys, the same required ones.
func TestProvidersMatchTheDescription(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	require.NoError(t, err)
	for _, p := range wire.Providers() {
		ref := doc.Components.Schemas[p.Name+"ConfigRequest"]
		require.NotNilf(t, ref, "the description has no %sConfigRequest schema", p.Name)
		var keys, required []string
		for _, k := range p.Config {
			keys = append(keys, k.Name)
			if k.Required {
				required = append(required, k.Name)
			}
		}
		assert.Equalf(t, sorted(keys), sortedKeys(ref.Value.Properties), "%s config keys", p.Name)
		assert.Equalf(t, sorted(required), sorted(ref.Value.Required), "%s required config keys", p.Name)
	}
}

func inSomeTable(v string) bool {
	for _, e := range wire.Enums() {
		if e.Has(v) {
			return true
		}
	}
	return false
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}
