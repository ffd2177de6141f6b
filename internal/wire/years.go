package wire

import (
	"fmt"
	"time"
)

// The years, in UTC, that an API timestamp can hold: RFC 3339 writes the year with four digits.
const (
	MinYear = 0
	MaxYear = 9999
)

// LastInstant is the last instant an API timestamp can hold: the end of year MaxYear in UTC, to the
// nanosecond.
func LastInstant() time.Time { return time.Date(MaxYear, 12, 31, 23, 59, 59, 999999999, time.UTC) }

// InYears reports whether t lies in the years MinYear to MaxYear in UTC.
func InYears(t time.Time) bool {
	y := t.UTC().Year()
	return MinYear <= y && y <= MaxYear
}

// CheckYears returns an error naming the text s when t, parsed from it, lies outside the years MinYear
// to MaxYear in UTC.
func CheckYears(s string, t time.Time) error {
	if InYears(t) {
		return nil
	}
	return fmt.Errorf("timestamp %q is outside the years %04d to %04d in UTC", s, MinYear, MaxYear)
}
