package engine

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	ws "github.com/wsync-dev/warehousesync"
	"pgregory.net/rapid"
)

// encodePage is what the fake writes for a page built as values: encoding/json without HTML escaping.
func encodePage(t require.TestingT, page ws.RunPage) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(page))
	return b.Bytes()
}

// TestAppendRunsPageIsEncodingJSON checks the hand-written encoding of a runs page against
// encoding/json over random histories, pages, date filters and error messages.
func TestAppendRunsPageIsEncodingJSON(t *testing.T) {
	t.Parallel()
	messages := []string{"", "plain", `quote " and \ backslash`, "<html> & more", "tab\tnew\nline\x01",
		"ünïcödé ✓", "bad utf-8 \xff\xfe", "line sep \u2028 para \u2029", "emoji 🚀"}
	rapid.Check(t, func(t *rapid.T) {
		script := drawScript(t)
		w := newPropWorld()
		for _, a := range script {
			if a.kind == "failNext" {
				require.NoError(t, w.e.FailNextRuns(wsID, a.pipeline, a.n, rapid.SampledFrom(messages).Draw(t, "message")))
				continue
			}
			if a.kind == "fault" {
				w.env.failures[a.pipeline] = []ws.ErrorDetail{{Message: rapid.SampledFrom(messages).Draw(t, "message"),
					Code: rapid.SampledFrom(messages).Draw(t, "code")}}
				continue
			}
			w.do(t, a)
		}
		for _, id := range append(propPipelines, "missing") {
			q := RunQuery{Page: rapid.IntRange(0, 4).Draw(t, "page"), PageSize: rapid.IntRange(0, 7).Draw(t, "size")}
			if rapid.Bool().Draw(t, "from") {
				from := propStart.Add(time.Duration(rapid.IntRange(-48, 48).Draw(t, "from hours")) * time.Hour)
				q.From = &from
			}
			if rapid.Bool().Draw(t, "to") {
				to := propStart.Add(time.Duration(rapid.IntRange(-48, 96).Draw(t, "to hours")) * time.Hour)
				q.To = &to
			}
			want := encodePage(t, w.e.ListRuns(wsID, id, q))
			got := w.e.AppendRunsPage(nil, wsID, id, q)
			require.Equal(t, string(want), string(got))
		}
	})
}

// BenchmarkRunsPage compares encoding a page of 50 runs through encoding/json with AppendRunsPage.
func BenchmarkRunsPage(b *testing.B) {
	e := history100k(b)
	q := RunQuery{Page: 1000}
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = encodePage(b, e.ListRuns(wsID, "p000", q))
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = e.AppendRunsPage(make([]byte, 0, 16<<10), wsID, "p000", q)
		}
	})
}

// TestAppendStampIsTheLayout checks the hand-written timestamp against time.Format over the whole range
// of years the API writes, fractions and the null of an unset time.
func TestAppendStampIsTheLayout(t *testing.T) {
	t.Parallel()
	assert := require.New(t)
	assert.Equal("null", string(appendStamp(nil, nullTime)))
	rapid.Check(t, func(rt *rapid.T) {
		us := rapid.Int64Range(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(),
			time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()).Draw(rt, "us")
		want := `"` + fromMicros(us).Format(timestampLayout) + `"`
		if fromMicros(us).IsZero() {
			want = "null"
		}
		require.Equal(rt, want, string(appendStamp(nil, us)))
	})
}
