package contract_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// TestTheTwoEncodingsAgree checks the fake's encoding (the engine's own types) against the client's
// (the public types), which share no code: what the engine writes, the client decodes and writes again
// as the same JSON. A field renamed, dropped or formatted differently on one side fails it.
func TestTheTwoEncodingsAgree(t *testing.T) {
	t.Parallel()
	base := time.Date(2023, 10, 24, 19, 59, 30, 828_000_000, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		when := func(label string) engine.Timestamp {
			if rapid.Bool().Draw(t, label+" null") {
				return engine.Timestamp{}
			}
			return engine.NewTimestamp(base.Add(time.Duration(rapid.Int64Range(-1e6, 1e6).Draw(t, label)) * time.Millisecond))
		}
		text := func(label string) string {
			return rapid.SampledFrom([]string{"", "a", "ünï <b>&", `q"\`}).Draw(t, label)
		}
		pick := func(e wire.Enum, label string) string { return rapid.SampledFrom(e.Values()).Draw(t, label) }
		num := func(label string) *int64 {
			if rapid.Bool().Draw(t, label+" nil") {
				return nil
			}
			v := rapid.Int64Range(0, 1<<40).Draw(t, label)
			return &v
		}
		errs := func(label string) []engine.ErrorDetail {
			n := rapid.IntRange(0, 2).Draw(t, label)
			if n == 0 {
				return nil
			}
			out := make([]engine.ErrorDetail, n)
			for i := range out {
				out[i] = engine.ErrorDetail{Message: text(label + " message"), Code: text(label + " code")}
			}
			return out
		}
		sched := engine.Schedule{Type: engine.ScheduleType(pick(wire.ScheduleType, "schedule")),
			Frequency: engine.Frequency(pick(wire.Frequency, "frequency")), Start: when("start"), End: when("end")}
		if rapid.Bool().Draw(t, "delay") {
			d, err := engine.ParseDelay(rapid.SampledFrom([]string{"5m", "1h", "2d", "1w", "1y", "30s"}).Draw(t, "delay value"))
			require.NoError(t, err)
			sched.Delay = d
		}
		pl := engine.Pipeline{ID: "p", Name: text("name"), PipelineType: engine.PipelineType(pick(wire.PipelineType, "type")),
			ConnectionID: "c", FieldTransformationID: text("ft"), DataModelID: "m", PartnerFeedID: num("feed"),
			PartnerFeedKey: text("key"), State: engine.StateValue(pick(wire.PipelineState, "state")),
			Status: engine.PipelineStatus(pick(wire.PipelineStatus, "status")), Errors: errs("pipeline errors"),
			SyncMode: engine.SyncMode{Type: engine.SyncModeType(pick(wire.SyncModeType, "sync")), IteratorField: text("field"),
				IteratorDataType: engine.IteratorDataType(pick(wire.IteratorDataType, "iterator")), From: when("from"), Until: when("until")},
			Schedule: sched, Environment: engine.Environment(pick(wire.Environment, "environment")), DataPlanID: text("plan"),
			DataPlanVersion: num("version"), CreatedOn: when("created"), CreatedBy: text("by"),
			LastModifiedOn: when("modified"), LastModifiedBy: text("modified by")}
		run := engine.Run{ID: rapid.Int64Range(1, 1<<50).Draw(t, "run id"), PipelineID: "p",
			Type: engine.RunType(pick(wire.RunType, "run type")), Status: engine.RunStatus(pick(wire.RunStatus, "run status")),
			Errors: errs("run errors"), LogicalDate: when("logical"), StartedOn: when("started"), EndedOn: when("ended"),
			RangeStart: when("range start"), RangeEnd: when("range end"),
			SuccessfulRecords: rapid.Int64Range(0, 1<<40).Draw(t, "ok"), FailedRecords: rapid.Int64Range(0, 1<<40).Draw(t, "failed")}
		provider := rapid.SampledFrom(wire.Providers()).Draw(t, "provider")
		cfg := engine.ConnectionConfig{}
		for _, k := range provider.Config {
			if v := text("config " + k.Name); v != "" || k.Required {
				cfg[k.Name] = v + "x"
			}
		}
		conn := engine.Connection{ID: "c", Name: text("connection name"), State: engine.StateValue(pick(wire.ConnectionState, "connection state")),
			Status: engine.ConnectionStatus(pick(wire.ConnectionStatus, "connection status")), Errors: errs("connection errors"),
			ServiceProvider: provider.Name, Config: cfg, CreatedOn: when("connection created"), CreatedBy: text("connection by")}
		model := engine.DataModel{ID: "m", Name: text("model name"), State: engine.StateValue(pick(wire.DataModelState, "model state")),
			Status: engine.DataModelStatus(pick(wire.DataModelStatus, "model status")), Errors: errs("model errors"), Type: "sql",
			Config: engine.DataModelConfig{SQLQuery: text("query")}, LastModifiedOn: when("model modified")}

		roundTrip(t, pl, &ws.Pipeline{})
		roundTrip(t, run, &ws.Run{})
		roundTrip(t, engine.RunPage{Items: []*engine.Run{&run}, CurrentPage: 1, PageSize: 50, TotalPages: 1, TotalItems: 1}, &ws.RunPage{})
		roundTrip(t, conn, &ws.Connection{})
		roundTrip(t, model, &ws.DataModel{})
	})
}

// roundTrip encodes v with the fake's encoding, decodes it into the client's type and encodes that: the
// two JSON texts must say the same.
func roundTrip(t *rapid.T, v any, client any) {
	fake := encode(t, v)
	require.NoError(t, json.Unmarshal(fake, client), string(fake))
	require.JSONEq(t, string(fake), string(encode(t, client)))
}

// encode writes v as the fake does: encoding/json without HTML escaping.
func encode(t *rapid.T, v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return b.Bytes()
}
