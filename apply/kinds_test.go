package apply

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// TestKindsTable: the one table of kinds agrees with State (file keys, Go types, dependency order),
// names each kind once, and an unknown kind is an error, never routed to another kind.
func TestKindsTable(t *testing.T) {
	t.Parallel()
	st := reflect.TypeFor[State]()
	require.Equal(t, st.NumField(), len(Kinds()))
	seen := map[string]Kind{}
	for i, k := range Kinds() {
		f := st.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		assert.Equal(t, tag, k.FileKey, k.Kind)
		assert.Equal(t, reflect.SliceOf(reflect.PointerTo(k.Type)), f.Type, k.Kind)
		for _, name := range append([]string{string(k.Kind), k.FileKey}, k.Aliases...) {
			if other, dup := seen[name]; dup && other != k.Kind {
				t.Errorf("%q names both %s and %s", name, other, k.Kind)
			}
			seen[name] = k.Kind
			got, found := LookupKind(strings.ToUpper(name))
			assert.True(t, found, name)
			assert.Equal(t, k.Kind, got.Kind, name)
		}
	}
	_, found := LookupKind("pipelinez")
	assert.False(t, found)
	assert.EqualError(t, remove(context.Background(), nil, Ref{Kind: "bogus", ID: "x"}), `apply: unknown kind "bogus"`)
	_, err := get(context.Background(), nil, Ref{Kind: "bogus", ID: "x"})
	assert.Error(t, err)
	assert.EqualError(t, create(context.Background(), nil, &ws.Run{}), "apply: *warehousesync.Run is not a resource of a known kind")
	_, err = do(context.Background(), nil, Change{Action: "rename"})
	assert.EqualError(t, err, `apply: unknown action "rename"`)
}
