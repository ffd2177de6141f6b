package warehousesync

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimestampDecodesEveryShape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		`"2023-10-24T19:59:30.828Z"`:            time.Date(2023, 10, 24, 19, 59, 30, 828e6, time.UTC),
		`"2023-10-24T21:59:30.828+02:00"`:       time.Date(2023, 10, 24, 19, 59, 30, 828e6, time.UTC),
		`"2023-02-03T23:53:08.413"`:             time.Date(2023, 2, 3, 23, 53, 8, 413e6, time.UTC),
		`"2022-12-09T22:00:06.98"`:              time.Date(2022, 12, 9, 22, 0, 6, 980e6, time.UTC),
		`"2022-12-09T22:00:06.9"`:               time.Date(2022, 12, 9, 22, 0, 6, 900e6, time.UTC),
		`"2022-12-09T22:00:06.123456789"`:       time.Date(2022, 12, 9, 22, 0, 6, 123456789, time.UTC),
		`"2022-12-09T22:00:06.123456789-05:00"`: time.Date(2022, 12, 10, 3, 0, 6, 123456789, time.UTC),
		`"2022-10-30T11:00:16Z"`:                time.Date(2022, 10, 30, 11, 0, 16, 0, time.UTC),
		`"2022-10-30T11:00:16"`:                 time.Date(2022, 10, 30, 11, 0, 16, 0, time.UTC),
		`null`:                                  {},
		`""`:                                    {},
	} {
		var ts Timestamp
		require.NoError(t, json.Unmarshal([]byte(in), &ts), in)
		assert.True(t, want.Equal(ts.Time), "%s: got %v", in, ts.Time)
		if !want.IsZero() {
			assert.Equal(t, time.UTC, ts.Location(), in)
		}
	}
}

func TestTimestampRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`"2023-03-01T:12:00:00Z"`, `"yesterday"`, `"2023-02-30T00:00:00Z"`, `12345`, `true`, `{}`} {
		var ts Timestamp
		err := json.Unmarshal([]byte(in), &ts)
		assert.Error(t, err, in)
	}
}

func TestTimestampEncodes(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(NewTimestamp(time.Date(2023, 2, 3, 23, 53, 8, 413_900_000, time.FixedZone("x", 3600))))
	require.NoError(t, err)
	assert.Equal(t, `"2023-02-03T22:53:08.413Z"`, string(b))
	b, err = json.Marshal(Timestamp{})
	require.NoError(t, err)
	assert.Equal(t, `null`, string(b))
	assert.Equal(t, "", Timestamp{}.String())

	// omitzero leaves zero timestamps out where the tag says so.
	b, err = json.Marshal(SyncMode{Type: SyncFull})
	require.NoError(t, err)
	assert.Equal(t, `{"type":"full"}`, string(b))
}

func TestDelay(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"30s": 30 * time.Second,
		"15m": 15 * time.Minute,
		"2h":  2 * time.Hour,
		"5d":  5 * 24 * time.Hour,
		"1w":  7 * 24 * time.Hour,
		"1y":  365 * 24 * time.Hour,
	} {
		d, err := ParseDelay(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, d.Duration(), in)
		assert.Equal(t, in, d.String())
		assert.False(t, d.IsZero())
	}
	for _, in := range []string{"", "m", "15", "15M", "1.5h", "-1d", "15 m", "1x", "99999999999999999999s", "101y"} {
		_, err := ParseDelay(in)
		assert.Error(t, err, in)
	}
	y, err := ParseDelay("1y")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC), y.AddTo(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)))
}

