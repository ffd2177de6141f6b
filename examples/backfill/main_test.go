package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

func TestRunAgainstTheFake(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }))
	text := out.String()

	assert.True(t, strings.HasPrefix(text, "Running against the embedded fake server"), "first line: %.80q", text)
	for _, want := range []string{
		"2025-03-04 06:00  3 days later: 3 runs, pipeline idle\n",
		"2025-03-07 06:00  3 days later: 0 runs, pipeline stopped\n",
		// After the pause, the first run reaches back to the end of the last successful one.
		"run 4 success: 2025-03-04 00:00 → 2025-03-08 00:00, 16 records\n",
		"2025-03-11 06:00  2 days later: 1 run, pipeline faulted\n",
		"run 6 failed: 2025-03-09 00:00 → 2025-03-10 00:00, 0 records (Warehouse compute_wh is suspended.)\n",
		// After the fault, likewise.
		"run 7 success: 2025-03-09 00:00 → 2025-03-12 00:00, 12 records\n",
		"the successful runs cover 2025-03-01 00:00 → 2025-03-13 00:00 with no gap and no overlap\n",
		"they synced 48 records; 48 rows were updated in that time\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.Regexp(t, `(?m)^ID +TYPE +STATUS +LOGICAL DATE +RANGE +DAYS +RECORDS$`, text)
	assert.Len(t, regexp.MustCompile(`(?m)^\d+ +scheduled +(success|failed) `).FindAllString(text, -1), 8)
	assert.True(t, strings.HasSuffix(text, "nothing was skipped\n"))
}

func TestRunRefusesCredentials(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &out, func(name string) string {
		if name == ws.EnvClientSecret {
			return "secret-value"
		}
		return ""
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "runs only against the embedded fake server")
	assert.Contains(t, err.Error(), "MPARTICLE_CLIENT_SECRET set")
	assert.NotContains(t, err.Error(), "secret-value")
	assert.Empty(t, out.String())
}

func TestCheckFindsGapsAndMissedRows(t *testing.T) {
	t.Parallel()
	day := func(d int) ws.Timestamp { return ws.NewTimestamp(day0().AddDate(0, 0, d)) }
	run := func(id int64, status ws.RunStatus, from, to int, records int64) *ws.Run {
		return &ws.Run{ID: id, Status: status, RangeStart: day(from), RangeEnd: day(to), SuccessfulRecords: records}
	}
	tests := []struct {
		name string
		runs []*ws.Run
		err  string
	}{
		{"contiguous", []*ws.Run{run(1, ws.RunSuccess, 0, 1, 4), run(2, ws.RunFailed, 1, 2, 0), run(3, ws.RunSuccess, 1, 3, 8)}, ""},
		{"gap", []*ws.Run{run(1, ws.RunSuccess, 0, 1, 4), run(2, ws.RunSuccess, 2, 3, 4)}, "run 2 starts at 2025-03-03 00:00, but the previous successful run ended at 2025-03-02 00:00"},
		{"overlap", []*ws.Run{run(1, ws.RunSuccess, 0, 2, 8), run(2, ws.RunSuccess, 1, 3, 8)}, "run 2 starts at 2025-03-02 00:00"},
		{"missed rows", []*ws.Run{run(1, ws.RunSuccess, 0, 2, 7)}, "synced 7 records, want 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := check(&bytes.Buffer{}, tt.runs)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
	assert.Equal(t, int64(rowsPerDay), rowsIn(day0(), day0().Add(24*time.Hour)))
}
