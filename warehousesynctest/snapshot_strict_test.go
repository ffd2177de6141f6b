package warehousesynctest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRestoreRefusesConnectionMembersTheAPIDoesNotTake: a connection decodes its config by its own
// rules, which took any key, so a snapshot with "PASSWORD", a misspelt key or a key given twice was
// restored silently (the secret dropped or taken under another name). Such a snapshot is now refused,
// all or nothing, and a restored plain secret is never exported.
func TestRestoreRefusesConnectionMembersTheAPIDoesNotTake(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("sf"), nil)
	snap, err := srv.Snapshot()
	require.NoError(t, err)
	with := func(config string) string {
		conn := `{"id":"c","name":"n","state":"active","service_provider":"Snowflake","config":` + config + `},`
		return strings.Replace(string(snap), `"connections": [`, `"connections": [`+conn, 1)
	}
	for _, config := range []string{
		`{"account_identifier":"a","PASSWORD":"` + plantedSecret + `"}`,
		`{"account_identifier":"a","pasword":"` + plantedSecret + `"}`,
		`{"account_identifier":"a","password":"x","password":"` + plantedSecret + `"}`,
	} {
		status, b := admin(t, srv, http.MethodPut, "state", with(config))
		assert.Equal(t, http.StatusBadRequest, status, "%s: %s", config, b)
		assert.NotContains(t, string(b), plantedSecret, config)
		after, err := srv.Snapshot()
		require.NoError(t, err)
		assert.Equal(t, string(snap), string(after), "%s: nothing changes", config)
	}
	status, b := admin(t, srv, http.MethodPut, "state", with(`{"account_identifier":"a","password":"`+plantedSecret+`"}`))
	require.Equal(t, http.StatusNoContent, status, string(b))
	_, exported := admin(t, srv, http.MethodGet, "state", "")
	assert.NotContains(t, string(exported), plantedSecret, "a restored plain secret is exported masked")
	assert.Contains(t, string(exported), `"c"`)
}
