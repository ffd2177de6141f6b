package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestBoundaryAndIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start string
		p     Period
		k     int64
		want  string
	}{
		{"hourly initial", "2023-02-01T00:15:00Z", Hourly, -1, "2023-01-31T23:15:00Z"},
		{"daily", "2023-02-01T12:00:00Z", Daily, 27, "2023-02-28T12:00:00Z"},
		{"weekly", "2023-02-01T00:00:00Z", Weekly, 2, "2023-02-15T00:00:00Z"},
		{"monthly clamps", "2023-01-31T00:00:00Z", Monthly, 1, "2023-02-28T00:00:00Z"},
		{"monthly returns to the 31st", "2023-01-31T00:00:00Z", Monthly, 2, "2023-03-31T00:00:00Z"},
		{"monthly leap", "2024-01-31T00:00:00Z", Monthly, 1, "2024-02-29T00:00:00Z"},
		{"hourly beyond 292 years", "2023-02-01T00:00:00Z", Hourly, 24 * 365 * 1000, "3022-06-04T00:00:00Z"},
		{"hourly before year 1000", "2023-02-01T00:00:00.5Z", Hourly, -24 * 365 * 1500, "0524-01-31T00:00:00.5Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := utc(tt.start)
			got := Boundary(start, tt.p, tt.k)
			require.Equal(t, utc(tt.want), got)
			assert.Equal(t, tt.k, IndexAtOrBefore(start, tt.p, got))
			assert.Equal(t, tt.k, IndexAtOrBefore(start, tt.p, got.Add(time.Nanosecond)))
			assert.Equal(t, tt.k-1, IndexAtOrBefore(start, tt.p, got.Add(-time.Nanosecond)))
			assert.Equal(t, tt.k, IndexAtOrAfter(start, tt.p, got))
			assert.Equal(t, tt.k, IndexAtOrAfter(start, tt.p, got.Add(-time.Nanosecond)))
			assert.Equal(t, tt.k+1, IndexAtOrAfter(start, tt.p, got.Add(time.Nanosecond)))
		})
	}
}

func TestDelaySubtractFrom(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"15m", "5d", "2w", "1y"} {
		d, err := ParseDelay(s)
		require.NoError(t, err)
		at := utc("2023-06-15T10:00:00Z")
		assert.Equal(t, at, d.SubtractFrom(d.AddTo(at)), s)
	}
	d, err := ParseDelay("1y")
	require.NoError(t, err)
	assert.Equal(t, utc("2023-02-28T00:00:00Z"), d.SubtractFrom(utc("2024-02-29T00:00:00Z")))
}
