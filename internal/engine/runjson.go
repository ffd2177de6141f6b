package engine

import (
	"slices"
	"strconv"
	"time"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// timestampLayout is how the API writes a time: UTC with milliseconds.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendRunsPage appends the JSON of the page of runs q selects, and a newline: byte for byte what
// encoding/json, without HTML escaping, writes for the page ListRuns returns. It reads the stored runs
// directly, without building the page's values or formatting a time into a string of its own, so a page
// costs a few allocations whatever its size (the fake's most frequent large answer).
func (e *Engine) AppendRunsPage(dst []byte, workspace, id string, q RunQuery) []byte {
	sel := e.selectPage(workspace, id, q)
	dst = slices.Grow(dst, 200+350*sel.n) // a run without errors takes about 310 bytes
	dst = append(dst, `{"items":[`...)
	first := true
	var sw stampWriter
	var idBuf [64]byte
	var pipelineID []byte // the same for every run: escaped once
	if sel.p != nil {
		pipelineID = appendString(idBuf[:0], sel.p.key.id)
	}
	for r, manual := range sel.all() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = sel.p.appendRun(dst, r, manual, &sw, pipelineID)
	}
	m := &sel.meta
	dst = append(dst, `],"current_page":`...)
	dst = strconv.AppendInt(dst, int64(m.CurrentPage), 10)
	dst = append(dst, `,"page_size":`...)
	dst = strconv.AppendInt(dst, int64(m.PageSize), 10)
	dst = append(dst, `,"total_pages":`...)
	dst = strconv.AppendInt(dst, int64(m.TotalPages), 10)
	dst = append(dst, `,"total_items":`...)
	dst = strconv.AppendInt(dst, int64(m.TotalItems), 10)
	dst = append(dst, `,"has_previous_page":`...)
	dst = strconv.AppendBool(dst, m.HasPreviousPage)
	dst = append(dst, `,"has_next_page":`...)
	dst = strconv.AppendBool(dst, m.HasNextPage)
	return append(dst, "}\n"...)
}

// AppendPipeline appends the JSON of the pipeline as Pipeline returns it, and a newline: byte for byte
// what encoding/json, without HTML escaping, writes for it. It reports false, appending nothing, when
// the workspace has no such pipeline.
func (e *Engine) AppendPipeline(dst []byte, workspace, id string) ([]byte, bool) {
	p := e.find(workspace, id)
	if p == nil {
		return dst, false
	}
	pl := &p.p
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, pl.ID)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, pl.Name)
	dst = append(dst, `,"pipeline_type":`...)
	dst = appendString(dst, string(pl.PipelineType))
	dst = append(dst, `,"connection_id":`...)
	dst = appendString(dst, pl.ConnectionID)
	dst = appendOptString(dst, `,"field_transformation_id":`, pl.FieldTransformationID)
	dst = append(dst, `,"data_model_id":`...)
	dst = appendString(dst, pl.DataModelID)
	if pl.PartnerFeedID != nil {
		dst = append(dst, `,"partner_feed_id":`...)
		dst = strconv.AppendInt(dst, *pl.PartnerFeedID, 10)
	}
	dst = appendOptString(dst, `,"partner_feed_key":`, pl.PartnerFeedKey)
	dst = append(dst, `,"state":`...)
	dst = appendString(dst, string(pl.State))
	status, errs := p.status()
	dst = appendOptString(dst, `,"status":`, string(status))
	dst = appendErrors(dst, errs)
	sm := &pl.SyncMode
	dst = append(dst, `,"sync_mode":{"type":`...)
	dst = appendString(dst, string(sm.Type))
	dst = appendOptString(dst, `,"iterator_field":`, sm.IteratorField)
	dst = appendOptString(dst, `,"iterator_data_type":`, string(sm.IteratorDataType))
	dst = appendOptTime(dst, `,"from":`, sm.From.Time)
	dst = appendOptTime(dst, `,"until":`, sm.Until.Time)
	sc := &pl.Schedule
	dst = append(dst, `},"schedule":{"type":`...)
	dst = appendString(dst, string(sc.Type))
	dst = appendOptString(dst, `,"frequency":`, string(sc.Frequency))
	if !sc.Delay.IsZero() {
		dst = append(dst, `,"delay":`...)
		dst = appendString(dst, sc.Delay.String())
	}
	dst = appendOptTime(dst, `,"start":`, sc.Start.Time)
	dst = appendOptTime(dst, `,"end":`, sc.End.Time)
	dst = append(dst, `},"environment":`...)
	dst = appendString(dst, string(pl.Environment))
	dst = appendOptString(dst, `,"data_plan_id":`, pl.DataPlanID)
	if pl.DataPlanVersion != nil {
		dst = append(dst, `,"data_plan_version":`...)
		dst = strconv.AppendInt(dst, *pl.DataPlanVersion, 10)
	}
	dst = append(dst, `,"created_on":`...)
	dst = appendTime(dst, pl.CreatedOn.Time)
	dst = appendOptString(dst, `,"created_by":`, pl.CreatedBy)
	dst = append(dst, `,"last_modified_on":`...)
	dst = appendTime(dst, pl.LastModifiedOn.Time)
	dst = appendOptString(dst, `,"last_modified_by":`, pl.LastModifiedBy)
	return append(dst, "}\n"...), true
}