func TestDelayJSON(t *testing.T) {
	t.Parallel()
	var s Schedule
	require.NoError(t, json.Unmarshal([]byte(`{"type":"interval","frequency":"hourly","delay":"15m"}`), &s))
	assert.Equal(t, 15*time.Minute, s.Delay.Duration())
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, `{"type":"interval","frequency":"hourly","delay":"15m"}`, string(b))

	require.NoError(t, json.Unmarshal([]byte(`{"type":"on_demand","delay":""}`), &s))
	assert.True(t, s.Delay.IsZero())
	b, err = json.Marshal(Schedule{Type: ScheduleOnDemand})
	require.NoError(t, err)
	assert.Equal(t, `{"type":"on_demand"}`, string(b), "no delay is left out")

	err = json.Unmarshal([]byte(`{"delay":"5 days"}`), &s)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"5 days"`)
}

func TestScheduleTypeAcceptsBothSpellings(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"on_demand", "on-demand"} {
		var s Schedule
		require.NoError(t, json.Unmarshal([]byte(`{"type":"`+in+`"}`), &s))
		assert.Equal(t, ScheduleOnDemand, s.Type)
		b, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, `{"type":"on_demand"}`, string(b))
	}
}

func TestFlexInt64(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		`42`: 42, `"42"`: 42, `" 42 "`: 42, `null`: 0, `""`: 0, `-7`: -7, `1e3`: 1000, `100.0`: 100,
		`9223372036854775807`: 9223372036854775807,
	} {
		var f flexInt64
		require.NoError(t, json.Unmarshal([]byte(in), &f), in)
		assert.Equal(t, want, int64(f), in)
	}
	for _, in := range []string{`1.5`, `"abc"`, `true`, `{}`, `"1.5"`, `[1]`} {
		var f flexInt64
		assert.Error(t, json.Unmarshal([]byte(in), &f), in)
	}
}

func TestNumbersAsStringsOrIntegers(t *testing.T) {
	t.Parallel()
	var p Pipeline
	require.NoError(t, json.Unmarshal([]byte(`{"id":"p","partner_feed_id":"12","data_plan_version":"3"}`), &p))
	assert.Equal(t, Int64(12), p.PartnerFeedID)
	assert.Equal(t, Int64(3), p.DataPlanVersion)
	require.NoError(t, json.Unmarshal([]byte(`{"id":"p","partner_feed_id":null,"data_plan_version":4}`), &p))
	assert.Nil(t, p.PartnerFeedID)
	assert.Equal(t, Int64(4), p.DataPlanVersion)

	var r Report
	require.NoError(t, json.Unmarshal([]byte(`{"latest_successful_pipeline_run_id":"99","latest_pipeline_run":{"id":"98","successful_records":"5"}}`), &r))
	assert.Equal(t, Int64(99), r.LatestSuccessfulPipelineRunID)
	assert.EqualValues(t, 98, r.LatestPipelineRun.ID)
	assert.EqualValues(t, 5, r.LatestPipelineRun.SuccessfulRecords)

	var tr TriggerResponse
	require.NoError(t, json.Unmarshal([]byte(`{"pipeline_run_id":"13325","status":"attempt_requested"}`), &tr))
	assert.EqualValues(t, 13325, tr.PipelineRunID)

	var run Run
	err := json.Unmarshal([]byte(`{"id":"x"}`), &run)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x is not an integer")
}

func TestUnknownFieldsAreIgnored(t *testing.T) {
	t.Parallel()
	var p Pipeline
	require.NoError(t, json.Unmarshal([]byte(`{"id":"p","new_field":{"a":[1,2]},"schedule":{"type":"once","extra":1}}`), &p))
	assert.Equal(t, "p", p.ID)
	var r RunPage
	require.NoError(t, json.Unmarshal([]byte(`{"items":[{"id":1,"other":true}],"next_cursor":"abc"}`), &r))
	assert.Len(t, r.Items, 1)
}

func TestConnectionServiceProviderFromConfig(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[ConnectionConfig]string{
		&SnowflakeConfig{}:  "Snowflake",
		&BigQueryConfig{}:   "BigQuery",
		&RedshiftConfig{}:   "Redshift",
		&DatabricksConfig{}: "Databricks",
	} {
		b, err := json.Marshal(Connection{ID: "c", Config: cfg})
		require.NoError(t, err)
		assert.Contains(t, string(b), `"service_provider":"`+want+`"`)
		var back Connection
		require.NoError(t, json.Unmarshal(b, &back))
		assert.IsType(t, cfg, back.Config)
	}
	// An explicit provider is kept.
	b, err := json.Marshal(Connection{ID: "c", ServiceProvider: "Other", Config: &RawConfig{Provider: "Other", JSON: json.RawMessage(`{"k":1}`)}})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"service_provider":"Other","config":"`+MaskedSecret+`"`, "an unknown config is all secret")
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := Secret("hunter2")
	cfg := &RedshiftConfig{User: "u", Password: s}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("cfg", "password", s, "config", cfg)
	for _, text := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %s %q %+v %#v", s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), fmt.Sprintf("%v", *cfg), logged.String(),
	} {
		assert.NotContains(t, text, "hunter2")
	}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"password":"************"`, "json.Marshal masks")
	b, err = json.Marshal(revealedConfig(cfg))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"password":"hunter2"`, "the API gets the real value")
	assert.True(t, Secret(MaskedSecret).IsMasked())
	assert.Equal(t, "", Secret("").String())
}

