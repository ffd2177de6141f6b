package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

func TestParseIterator(t *testing.T) {
	t.Parallel()
	want := time.Date(2023, 2, 1, 10, 0, 0, 0, time.UTC)
	wantFrac := time.Date(2023, 2, 1, 10, 0, 0, 500_000_000, time.UTC)
	tests := []struct {
		typ  IteratorDataType
		v    any
		want time.Time // zero: unparsable
	}{
		{IteratorDatetimeTZ, "2023-02-01T10:00:00Z", want},
		{IteratorTimestampTZ, "2023-02-01T12:00:00+02:00", want},
		{IteratorTimestampNTZ, "2023-02-01T10:00:00", want},
		{IteratorTimestamp, "2023-02-01T10:00:00.5", wantFrac},
		{IteratorTimestampLTZ, "2023-02-01T10:00:00.500Z", wantFrac},
		{IteratorDatetime, "2023-02-01 10:00:00", want},
		{IteratorDatetime, "2023-02-01 10:00:00.5", wantFrac},
		{IteratorDatetime, "2023-02-01 11:00:00+01:00", want},
		{IteratorDatetime, "2023-02-01 11:00:00 +0100", want},
		{IteratorDatetime, "2023-02-01 10:00:00 +0000 UTC", want},
		{IteratorDatetime, []byte("2023-02-01 10:00:00"), want},
		{IteratorDatetime, want.In(time.FixedZone("x", 3600)), want},
		{IteratorDatetime, "2023-02-01", time.Time{}},
		{IteratorDatetime, "soon", time.Time{}},
		{IteratorDatetime, 1675245600, time.Time{}},
		{IteratorDatetime, nil, time.Time{}},
		{IteratorDate, "2023-02-01", time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)},
		{IteratorDate, want, want},
		{IteratorDate, "2023-02-01T10:00:00Z", time.Time{}},
		{IteratorUnixTimeSecs, 1675245600, want},
		{IteratorUnixTimeSecs, int64(1675245600), want},
		{IteratorUnixTimeSecs, uint32(1675245600), want},
		{IteratorUnixTimeSecs, 1675245600.5, wantFrac},
		{IteratorUnixTimeSecs, json.Number("1675245600"), want},
		{IteratorUnixTimeSecs, " 1675245600 ", want},
		{IteratorUnixTimeSecs, "1675245600.5", wantFrac},
		{IteratorUnixTimeSecs, "2023-02-01", time.Time{}},
		{IteratorUnixTimeSecs, int64(1) << 62, time.Time{}},
		{IteratorUnixTimeMillis, int64(1675245600000), want},
		{IteratorUnixTimeMillis, int64(1675245600500), wantFrac},
		{IteratorUnixTimeMillis, -1500, time.Date(1969, 12, 31, 23, 59, 58, 500_000_000, time.UTC)},
		{IteratorUnixTimeMillis, float32(0), time.Unix(0, 0).UTC()},
		{IteratorUnixTimeMillis, json.Number("1675245600000"), want},
		{IteratorUnixTimeMillis, true, time.Time{}},
	}
	for _, tt := range tests {
		got, ok := parseIterator(tt.v, tt.typ)
		if tt.want.IsZero() {
			assert.False(t, ok, "%s %#v parsed as %s", tt.typ, tt.v, got)
			continue
		}
		if assert.True(t, ok, "%s %#v", tt.typ, tt.v) {
			assert.True(t, tt.want.Equal(got), "%s %#v: got %s, want %s", tt.typ, tt.v, got, tt.want)
		}
	}
}

