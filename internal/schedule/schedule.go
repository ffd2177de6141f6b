// Package schedule holds the pure time arithmetic of Warehouse Sync schedules: delay strings, schedule
// periods anchored on a start instant, and calendar-month steps that clamp the day to the month's length.
//
// It has no state and no dependencies beyond the standard library, so the client (for its Delay type) and
// the fake server (for its scheduler) share one definition of every boundary.
package schedule

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Unit is the unit letter of a delay: one of s, m, h, d, w, y.
type Unit byte

// The delay units the API documents.
const (
	Second Unit = 's'
	Minute Unit = 'm'
	Hour   Unit = 'h'
	Day    Unit = 'd'
	Week   Unit = 'w'
	Year   Unit = 'y'
)

// maxDelay bounds a delay so that every duration computed from it fits a time.Duration with room to
// spare. A year counts as 366 days for the check.
const maxDelay = 100 * 366 * 24 * time.Hour

// Delay is a parsed delay such as 15m or 5d: a count of units. The zero value means no delay.
type Delay struct {
	N    int64
	Unit Unit
}

// ErrDelaySyntax is returned (wrapped) by ParseDelay for a string that does not match ^[0-9]+[smhdwy]$.
var ErrDelaySyntax = errors.New("must be a number followed by one of s, m, h, d, w, y (for example 15m or 5d)")

// ParseDelay parses a delay string of the form ^[0-9]+[smhdwy]$. A delay longer than 100 years is rejected.
func ParseDelay(s string) (Delay, error) {
	if len(s) < 2 {
		return Delay{}, fmt.Errorf("delay %q %w", s, ErrDelaySyntax)
	}
	digits, unit := s[:len(s)-1], Unit(s[len(s)-1])
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return Delay{}, fmt.Errorf("delay %q %w", s, ErrDelaySyntax)
		}
	}
	if unitDuration(unit) == 0 {
		return Delay{}, fmt.Errorf("delay %q %w", s, ErrDelaySyntax)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(maxDelay/unitDuration(unit)) {
		return Delay{}, fmt.Errorf("delay %q must be at most 100 years", s)
	}
	return Delay{N: n, Unit: unit}, nil
}

// unitDuration is the fixed length of a unit, a year counting as 366 days (used for bounds only).
func unitDuration(u Unit) time.Duration {
	switch u {
	case Second:
		return time.Second
	case Minute:
		return time.Minute
	case Hour:
		return time.Hour
	case Day:
		return 24 * time.Hour
	case Week:
		return 7 * 24 * time.Hour
	case Year:
		return 366 * 24 * time.Hour
	}
	return 0
}

// IsZero reports whether d is no delay at all.
func (d Delay) IsZero() bool { return d.N == 0 }

// String formats d as the API writes it, for example "15m"; the zero Delay is "".
func (d Delay) String() string {
	if d.Unit == 0 {
		return ""
	}
	return strconv.FormatInt(d.N, 10) + string(rune(d.Unit))
}

// Duration is the fixed length of d. A year is 365 days here; use AddTo for calendar years.
func (d Delay) Duration() time.Duration {
	if d.Unit == Year {
		return time.Duration(d.N) * 365 * 24 * time.Hour
	}
	return time.Duration(d.N) * unitDuration(d.Unit)
}

// AddTo returns t plus d. Years are 12 calendar months each, with the day clamped to the month's length
// (2024-02-29 + 1y = 2025-02-28); every other unit is a fixed duration (a day is 24 hours).
func (d Delay) AddTo(t time.Time) time.Time {
	if d.Unit == Year {
		return AddMonthsClamped(t, 12*d.N)
	}
	return t.Add(d.Duration())
}

// SubtractFrom returns t minus d, the inverse of AddTo up to month-end clamping: years step back 12
// calendar months each, every other unit is a fixed duration.
func (d Delay) SubtractFrom(t time.Time) time.Time {
	if d.Unit == Year {
		return AddMonthsClamped(t, -12*d.N)
	}
	return t.Add(-d.Duration())
}

