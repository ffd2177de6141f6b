package warehousesynctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seqs lists the sequence numbers of requests, in their order.
func seqs(reqs []Request) []int64 {
	out := make([]int64, len(reqs))
	for i, r := range reqs {
		out[i] = r.Seq
	}
	return out
}

// TestRequestLogReadsNewestFirst: LatestRequests and GET /_fake/requests?order=desc read the log newest
// first, a limit keeps the newest, and before= pages towards the oldest.
func TestRequestLogReadsNewestFirst(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t) // the token request is the first
	for range 5 {
		a.do(http.MethodGet, "/connections", nil)
	}
	assert.Equal(t, []int64{6, 5, 4, 3, 2, 1}, seqs(srv.LatestRequests(0)))
	assert.Equal(t, []int64{6, 5}, seqs(srv.LatestRequests(2)))
	assert.Equal(t, []int64{6}, seqs(srv.LatestRequests(1)))
	assert.Equal(t, []int64{1, 2, 3, 4, 5, 6}, seqs(srv.Requests()), "Requests stays oldest first")

	page := func(query string) []int64 {
		t.Helper()
		status, b := admin(t, srv, http.MethodGet, "requests"+query, "")
		require.Equal(t, http.StatusOK, status, string(b))
		var out []Request
		require.NoError(t, json.Unmarshal(b, &out))
		return seqs(out)
	}
	assert.Equal(t, []int64{6, 5, 4, 3, 2, 1}, page("?order=desc"))
	assert.Equal(t, []int64{6, 5}, page("?order=desc&limit=2"))
	assert.Equal(t, []int64{4, 3}, page("?order=desc&limit=2&before=5"), "before pages towards the oldest")
	assert.Equal(t, []int64{2, 1}, page("?order=desc&before=3"))
	assert.Equal(t, []int64{4, 3}, page("?order=desc&after=2&before=5"))
	assert.Equal(t, []int64{3, 4}, page("?order=asc&after=2&before=5"))
	assert.Equal(t, []int64{1, 2}, page("?limit=2"), "oldest first keeps the oldest of a limit")
	assert.Empty(t, page("?before=1"))
	assert.Empty(t, page("?after=5&before=6"))
}

// TestAdminRequestsRefusesUnknownParametersWithoutEchoing: a parameter GET /_fake/requests does not take
// (such as newest=true) was ignored and answered oldest first; now it is a 400 that names what the
// endpoint takes, and no message quotes a value or an unknown name, which could be a secret.
func TestAdminRequestsRefusesUnknownParametersWithoutEchoing(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	const secret = "S3cr3tQZ9v"
	for _, query := range []string{"?newest=true", "?" + secret + "=1", "?after=" + secret, "?limit=" + secret,
		"?before=" + secret, "?order=" + secret, "?order=desc&order=asc", "?after=-1"} {
		status, b := admin(t, srv, http.MethodGet, "requests"+query, "")
		assert.Equal(t, http.StatusBadRequest, status, "%s: %s", query, b)
		assert.NotContains(t, string(b), secret, query)
		assert.NotContains(t, string(b), "S3cr", query)
	}
	status, b := admin(t, srv, http.MethodGet, "requests?newest=true", "")
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(b), "order=desc", fmt.Sprint("names the parameter meant: ", string(b)))
}
