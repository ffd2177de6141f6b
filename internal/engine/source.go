package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rows returns a Source over rows seeded by a test (the slice is copied, the maps are not). A row's
// iterator value is looked up by sync_mode.iterator_field, exactly or else case-insensitively, and parsed
// per sync_mode.iterator_data_type:
//
//   - timestamp, datetime, datetime_tz, timestamp_ltz, timestamp_ntz, timestamp_tz: a time.Time, or a
//     string in RFC 3339 (with or without zone and fraction; no zone means UTC) or "2006-01-02 15:04:05"
//     with optional fraction and zone;
//   - date: a time.Time or "2006-01-02" (midnight UTC);
//   - timestamp_unixtime_ms, timestamp_unixtime_s: an integer or float of any Go type, a json.Number or a
//     numeric string.
//
// Rows with a missing, null or unparsable value count as failed. A pipeline without iterator_field (full
// mode) counts every row as successful. The parsed values are cached per iterator field and type, so
// each count costs two binary searches; the maps must therefore not change after the call.
func Rows(rows []map[string]any) Source {
	return &rowSource{rows: append([]map[string]any(nil), rows...)}
}

type rowSource struct {
	rows  []map[string]any
	mu    sync.Mutex
	cache map[iteratorKey]*parsedRows
}

type iteratorKey struct {
	field string
	typ   IteratorDataType
}

// parsedRows are the iterator values of the rows, sorted, and how many rows had none.
type parsedRows struct {
	times  []time.Time
	failed int64
}

func (s *rowSource) Count(sm SyncMode, start, end time.Time) (successful, failed int64, err error) {
	if sm.IteratorField == "" {
		return int64(len(s.rows)), 0, nil
	}
	k := iteratorKey{sm.IteratorField, sm.IteratorDataType}
	s.mu.Lock()
	pr := s.cache[k]
	if pr == nil {
		pr = &parsedRows{}
		for _, row := range s.rows {
			if t, ok := parseIterator(lookup(row, sm.IteratorField), sm.IteratorDataType); ok {
				pr.times = append(pr.times, t)
			} else {
				pr.failed++
			}
		}
		sort.Slice(pr.times, func(i, j int) bool { return pr.times[i].Before(pr.times[j]) })
		if s.cache == nil {
			s.cache = make(map[iteratorKey]*parsedRows)
		}
		s.cache[k] = pr
	}
	s.mu.Unlock()
	lo, hi := 0, len(pr.times)
	if !start.IsZero() {
		lo = sort.Search(len(pr.times), func(i int) bool { return !pr.times[i].Before(start) })
	}
	if !end.IsZero() {
		hi = sort.Search(len(pr.times), func(i int) bool { return !pr.times[i].Before(end) })
	}
	return int64(max(hi-lo, 0)), pr.failed, nil
}

// lookup is row[field], or the value of the first key equal to field ignoring case (in key order, so the
// choice is deterministic).
func lookup(row map[string]any, field string) any {
	if v, ok := row[field]; ok {
		return v
	}
	var found string
	for k := range row {
		if strings.EqualFold(k, field) && (found == "" || k < found) {
			found = k
		}
	}
	if found == "" {
		return nil
	}
	return row[found]
}

// timestampLayouts are the string shapes of timestamp iterators; a layout without zone means UTC. When
// parsing, Go accepts a fraction after the seconds even if the layout has none.
var timestampLayouts = [...]string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700 MST",
	"2006-01-02 15:04:05",
}

// parseIterator parses one iterator value as typ.
func parseIterator(v any, typ IteratorDataType) (time.Time, bool) {
	switch typ {
	case IteratorUnixTimeMillis:
		return parseUnix(v, time.Millisecond)
	case IteratorUnixTimeSecs:
		return parseUnix(v, time.Second)
	case IteratorDate:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), true
		case string:
			t, err := time.Parse(time.DateOnly, strings.TrimSpace(x))
			return t, err == nil
		case []byte:
			t, err := time.Parse(time.DateOnly, strings.TrimSpace(string(x)))
			return t, err == nil
		}
		return time.Time{}, false
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case *time.Time:
		if x != nil {
			return x.UTC(), true
		}
	case string:
		return parseTimestamp(x)
	case []byte:
		return parseTimestamp(string(x))
	}
	return time.Time{}, false
}

func parseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseUnix parses a number of units since the Unix epoch.
func parseUnix(v any, unit time.Duration) (time.Time, bool) {
	var f float64
	switch x := v.(type) {
	case int:
		return unixInt(int64(x), unit)
	case int8:
		return unixInt(int64(x), unit)
	case int16:
		return unixInt(int64(x), unit)
	case int32:
		return unixInt(int64(x), unit)
	case int64:
		return unixInt(x, unit)
	case uint:
		return unixUint(uint64(x), unit)
	case uint8:
		return unixInt(int64(x), unit)
	case uint16:
		return unixInt(int64(x), unit)
	case uint32:
		return unixInt(int64(x), unit)
	case uint64:
		return unixUint(x, unit)
	case float32:
		f = float64(x)
	case float64:
		f = x
	case json.Number:
		return parseUnixString(string(x), unit)
	case string:
		return parseUnixString(x, unit)
	case []byte:
		return parseUnixString(string(x), unit)
	default:
		return time.Time{}, false
	}
	return unixFloat(f, unit)
}

func parseUnixString(s string, unit time.Duration) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return unixInt(n, unit)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, false
	}
	return unixFloat(f, unit)
}

// maxUnixSeconds bounds unix values to years before 10000, beyond which they are surely not timestamps.
const maxUnixSeconds = 253402300800

func unixInt(n int64, unit time.Duration) (time.Time, bool) {
	per := int64(time.Second / unit)
	sec, rest := n/per, n%per
	if rest < 0 {
		sec, rest = sec-1, rest+per
	}
	if sec > maxUnixSeconds || sec < -maxUnixSeconds {
		return time.Time{}, false
	}
	return time.Unix(sec, rest*int64(unit)).UTC(), true
}

func unixUint(n uint64, unit time.Duration) (time.Time, bool) {
	if n > math.MaxInt64 {
		return time.Time{}, false
	}
	return unixInt(int64(n), unit)
}

func unixFloat(f float64, unit time.Duration) (time.Time, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	secs := f * unit.Seconds()
	if secs > maxUnixSeconds || secs < -maxUnixSeconds {
		return time.Time{}, false
	}
	whole := math.Floor(secs)
	return time.Unix(int64(whole), int64(math.Round((secs-whole)*1e9))).UTC(), true
}

// identifier is a plain SQL identifier, safe to quote and interpolate.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// SQL returns a Source that runs a data model's query on db each time a run counts its records. It wraps
// the query as
//
//	SELECT mp_model."<iterator_field>" FROM (<query>) AS mp_model
//
// (or SELECT COUNT(*) FROM (<query>) AS mp_model without iterator_field), so the query must work as a
// subquery, as mParticle requires. The iterator field must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*);
// it is double-quoted and qualified, because SQLite reads an unknown bare double-quoted name as a string.
//
// Each value is parsed and compared with the run's range in Go, exactly as Rows does, rather than in SQL
// with "WHERE <iterator> >= ? AND <iterator> < ?": SQLite keeps timestamps as text in whatever shape they
// were written ("2023-02-01 10:00:00", "2023-02-01T10:00:00Z", or time.Time's String form, which
// modernc.org/sqlite writes by default), and comparing text across those shapes, or with a bound in any
// one shape, orders instants wrongly. NULL and unparsable values count as failed; a query error fails the
// run with the database's message.
//
// A query that takes longer than SQLTimeout fails the run.
func SQL(db *sql.DB, query string) Source {
	return &sqlSource{db: db, query: query, timeout: SQLTimeout}
}

// SQLTimeout bounds each query of a SQL source. The engine runs with the fake server's mutex held, so a
// test database that hangs (a lock held by the test, a runaway query) would otherwise stall every
// request of the server for good; with the bound the stall ends and the run fails, naming the limit.
const SQLTimeout = 10 * time.Second

type sqlSource struct {
	db      *sql.DB
	query   string
	timeout time.Duration
}

// errIteratorField is returned (wrapped) for an iterator field that is not a plain identifier.
var errIteratorField = errors.New("must be a plain SQL identifier: letters, digits and _, not starting with a digit")

func (s *sqlSource) Count(sm SyncMode, start, end time.Time) (successful, failed int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	defer func() {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("the query took longer than %s: %w", s.timeout, err)
		}
	}()
	if sm.IteratorField == "" {
		err = s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+s.query+") AS mp_model").Scan(&successful)
		if err != nil {
			return 0, 0, fmt.Errorf("counting rows: %w", err)
		}
		return successful, 0, nil
	}
	if !identifier.MatchString(sm.IteratorField) {
		return 0, 0, fmt.Errorf("iterator_field %q %w", sm.IteratorField, errIteratorField)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT mp_model."`+sm.IteratorField+`" FROM (`+s.query+`) AS mp_model`)
	if err != nil {
		return 0, 0, fmt.Errorf("selecting %s: %w", sm.IteratorField, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return 0, 0, fmt.Errorf("reading %s: %w", sm.IteratorField, err)
		}
		t, ok := parseIterator(v, sm.IteratorDataType)
		switch {
		case !ok:
			failed++
		case (start.IsZero() || !t.Before(start)) && (end.IsZero() || t.Before(end)):
			successful++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("reading %s: %w", sm.IteratorField, err)
	}
	return successful, failed, nil
}
