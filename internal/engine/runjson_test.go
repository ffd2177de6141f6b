package engine

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// encodePage is what the fake writes for a page built as values: encoding/json without HTML escaping.
func encodePage(t require.TestingT, page RunPage) []byte {
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
				w.env.failures[a.pipeline] = []ErrorDetail{{Message: rapid.SampledFrom(messages).Draw(t, "message"),
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
			for _, r := range w.e.ListRuns(wsID, id, RunQuery{PageSize: MaxPageSize}).Items {
				var want bytes.Buffer
				enc := json.NewEncoder(&want)
				enc.SetEscapeHTML(false)
				require.NoError(t, enc.Encode(r))
				got, found := w.e.AppendRun(nil, wsID, id, r.ID)
				require.True(t, found)
				require.Equal(t, want.String(), string(got))
			}
			_, found := w.e.AppendRun(nil, wsID, id, 1<<50)
			require.False(t, found)
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
// of years the API writes and a little beyond (the fallback to time.Format), fractions and the null of
// an unset time. One stampWriter writes every draw and a time on the draw's day, so its cached date is
// both reused and replaced.
func TestAppendStampIsTheLayout(t *testing.T) {
	t.Parallel()
	assert := require.New(t)
	assert.Equal("null", string(appendStamp(nil, nullTime)))
	assert.Equal("null", string(appendStamp(nil, zeroMicros)))
	var sw stampWriter
	edges := []int64{time.Date(-1, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro(),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), zeroMicros - 1, zeroMicros + 1,
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro(),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()}
	rapid.Check(t, func(rt *rapid.T) {
		us := rapid.OneOf(rapid.SampledFrom(edges), rapid.Int64Range(time.Date(-2, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(),
			time.Date(10001, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro())).Draw(rt, "us")
		for _, v := range []int64{us, us - us%1_000_000 + rapid.Int64Range(0, 999_999).Draw(rt, "nearby")} {
			want := `"` + fromMicros(v).Format(timestampLayout) + `"`
			if fromMicros(v).IsZero() {
				want = "null"
			}
			require.Equal(rt, want, string(sw.append(nil, v)))
		}
	})
}

// TestAppendPipelineIsEncodingJSON checks the hand-written encoding of a pipeline against encoding/json
// for random pipelines: every optional field present or not, any text, times with any fraction, faults.
func TestAppendPipelineIsEncodingJSON(t *testing.T) {
	t.Parallel()
	texts := []string{"", "plain", `quote " back \ slash`, "<b>&amp;", "tab\t\x02", "ünï ✓", "bad \xff", "\u2028"}
	rapid.Check(t, func(t *rapid.T) {
		text := func(label string) string { return rapid.SampledFrom(texts).Draw(t, label) }
		when := func(label string) Timestamp {
			if rapid.Bool().Draw(t, label+" set") {
				return Timestamp{}
			}
			return Timestamp{Time: propStart.Add(time.Duration(rapid.Int64Range(-1e17, 1e17).Draw(t, label)))}
		}
		num := func(label string) *int64 {
			if rapid.Bool().Draw(t, label+" set") {
				return nil
			}
			return int64p(rapid.Int64().Draw(t, label))
		}
		sched := propSchedule(rapid.IntRange(0, 5).Draw(t, "schedule"))
		sched.End = when("end")
		pl := &Pipeline{ID: "p", Name: text("name"), PipelineType: PipelineType(text("type")),
			ConnectionID: text("connection"), FieldTransformationID: text("ft"), DataModelID: text("model"),
			PartnerFeedID: num("feed"), PartnerFeedKey: text("key"),
			State: rapid.SampledFrom([]StateValue{StateActive, StatePaused, StateNew}).Draw(t, "state"),
			SyncMode: SyncMode{Type: SyncModeType(text("sync")), IteratorField: text("field"),
				IteratorDataType: IteratorDataType(text("iterator type")), From: when("from"), Until: when("until")},
			Schedule: sched, Environment: Environment(text("environment")), DataPlanID: text("plan"),
			DataPlanVersion: num("version"), CreatedOn: when("created"), CreatedBy: text("by"),
			LastModifiedOn: when("modified"), LastModifiedBy: text("modified by")}
		env := newTestEnv()
		e := withEnv(New(Config{Start: propStart}), env)
		e.PutPipeline(wsID, pl)
		if rapid.Bool().Draw(t, "faulted") {
			env.failures["p"] = []ErrorDetail{{Message: text("message"), Code: text("code")}}
			_ = e.FailNextRuns(wsID, "p", 3, text("injected"))
		}
		if _, err := e.AdvanceTo(propStart.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "minutes")) * time.Minute)); err != nil {
			t.Fatal(err)
		}
		view, found := e.Pipeline(wsID, "p")
		require.True(t, found)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(view))
		got, found := e.AppendPipeline(nil, wsID, "p")
		require.True(t, found)
		require.Equal(t, want.String(), string(got))
	})
	e := New(Config{Start: propStart})
	got, found := e.AppendPipeline([]byte("x"), wsID, "missing")
	require.False(t, found)
	require.Equal(t, "x", string(got))
}
