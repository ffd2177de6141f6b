package engine

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
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

// appendRun appends the JSON of one run of p, as encoding/json writes the ws.Run that p.run returns.
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
	if r.errs != nil && len(*r.errs) > 0 {
		dst = append(dst, `,"errors":[`...)
		for k, d := range *r.errs {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"message":`...)
			dst = appendString(dst, d.Message)
			if d.Code != "" {
				dst = append(dst, `,"code":`...)
				dst = appendString(dst, d.Code)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
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

// appendStamp appends a stored time as the API writes it, or null.
func appendStamp(dst []byte, us int64) []byte {
	t := fromMicros(us)
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, timestampLayout)
	return append(dst, '"')
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
