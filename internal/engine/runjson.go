package engine

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"time"
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
	for r, manual := range sel.all() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = sel.p.appendRun(dst, r, manual)
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
	if i := p.sched.find(runID); i >= 0 {
		return append(p.appendRun(dst, &p.sched[i], false), '\n'), true
	}
	if i := p.manual.find(runID); i >= 0 {
		return append(p.appendRun(dst, &p.manual[i], true), '\n'), true
	}
	return dst, false
}

// appendRun appends the JSON of one run of p, as encoding/json writes the Run that p.run returns.
func (p *pipe) appendRun(dst []byte, r *runRec, manual bool) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, r.id, 10)
	dst = append(dst, `,"pipeline_id":`...)
	dst = appendString(dst, p.key.id)
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
	dst = appendStamp(dst, r.logical)
	dst = append(dst, `,"started_on":`...)
	dst = appendStamp(dst, r.started)
	dst = append(dst, `,"ended_on":`...)
	dst = appendStamp(dst, r.ended)
	dst = append(dst, `,"range_start":`...)
	dst = appendStamp(dst, r.rangeStart)
	dst = append(dst, `,"range_end":`...)
	dst = appendStamp(dst, r.rangeEnd)
	dst = append(dst, `,"successful_records":`...)
	dst = strconv.AppendInt(dst, r.successful, 10)
	dst = append(dst, `,"failed_records":`...)
	dst = strconv.AppendInt(dst, r.failed, 10)
	return append(dst, '}')
}

// appendStamp appends a stored time as the API writes it (timestampLayout, quoted), or null. It computes
// the digits from the microseconds by integer arithmetic: time.AppendFormat, which parses the layout on
// every call, and even Time.Date with Time.Clock were most of a page's cost.
func appendStamp(dst []byte, us int64) []byte {
	if us == nullTime || fromMicros(us).IsZero() {
		return append(dst, "null"...)
	}
	return appendStampDigits(dst, us)
}

// appendTime appends t as a Timestamp writes it: null for the zero time.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	return appendStampDigits(dst, micros(t))
}

// appendStampDigits appends the quoted timestampLayout of a time in microseconds.
func appendStampDigits(dst []byte, us int64) []byte {
	secs, micro := floorDiv(us, 1_000_000)
	days, sod := floorDiv(secs, 86_400)
	y, mo, d := civil(days)
	if y < 0 || y > 9999 {
		dst = append(dst, '"')
		dst = fromMicros(us).AppendFormat(dst, timestampLayout)
		return append(dst, '"')
	}
	h, mi, sec, ms := sod/3600, sod/60%60, sod%60, micro/1000
	return append(dst, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
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
// encoding/json does without HTML escaping); any other string goes through encoding/json itself, so
// that every escape is exactly its own.
func appendString(dst []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return appendStringSlow(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendStringSlow(dst []byte, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil { // a string always encodes
		return append(dst, `""`...)
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
}
