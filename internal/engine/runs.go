package engine

import (
	"iter"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/wsync-dev/warehousesync/internal/schedule"
)

// nullTime marks an unset time (null on the wire) in a runRec.
const nullTime = math.MinInt64

// runStatus is a run's status, stored in one byte.
type runStatus uint8

const (
	stQueued runStatus = iota
	stRunning
	stRetrying
	stSuccess
	stFailed
	stStopped
)

func (s runStatus) wire() RunStatus {
	switch s {
	case stQueued:
		return RunQueued
	case stRunning:
		return RunRunning
	case stRetrying:
		return RunRetrying
	case stSuccess:
		return RunSuccess
	case stFailed:
		return RunFailed
	}
	return RunStopped
}

// parseRunStatus is the stored status whose wire form is s, and false when s is not a run status.
func parseRunStatus(s RunStatus) (runStatus, bool) {
	for st := stQueued; st <= stStopped; st++ {
		if st.wire() == s {
			return st, true
		}
	}
	return 0, false
}

func (s runStatus) active() bool { return s <= stRetrying }

// runRec is the compact stored form of a run: times are microseconds since the Unix epoch (nullTime when
// null), which covers years 1 to 9999 and beyond, unlike nanoseconds. The run's type is given by the list
// that holds it and its pipeline id by the pipeline.
type runRec struct {
	id                   int64
	logical              int64
	started, ended       int64
	rangeStart, rangeEnd int64
	successful, failed   int64
	errs                 *[]ErrorDetail
	status               runStatus
}

// micros is t in stored form, rounded down to the microsecond.
func micros(t time.Time) int64 { return t.UnixMicro() }

// microsOrNull is micros(t), or nullTime for the zero time.
func microsOrNull(t time.Time) int64 {
	if t.IsZero() {
		return nullTime
	}
	return micros(t)
}