// appendOptString appends key and s, unless s is empty (omitempty).
func appendOptString(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return appendString(append(dst, key...), s)
}

// appendOptTime appends key and t, unless t is zero (omitzero).
func appendOptTime(dst []byte, key string, t time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	return appendTime(append(dst, key...), t)
}

// appendErrors appends ,"errors":[…] unless errs is empty (omitempty).
func appendErrors(dst []byte, errs []ErrorDetail) []byte {
	if len(errs) == 0 {
		return dst
	}
	dst = append(dst, `,"errors":[`...)
	for k, d := range errs {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"message":`...)
		dst = appendString(dst, d.Message)
		dst = appendOptString(dst, `,"code":`, d.Code)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// AppendRun appends the JSON of one run as Run returns it, and a newline: byte for byte what
// encoding/json, without HTML escaping, writes for it. It reports false, appending nothing, when there
// is no such run.
func (e *Engine) AppendRun(dst []byte, workspace, id string, runID int64) ([]byte, bool) {
	p := e.find(workspace, id)
	if p == nil {
		return dst, false
	}
	var sw stampWriter
	var idBuf [64]byte
	pipelineID := appendString(idBuf[:0], p.key.id)
	if i := p.sched.find(runID); i >= 0 {
		return append(p.appendRun(dst, &p.sched[i], false, &sw, pipelineID), '\n'), true
	}
	if i := p.manual.find(runID); i >= 0 {
		return append(p.appendRun(dst, &p.manual[i], true, &sw, pipelineID), '\n'), true
	}
	return dst, false
}

// appendRun appends the JSON of one run of p, as encoding/json writes the Run that p.run returns.
func (p *pipe) appendRun(dst []byte, r *runRec, manual bool, sw *stampWriter, pipelineID []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, r.id, 10)
	dst = append(dst, `,"pipeline_id":`...)
	dst = append(dst, pipelineID...)
	if manual {
		dst = append(dst, `,"type":"manual","status":`...)
	} else {
		dst = append(dst, `,"type":"scheduled","status":`...)
	}
	dst = appendString(dst, string(r.status.wire()))
	if r.errs != nil {
		dst = appendErrors(dst, *r.errs)
	}
	dst = append(dst, `,"logical_date":`...)
	dst = sw.append(dst, r.logical)
	dst = append(dst, `,"started_on":`...)
	dst = sw.append(dst, r.started)
	dst = append(dst, `,"ended_on":`...)
	dst = sw.append(dst, r.ended)
	dst = append(dst, `,"range_start":`...)
	dst = sw.append(dst, r.rangeStart)
	dst = append(dst, `,"range_end":`...)
	dst = sw.append(dst, r.rangeEnd)
	dst = append(dst, `,"successful_records":`...)
	dst = strconv.AppendInt(dst, r.successful, 10)
	dst = append(dst, `,"failed_records":`...)
	dst = strconv.AppendInt(dst, r.failed, 10)
	return append(dst, '}')
}

// appendStamp appends a stored time as the API writes it (timestampLayout, quoted), or null.
func appendStamp(dst []byte, us int64) []byte {
	var sw stampWriter
	return sw.append(dst, us)
}

// appendTime appends t as a Timestamp writes it: null for the zero time (zeroMicros).
func appendTime(dst []byte, t time.Time) []byte { return appendStamp(dst, micros(t)) }

// zeroMicros is the zero time.Time in microseconds: a stored time the API writes as null.
const zeroMicros = -62_135_596_800_000_000

// digitPairs holds the two digits of 0 to 99 at 2n and 2n+1.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// stampWriter writes stored times as the API writes them (timestampLayout, quoted), computing the
// digits from the microseconds by integer arithmetic: time.AppendFormat, which parses the layout on
// every call, and even Time.Date with Time.Clock were most of a page's cost. It keeps the date of the
// last day it wrote, since a run's five times, and a page's runs, mostly fall on a few days. The zero
// value is ready to use.
type stampWriter struct {
	day  int64
	date [12]byte // `"YYYY-MM-DDT` of day, when set
	set  bool
}

// append appends the quoted timestampLayout of a time in microseconds, or null.
func (sw *stampWriter) append(dst []byte, us int64) []byte {
	if us == nullTime || us == zeroMicros {
		return append(dst, "null"...)
	}
	secs, micro := floorDiv(us, 1_000_000)
	days, sod := floorDiv(secs, 86_400)
	if !sw.set || days != sw.day {
		y, mo, d := civil(days)
		if y < 0 || y > 9999 {
			dst = append(dst, '"')
			dst = fromMicros(us).AppendFormat(dst, timestampLayout)
			return append(dst, '"')
		}
		sw.date = [12]byte{'"', digitPairs[2*(y/100)], digitPairs[2*(y/100)+1], digitPairs[2*(y%100)],
			digitPairs[2*(y%100)+1], '-', digitPairs[2*mo], digitPairs[2*mo+1], '-', digitPairs[2*d],
			digitPairs[2*d+1], 'T'}
		sw.day, sw.set = days, true
	}
	h, mi, sec, ms := sod/3600, sod/60%60, sod%60, micro/1000
	var b [26]byte
	copy(b[:], sw.date[:])
	b[12], b[13], b[14] = digitPairs[2*h], digitPairs[2*h+1], ':'
	b[15], b[16], b[17] = digitPairs[2*mi], digitPairs[2*mi+1], ':'
	b[18], b[19], b[20] = digitPairs[2*sec], digitPairs[2*sec+1], '.'
	b[21], b[22], b[23] = byte('0'+ms/100), digitPairs[2*(ms%100)], digitPairs[2*(ms%100)+1]
	b[24], b[25] = 'Z', '"'
	return append(dst, b[:]...)
}

// floorDiv returns a divided by b (b > 0) rounded down, and the remainder, which is never negative.
func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q, r = q-1, r+b
	}
	return q, r
}

// civil returns the proleptic Gregorian date of a day counted from 1970-01-01 (the inverse of the
// well-known days-from-civil algorithm, in 400-year eras of 146,097 days).
func civil(days int64) (year, month, day int64) {
	z := days + 719_468 // days from 0000-03-01
	era, doe := floorDiv(z, 146_097)
	yoe := (doe - doe/1460 + doe/36_524 - doe/146_096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if mp >= 10 {
		month = mp - 9
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendString appends s as a JSON string. Printable ASCII other than " and \ is written as is (as
// encoding/json does without HTML escaping); any other string goes through encoding/json itself
// (wire.JSONText), so that every escape is exactly its own.
func appendString(dst []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return append(dst, wire.JSONText(s)...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