// AddMonthsClamped returns t moved by k calendar months (k may be negative), keeping the time of day and
// clamping the day of month to the length of the target month: Jan 31 + 1 = Feb 28 (or 29), Jan 31 + 2 =
// Mar 31. Unlike time.AddDate it never overflows into the following month, and because it is computed from
// t in one step, stepping k months from an anchor never drifts.
func AddMonthsClamped(t time.Time, k int64) time.Time {
	y, m, d := t.Date()
	total := int64(y)*12 + int64(m-1) + k
	ny, nm := floorDiv(total, 12), time.Month(floorMod(total, 12)+1)
	if last := daysIn(int(ny), nm); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	return time.Date(int(ny), nm, d, hh, mm, ss, t.Nanosecond(), t.Location())
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// Period is the length of one schedule interval.
type Period int

// The schedule frequencies.
const (
	Hourly Period = iota + 1
	Daily
	Weekly
	Monthly
)

// ParsePeriod maps an API frequency ("hourly", "daily", "weekly", "monthly") to its Period.
func ParsePeriod(frequency string) (Period, bool) {
	switch frequency {
	case "hourly":
		return Hourly, true
	case "daily":
		return Daily, true
	case "weekly":
		return Weekly, true
	case "monthly":
		return Monthly, true
	}
	return 0, false
}

// fixed is the length of a fixed-length period; 0 for Monthly.
func (p Period) fixed() time.Duration {
	switch p {
	case Hourly:
		return time.Hour
	case Daily:
		return 24 * time.Hour
	case Weekly:
		return 7 * 24 * time.Hour
	}
	return 0
}

// Boundary returns B_k = start + k·p. Monthly boundaries are computed from start in one step with the day
// clamped (AddMonthsClamped), so a schedule anchored on the 31st runs on the last day of shorter months and
// on the 31st again afterwards. Fixed periods are added in whole seconds, so k·p may exceed the ±292 years
// a time.Duration holds.
func Boundary(start time.Time, p Period, k int64) time.Time {
	if p == Monthly {
		return AddMonthsClamped(start, k)
	}
	secs := int64(p.fixed() / time.Second)
	return time.Unix(start.Unix()+satMul(k, secs), int64(start.Nanosecond())).In(start.Location())
}

// satMul is a·b, saturated at the int64 limits instead of wrapping.
func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	c := a * b
	if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		if (a < 0) != (b < 0) {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return c
}

// IndexAtOrBefore returns the greatest k with Boundary(start, p, k) <= t. It costs O(1) whatever the
// distance between start and t.
func IndexAtOrBefore(start time.Time, p Period, t time.Time) int64 {
	var k int64
	if p == Monthly {
		sy, sm, _ := start.Date()
		ty, tm, _ := t.Date()
		// The month estimate is exact or one too high (clamping never moves a boundary across a month).
		k = (int64(ty)-int64(sy))*12 + int64(tm-sm)
	} else {
		// Whole seconds between the instants; the nanoseconds shift the result by at most one.
		k = floorDiv(t.Unix()-start.Unix(), int64(p.fixed()/time.Second))
	}
	for Boundary(start, p, k).After(t) {
		k--
	}
	for !Boundary(start, p, k+1).After(t) {
		k++
	}
	return k
}

// IndexAtOrAfter returns the smallest k with Boundary(start, p, k) >= t.
func IndexAtOrAfter(start time.Time, p Period, t time.Time) int64 {
	k := IndexAtOrBefore(start, p, t)
	if Boundary(start, p, k).Before(t) {
		k++
	}
	return k
}

// CatchUpWindow is how far back a newly activated pipeline catches up: mParticle documents hourly 7 days,
// daily 6 months, weekly 3 years, monthly 5 years. It returns the earliest interval end that still gets a
// run of its own when the pipeline becomes active at a; calendar steps use clamped month arithmetic.
func CatchUpWindow(p Period, a time.Time) time.Time {
	switch p {
	case Hourly:
		return a.Add(-7 * 24 * time.Hour)
	case Daily:
		return AddMonthsClamped(a, -6)
	case Weekly:
		return AddMonthsClamped(a, -36)
	default:
		return AddMonthsClamped(a, -60)
	}
}