// fromMicros is the instant of a stored time; the zero time for nullTime.
func fromMicros(us int64) time.Time {
	if us == nullTime {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func stamp(us int64) Timestamp { return Timestamp{Time: fromMicros(us)} }

// before orders runs by (logical_date, id).
func before(a, b *runRec) bool {
	return a.logical < b.logical || (a.logical == b.logical && a.id < b.id)
}

// runList is a pipeline's runs of one type. Appends keep it sorted both by (logical_date, id) and by id:
// scheduled runs get strictly increasing logical dates, manual runs the (monotonic) trigger instant, and
// ids increase with creation. A pipeline's runs are the merge of two such lists, which makes every lookup
// a binary search and every insertion an append.
type runList []runRec

// firstAtOrAfter is the index of the first run whose logical date is >= us.
func (l runList) firstAtOrAfter(us int64) int {
	return sort.Search(len(l), func(i int) bool { return l[i].logical >= us })
}

// firstAfter is the index of the first run whose logical date is > us.
func (l runList) firstAfter(us int64) int {
	return sort.Search(len(l), func(i int) bool { return l[i].logical > us })
}

// find is the index of the run with the id, or -1.
func (l runList) find(id int64) int {
	i := sort.Search(len(l), func(i int) bool { return l[i].id >= id })
	if i < len(l) && l[i].id == id {
		return i
	}
	return -1
}

// trim removes the runs whose logical date is before cut, keeping the last run when keepLast is set
// (the active run is always its list's last).
func (l runList) trim(cut int64, keepLast bool) runList {
	if len(l) == 0 || l[0].logical >= cut {
		return l // the common case: nothing to remove
	}
	n := l.firstAtOrAfter(cut)
	if keepLast && n == len(l) {
		n--
	}
	if n <= 0 {
		return l
	}
	clear(l[:n]) // drop the error pointers of the removed prefix
	return l[n:]
}

// retentionCut is the stored logical date before which runs are removed: two calendar years before now.
func (e *Engine) retentionCut() int64 { return micros(schedule.AddMonthsClamped(e.now, -24)) }

// run converts a stored run of p to its wire form.
func (p *pipe) run(r *runRec, manual bool) Run {
	out := Run{
		ID:                r.id,
		PipelineID:        p.key.id,
		Type:              RunScheduled,
		Status:            r.status.wire(),
		LogicalDate:       stamp(r.logical),
		StartedOn:         stamp(r.started),
		EndedOn:           stamp(r.ended),
		RangeStart:        stamp(r.rangeStart),
		RangeEnd:          stamp(r.rangeEnd),
		SuccessfulRecords: r.successful,
		FailedRecords:     r.failed,
	}
	if manual {
		out.Type = RunManual
	}
	if r.errs != nil {
		out.Errors = slices.Clone(*r.errs)
	}
	return out
}

// Run returns one run of the pipeline.
func (e *Engine) Run(workspace, id string, runID int64) (Run, bool) {
	p := e.find(workspace, id)
	if p == nil {
		return Run{}, false
	}
	if i := p.sched.find(runID); i >= 0 {
		return p.run(&p.sched[i], false), true
	}
	if i := p.manual.find(runID); i >= 0 {
		return p.run(&p.manual[i], true), true
	}
	return Run{}, false
}

// Default and maximum page sizes of ListRuns.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// ListRuns returns a page of the pipeline's runs in ascending logical_date, then id. A page beyond the
// last is empty, with the correct totals; an unknown pipeline gives an empty page. Its cost is
// proportional to the page size (plus logarithmic searches), not to the pipeline's history.
func (e *Engine) ListRuns(workspace, id string, q RunQuery) RunPage {
	sel := e.selectPage(workspace, id, q)
	out := sel.meta
	if sel.n == 0 {
		return out
	}
	runs := make([]Run, 0, sel.n) // one allocation for the page's runs, then one for the pointers
	for r, manual := range sel.all() {
		runs = append(runs, sel.p.run(r, manual))
	}
	out.Items = make([]*Run, len(runs))
	for k := range runs {
		out.Items[k] = &runs[k]
	}
	return out
}

// pageSelection is a page of runs chosen by a RunQuery: its totals, and where its runs are.
type pageSelection struct {
	meta RunPage // Items empty
	p    *pipe
	a, b runList // the scheduled and manual runs within the query's dates
	i, j int     // the page's first run in a and in b
	n    int     // the number of runs on the page
}

// selectPage finds the page q asks for.
func (e *Engine) selectPage(workspace, id string, q RunQuery) pageSelection {
	page, size := q.Page, q.PageSize
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = DefaultPageSize
	}
	size = min(size, MaxPageSize)
	sel := pageSelection{meta: RunPage{Items: []*Run{}, CurrentPage: page, PageSize: size, HasPreviousPage: page > 1}}
	p := e.find(workspace, id)
	if p == nil {
		return sel
	}
	a, b := p.sched, p.manual
	if q.From != nil {
		// logical >= From, stored rounded down: compare with From rounded up to the microsecond.
		from := ceilMicros(*q.From)
		a, b = a[a.firstAtOrAfter(from):], b[b.firstAtOrAfter(from):]
	}
	if q.To != nil {
		to := micros(*q.To)
		a, b = a[:a.firstAfter(to)], b[:b.firstAfter(to)]
	}
	total := len(a) + len(b)
	sel.meta.TotalItems = total
	sel.meta.TotalPages = (total + size - 1) / size
	sel.meta.HasNextPage = page < sel.meta.TotalPages
	if page > sel.meta.TotalPages {
		return sel
	}
	offset := (page - 1) * size
	sel.p, sel.a, sel.b = p, a, b
	sel.i = splitAt(a, b, offset)
	sel.j = offset - sel.i
	sel.n = min(size, total-offset)
	return sel
}

// all yields the page's runs in order, and whether each is manual.
func (sel *pageSelection) all() iter.Seq2[*runRec, bool] {
	return func(yield func(*runRec, bool) bool) {
		a, b, i, j := sel.a, sel.b, sel.i, sel.j
		for range sel.n {
			var ok bool
			if j >= len(b) || (i < len(a) && before(&a[i], &b[j])) {
				ok = yield(&a[i], false)
				i++
			} else {
				ok = yield(&b[j], true)
				j++
			}
			if !ok {
				return
			}
		}
	}
}

// ceilMicros is t in microseconds, rounded up.
func ceilMicros(t time.Time) int64 {
	us := micros(t)
	if t.Nanosecond()%1000 != 0 {
		us++
	}
	return us
}

// splitAt returns how many of the first k runs of the merge of a and b come from a, in O(log k).
func splitAt(a, b runList, k int) int {
	lo, hi := max(0, k-len(b)), min(k, len(a))
	// The smallest i in [lo, hi] such that taking i runs from a and k-i from b is a valid prefix: every
	// further run of a comes after the last one taken from b.
	return lo + sort.Search(hi-lo, func(n int) bool {
		i := lo + n
		return k-i == 0 || before(&b[k-i-1], &a[i])
	})
}

// Report returns the pipeline's latest run (greatest logical_date, then id) and the id of its
// successful run with the greatest range_end (ties: the greatest id); nil when there is none.
func (e *Engine) Report(workspace, id string) (latest *Run, latestSuccessful *int64) {
	p := e.find(workspace, id)
	if p == nil {
		return nil, nil
	}
	var last *runRec
	manual := false
	if n := len(p.sched); n > 0 {
		last = &p.sched[n-1]
	}
	if n := len(p.manual); n > 0 && (last == nil || before(last, &p.manual[n-1])) {
		last, manual = &p.manual[n-1], true
	}
	if last != nil {
		r := p.run(last, manual)
		latest = &r
	}
	if id, ok := p.latestSuccessful(); ok {
		latestSuccessful = &id
	}
	return latest, latestSuccessful
}

// latestSuccessful is the retained successful run with the greatest range_end (ties: greatest id).
func (p *pipe) latestSuccessful() (int64, bool) {
	if p.lsRunID != 0 && (p.sched.find(p.lsRunID) >= 0 || p.manual.find(p.lsRunID) >= 0) {
		return p.lsRunID, true
	}
	// The run that set LS was removed by retention: scan what is left (rare: no success for two years).
	var best *runRec
	for _, l := range []runList{p.sched, p.manual} {
		for i := range l {
			r := &l[i]
			if r.status == stSuccess && (best == nil || r.rangeEnd > best.rangeEnd ||
				(r.rangeEnd == best.rangeEnd && r.id > best.id)) {
				best = r
			}
		}
	}
	if best == nil {
		return 0, false
	}
	return best.id, true
}

// ActiveRunCount counts the pipeline's runs whose status is queued, running or retrying, by scanning
// them all; tests use it to check that a pipeline never has two active runs.
func (e *Engine) ActiveRunCount(workspace, id string) int {
	p := e.find(workspace, id)
	if p == nil {
		return 0
	}
	n := 0
	for _, l := range []runList{p.sched, p.manual} {
		for i := range l {
			if l[i].status.active() {
				n++
			}
		}
	}
	return n
}

// RunCount is the number of retained runs of the pipeline.
func (e *Engine) RunCount(workspace, id string) int {
	p := e.find(workspace, id)
	if p == nil {
		return 0
	}
	return len(p.sched) + len(p.manual)
}
