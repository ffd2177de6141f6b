package engine

import (
	"time"

	"github.com/stretchr/testify/require"
)

const wsID = "ws1"

// tb is what the helpers need of a test: *testing.T and *rapid.T both have it.
type tb interface {
	require.TestingT
	Helper()
}

// testEnv is a probe whose failures and sources tests set directly, in place of the engine's resources.
type testEnv struct {
	failures map[string][]ErrorDetail // by pipeline id
	sources  map[string]Source        // by data model id
}

func newTestEnv() *testEnv {
	return &testEnv{failures: map[string][]ErrorDetail{}, sources: map[string]Source{}}
}

func (e *testEnv) RunFailure(_ string, p *Pipeline) []ErrorDetail { return e.failures[p.ID] }
func (e *testEnv) Source(_, dataModelID string) Source            { return e.sources[dataModelID] }

// at parses an RFC 3339 instant; it is only called with constants.
func at(t tb, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v.UTC()
}

func stampOf(t tb, s string) Timestamp {
	t.Helper()
	if s == "" {
		return Timestamp{}
	}
	return NewTimestamp(at(t, s))
}

// incremental is the sync mode of the reference's examples.
func incremental(from, until string) SyncMode {
	return SyncMode{Type: SyncIncremental, IteratorField: "updated_on", IteratorDataType: IteratorDatetimeTZ,
		From: Timestamp{Time: parseOrZero(from)}, Until: Timestamp{Time: parseOrZero(until)}}
}

func parseOrZero(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return v.UTC()
}

func interval(freq Frequency, start, end, delay string) Schedule {
	s := Schedule{Type: ScheduleInterval, Frequency: freq,
		Start: Timestamp{Time: parseOrZero(start)}, End: Timestamp{Time: parseOrZero(end)}}
	if delay != "" {
		d, err := ParseDelay(delay)
		if err == nil {
			s.Delay = d
		}
	}
	return s
}

func pipeline(id string, sm SyncMode, s Schedule) *Pipeline {
	return &Pipeline{ID: id, Name: id, PipelineType: PipelineUserAttributes, ConnectionID: "conn",
		DataModelID: "model", State: StateActive, SyncMode: sm, Schedule: s,
		Environment: EnvironmentProduction}
}

// allRuns lists every run of the pipeline, page by page.
func allRuns(t tb, e *Engine, id string) []Run {
	t.Helper()
	var out []Run
	for page := 1; ; page++ {
		p := e.ListRuns(wsID, id, RunQuery{Page: page, PageSize: MaxPageSize})
		for _, r := range p.Items {
			out = append(out, *r)
		}
		if !p.HasNextPage {
			return out
		}
	}
}

func advance(t tb, e *Engine, to time.Time) {
	t.Helper()
	_, err := e.AdvanceTo(to)
	require.NoError(t, err)
}

func advanceBy(t tb, e *Engine, d time.Duration) {
	t.Helper()
	advance(t, e, e.Now().Add(d))
}

func lastRun(t tb, e *Engine, id string) Run {
	t.Helper()
	r, _ := e.Report(wsID, id)
	require.NotNil(t, r, "pipeline %s has no run", id)
	return *r
}

// wantRun is what a test expects of a run; empty strings mean null.
type wantRun struct {
	logical, rangeStart, rangeEnd, created string
	typ                                    RunType
}

func checkRun(t tb, got Run, want wantRun) {
	t.Helper()
	require.Equal(t, stampOf(t, want.logical), got.LogicalDate, "logical_date")
	require.Equal(t, stampOf(t, want.rangeStart), got.RangeStart, "range_start")
	require.Equal(t, stampOf(t, want.rangeEnd), got.RangeEnd, "range_end")
	require.Equal(t, stampOf(t, want.created), got.StartedOn, "started_on (creation)")
	typ := want.typ
	if typ == "" {
		typ = RunScheduled
	}
	require.Equal(t, typ, got.Type, "type")
}

// newestRun is the pipeline's most recently created run (greatest id).
func newestRun(t tb, e *Engine, id string) Run {
	t.Helper()
	runs := allRuns(t, e, id)
	require.NotEmpty(t, runs, "pipeline %s has no run", id)
	best := runs[0]
	for _, r := range runs[1:] {
		if r.ID > best.ID {
			best = r
		}
	}
	return best
}

// int64p returns a pointer to v.
func int64p(v int64) *int64 { return &v }

// withEnv makes e ask env, not its own resources, why a run fails and what it reads (nil: its own).
func withEnv(e *Engine, env probe) *Engine {
	e.env = env
	return e
}
