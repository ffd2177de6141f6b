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

// TestUnknownNamesAreQuotedOnlyWhenShapedLikeMembers: an unknown member's name was quoted whatever it
// held, so {"S3cr3t…": 1} came back in the 400. A name is now quoted when it is shaped like the API's
// (lower-case letters and _) or close to a member; any other is shown as its size.
func TestUnknownNamesAreQuotedOnlyWhenShapedLikeMembers(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	for body, want := range map[string]string{
		`{"id":"m","S3cr3tQZ9v":1}`:                `"{10 bytes}": unknown member`,
		`{"id":"m","S3cr3tQZ9v":1,"S3cr3tQZ9v":2}`: `"{10 bytes}": is given twice`,
		`{"id":"m","config":{"p@ss w0rd!":1}}`:     `"config.{10 bytes}": unknown member`,
		`{"id":"m","colour":1}`:                    `"colour": unknown member`,
		`{"id":"m","Name":1}`:                      `"Name": unknown member; did you mean "name"?`,
		`{"id":"m","config":{"sqlQuery":"x"}}`:     `"config.sqlQuery": unknown member; did you mean "sql_query"?`,
	} {
		status, answer := a.do(http.MethodPost, "/data-models", body)
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.Contains(t, strings.Join(decodeError(t, status, answer), "\n"), want, body)
		assert.NotContains(t, string(answer), "S3cr3t", body)
		assert.NotContains(t, string(answer), "w0rd", body)
	}
}
