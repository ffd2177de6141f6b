package engine

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportsOnlyWireAndSchedule: the engine owns the fake's state with its own types, so it imports no
// package of the module but internal/wire and internal/schedule, neither the client package nor the
// fake, in its code or its tests; a bug in one side's types then cannot hide the same bug in the other.
func TestImportsOnlyWireAndSchedule(t *testing.T) {
	t.Parallel()
	const module = "github.com/wsync-dev/warehousesync"
	allowed := map[string]bool{module + "/internal/wire": true, module + "/internal/schedule": true}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, name := range files {
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			if path == module || strings.HasPrefix(path, module+"/") {
				require.True(t, allowed[path], "%s imports %s", name, path)
			}
		}
	}
}