func TestRowsCount(t *testing.T) {
	t.Parallel()
	src := Rows([]map[string]any{
		{"ts": int64(1000)},
		{"ts": int64(1999)},
		{"TS": int64(2000)},
		{"ts": "2500"},
		{"ts": "x"},
		{},
	})
	sm := SyncMode{Type: SyncIncremental, IteratorField: "ts", IteratorDataType: IteratorUnixTimeMillis}
	ms := func(n int64) time.Time { return time.UnixMilli(n).UTC() }
	for _, tt := range []struct {
		start, end time.Time
		want       int64
	}{
		{ms(1000), ms(2000), 2},
		{ms(1001), ms(2000), 1},
		{ms(1000), ms(2001), 3},
		{time.Time{}, ms(2000), 2},
		{ms(2000), time.Time{}, 2},
		{time.Time{}, time.Time{}, 4},
		{ms(3000), ms(4000), 0},
	} {
		ok, failed, err := src.Count(sm, tt.start, tt.end)
		require.NoError(t, err)
		assert.Equal(t, tt.want, ok, "[%s, %s)", tt.start, tt.end)
		assert.Equal(t, int64(2), failed)
	}
	all, failed, err := src.Count(SyncMode{Type: SyncFull}, time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, int64(6), all, "without an iterator every row syncs")
	assert.Zero(t, failed)
}

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // one connection: every query sees the same in-memory database
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestSQLSource(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	_, err := db.Exec(`CREATE TABLE users (id INTEGER, email TEXT, updated_on TEXT, seen DATETIME, epoch INTEGER)`)
	require.NoError(t, err)
	// Timestamps in the shapes SQLite users write; text comparison would order these wrongly.
	rows := []struct {
		updatedOn any
		seen      any
		epoch     any
	}{
		{"2023-02-01T10:00:00Z", time.Date(2023, 2, 1, 10, 0, 0, 0, time.UTC), 1675245600},
		{"2023-02-01 10:30:00", time.Date(2023, 2, 1, 10, 30, 0, 0, time.UTC), 1675247400},
		{"2023-02-01T12:59:59+02:00", time.Date(2023, 2, 1, 10, 59, 59, 0, time.UTC), 1675249199},
		{"2023-02-01 11:00:00", time.Date(2023, 2, 1, 11, 0, 0, 0, time.UTC), 1675249200},
		{nil, nil, nil},
		{"not a time", "not a time", "x"},
	}
	for i, r := range rows {
		_, err := db.Exec(`INSERT INTO users VALUES (?, ?, ?, ?, ?)`, i, "u@example.com", r.updatedOn, r.seen, r.epoch)
		require.NoError(t, err)
	}
	src := SQL(db, "SELECT id, updated_on, seen, epoch FROM users WHERE email LIKE '%@example.com'")
	start, end := time.Date(2023, 2, 1, 10, 0, 0, 0, time.UTC), time.Date(2023, 2, 1, 11, 0, 0, 0, time.UTC)
	for _, sm := range []SyncMode{
		{IteratorField: "updated_on", IteratorDataType: IteratorTimestampNTZ},
		{IteratorField: "seen", IteratorDataType: IteratorDatetime},
		{IteratorField: "epoch", IteratorDataType: IteratorUnixTimeSecs},
	} {
		ok, failed, err := src.Count(sm, start, end)
		require.NoError(t, err, sm.IteratorField)
		assert.Equal(t, int64(3), ok, sm.IteratorField)
		assert.Equal(t, int64(2), failed, sm.IteratorField)
	}

	n, failed, err := src.Count(SyncMode{Type: SyncFull}, time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, int64(6), n)
	assert.Zero(t, failed)

	_, _, err = src.Count(SyncMode{IteratorField: `x"; DROP TABLE users; --`}, start, end)
	require.True(t, errors.Is(err, errIteratorField))
	_, _, err = src.Count(SyncMode{IteratorField: "missing_column", IteratorDataType: IteratorDate}, start, end)
	require.Error(t, err)
	_, _, err = SQL(db, "SELECT FROM nowhere").Count(SyncMode{IteratorField: "id"}, start, end)
	require.Error(t, err)
}

func TestSQLSourceInRuns(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	_, err := db.Exec(`CREATE TABLE events (updated_on TEXT)`)
	require.NoError(t, err)
	for _, v := range []string{"2023-02-01 00:10:00", "2023-02-01 00:50:00", "2023-02-01 01:10:00"} {
		_, err := db.Exec(`INSERT INTO events VALUES (?)`, v)
		require.NoError(t, err)
	}
	env := newTestEnv()
	env.sources["model"] = SQL(db, "SELECT updated_on FROM events")
	e := withEnv(hourlyFromFeb1(t, Config{}), env)
	advance(t, e, at(t, "2023-02-01T02:01:00Z"))
	runs := allRuns(t, e, "p")
	require.Len(t, runs, 2)
	assert.Equal(t, int64(2), runs[0].SuccessfulRecords)
	assert.Equal(t, int64(1), runs[1].SuccessfulRecords)

	// A query that fails makes the run fail with the database's error.
	env.sources["model"] = SQL(db, "SELECT updated_on FROM no_such_table")
	advance(t, e, at(t, "2023-02-01T03:13:00Z"))
	r := newestRun(t, e, "p")
	require.Equal(t, RunFailed, r.Status)
	require.Len(t, r.Errors, 1)
	assert.Contains(t, r.Errors[0].Message, "no_such_table")
}

// hangingConnector opens connections whose queries never answer: they wait for the caller's context.
type hangingConnector struct{}

func (hangingConnector) Connect(context.Context) (driver.Conn, error) { return hangingConn{}, nil }
func (hangingConnector) Driver() driver.Driver                        { return nil }

type hangingConn struct{}

func (hangingConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (hangingConn) Close() error                        { return nil }
func (hangingConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

func (hangingConn) QueryContext(ctx context.Context, _ string, _ []driver.NamedValue) (driver.Rows, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestSQLSourceQueryIsBounded is a regression test: the query ran without a deadline while the fake
// server's mutex was held, so a test database that never answered stalled the whole server for good.
func TestSQLSourceQueryIsBounded(t *testing.T) {
	t.Parallel()
	db := sql.OpenDB(hangingConnector{})
	t.Cleanup(func() { _ = db.Close() })
	for _, sm := range []SyncMode{{}, {IteratorField: "id", IteratorDataType: IteratorTimestamp}} {
		src := &sqlSource{db: db, query: "SELECT 1", timeout: time.Millisecond}
		_, _, err := src.Count(sm, time.Time{}, time.Time{})
		require.ErrorIs(t, err, context.DeadlineExceeded, "iterator field %q", sm.IteratorField)
		assert.Contains(t, err.Error(), "the query took longer than 1ms")
	}
	assert.Equal(t, SQLTimeout, SQL(db, "SELECT 1").(*sqlSource).timeout)
}