func TestRawConfigString(t *testing.T) {
	t.Parallel()
	raw := &RawConfig{Provider: "Postgres", JSON: json.RawMessage(`{"password":"hunter2"}`)}
	assert.Equal(t, "RawConfig{Provider: Postgres, 22 bytes}", raw.String())
	assert.NotContains(t, fmt.Sprintf("%v %+v", raw, raw), "hunter2")
}

// TestRawConfigIsAllSecret: a config of unknown shape may hold a secret under any key (pwd, dsn, …), so
// every output path shows none of it: json.Marshal, every fmt verb of the value and of a pointer
// (%#v of a pointer printed the bytes in hex), slog's text and JSON handlers, also nested.
func TestRawConfigIsAllSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value"
	raw := RawConfig{Provider: "Postgres", JSON: json.RawMessage(`{"pwd":"` + secret + `","dsn":"u:` + secret + `@h"}`)}
	conn := Connection{ID: "pg", ServiceProvider: "Postgres", Config: &raw}
	type mine struct {
		Config RawConfig
		Ptr    *RawConfig
		Conn   *Connection
	}
	nested := mine{Config: raw, Ptr: &raw, Conn: &conn}
	var texts []string
	for _, v := range []any{raw, &raw, conn, &conn, nested, []any{raw, &raw}, map[string]any{"c": raw}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			texts = append(texts, fmt.Sprintf(verb, v))
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		texts = append(texts, string(b))
		for _, h := range []func(*strings.Builder) slog.Handler{
			func(b *strings.Builder) slog.Handler { return slog.NewTextHandler(b, nil) },
			func(b *strings.Builder) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var out strings.Builder
			slog.New(h(&out)).Info("config", "v", v)
			texts = append(texts, out.String())
		}
	}
	texts = append(texts, raw.GoString(), raw.String())
	for _, text := range texts {
		assert.NotContains(t, text, secret)
		assert.NotContains(t, text, "7333637233742d76616c7565", "hex of the secret")
		assert.NotContains(t, text, "pwd")
	}
	assert.Contains(t, fmt.Sprintf("%#v", &raw), "47 bytes withheld") // the GoString, not the bytes
	// Only the client's request encoding sends the bytes, for a pointer and a value alike.
	for _, cfg := range []ConnectionConfig{&raw, raw} {
		b, err := json.Marshal(revealedConfig(cfg))
		require.NoError(t, err)
		assert.JSONEq(t, string(raw.JSON), string(b))
	}
}

func TestRunStatusTerminal(t *testing.T) {
	t.Parallel()
	for s, want := range map[RunStatus]bool{
		RunQueued: false, RunRunning: false, RunRetrying: false, RunSuccess: true, RunFailed: true, RunStopped: true,
	} {
		assert.Equal(t, want, s.Terminal(), s)
	}
}

func TestErrorDetailCodeOfAnyType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]ErrorDetail{
		`{"message":"m","code":"E1"}`: {Message: "m", Code: "E1"},
		`{"message":"m","code":1001}`: {Message: "m", Code: "1001"},
		`{"message":"m","code":null}`: {Message: "m"},
		`{"message":"m"}`:             {Message: "m"},
	} {
		var got ErrorDetail
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		assert.Equal(t, want, got, in)
	}
	// A faulted connection whose errors carry numeric codes still decodes.
	var conn Connection
	require.NoError(t, json.Unmarshal([]byte(`{"id":"c","status":"faulted","errors":[{"code":505,"message":"down"}]}`), &conn))
	assert.Equal(t, []ErrorDetail{{Message: "down", Code: "505"}}, conn.Errors)
}
