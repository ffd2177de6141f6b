package apply_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
)

// TestRenderCutsLongValuesAndEscapesControls: a 6 MB query prints as its first characters and its
// size; a U+202E (or any control or format character) in a name prints escaped.
func TestRenderCutsLongValuesAndEscapesControls(t *testing.T) {
	t.Parallel()
	query := "SELECT a < b FROM t WHERE x = '" + strings.Repeat("x", 6<<20) + "'"
	m := model("m", query)
	m.Name = "evil\u202etxt.exe\x1b[2J\r"
	p, err := apply.Compare(desired(apply.State{DataModels: []*ws.DataModel{m}}), &apply.State{}, apply.Options{})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, p.Render(&out, apply.RenderOptions{Workspace: "w"}))
	text := out.String()
	assert.Less(t, len(text), 2000, "the query is cut")
	assert.Contains(t, text, `+ config.sql_query = "SELECT a < b FROM t WHERE x = 'xxx`)
	assert.Contains(t, text, "… (6.0 MB, 6291490 characters)")
	assert.Contains(t, text, `+ name = "evil\u202etxt.exe\u001b[2J\r"`)
	assert.NotContains(t, text, "\u202e")
	assert.NotContains(t, text, "\x1b")
}
