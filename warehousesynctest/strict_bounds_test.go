package warehousesynctest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRefusalsOfUnknownMembersAreBounded: a refusal named every unknown or repeated member, each with
// the list of the members the object takes, so a 900 KB body of distinct unknown members was answered
// with 6.9 MB. It now names the first ten and counts the others.
func TestRefusalsOfUnknownMembersAreBounded(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	var unknown, twice strings.Builder
	unknown.WriteString(`{"name":"x"`)
	twice.WriteString(`{"config":{"sql_query":"s"`)
	for i := 0; unknown.Len() < 900<<10 && twice.Len() < 900<<10; i++ {
		fmt.Fprintf(&unknown, `,"k%d":1`, i)
		twice.WriteString(`,"sql_query":"s"`)
	}
	for name, body := range map[string]string{"unknown": unknown.String() + "}", "twice": twice.String() + "}}"} {
		status, answer := a.do(http.MethodPost, "/data-models", body)
		assert.Equal(t, http.StatusBadRequest, status, name)
		assert.Less(t, len(answer), 4<<10, "%s: %d bytes answer %d bytes", name, len(body), len(answer))
		messages := decodeError(t, status, answer)
		assert.Len(t, messages, maxBodyProblems+1, name)
		assert.Contains(t, messages[len(messages)-1], "more unknown or repeated members", name)
	}
}
