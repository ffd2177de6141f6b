package warehousesync

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// strs converts typed enum constants to their wire strings.
func strs[T ~string](values ...T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// TestMaskedSecretIsTheWireMask checks that the mask users compare with is the one the token request,
// the fake's replies and its request log print.
func TestMaskedSecretIsTheWireMask(t *testing.T) {
	t.Parallel()
	assert.Equal(t, wire.MaskedSecret, MaskedSecret)
}

// TestEnumConstantsMatchTheWireTables checks that the typed constants of this package are exactly the
// values of the shared tables that the fake validates requests with, in the same order.
func TestEnumConstantsMatchTheWireTables(t *testing.T) {
	t.Parallel()
	constants := map[wire.Enum][]string{
		wire.ConnectionState:  strs(StateNew, StateActive, StateInactive),
		wire.ConnectionStatus: strs(ConnectionHealthy, ConnectionFaulted),
		wire.DataModelState:   strs(StateNew, StateActive, StateInactive),
		wire.DataModelStatus:  strs(DataModelValid, DataModelInvalid),
		wire.DataModelType:    strs(DataModelSQL),
		wire.PipelineState:    strs(StateNew, StateActive, StatePaused),
		wire.PipelineStatus:   strs(PipelineIdle, PipelineRunning, PipelineFaulted, PipelineStopped),
		wire.PipelineType:     strs(PipelineUserAttributes, PipelineEvents),
		wire.ServiceProvider:  strs(ProviderSnowflake, ProviderBigQuery, ProviderRedshift, ProviderDatabricks),
		wire.SyncModeType:     strs(SyncIncremental, SyncFull),
		wire.IteratorDataType: strs(IteratorTimestamp, IteratorDatetime, IteratorDatetimeTZ, IteratorDate,
			IteratorTimestampLTZ, IteratorTimestampNTZ, IteratorTimestampTZ, IteratorUnixTimeMillis, IteratorUnixTimeSecs),
		wire.ScheduleType:  strs(ScheduleInterval, ScheduleOnce, ScheduleOnDemand),
		wire.Frequency:     strs(FrequencyHourly, FrequencyDaily, FrequencyWeekly, FrequencyMonthly),
		wire.Environment:   strs(EnvironmentDevelopment, EnvironmentProduction),
		wire.RunType:       strs(RunScheduled, RunManual),
		wire.RunStatus:     strs(RunQueued, RunRunning, RunRetrying, RunSuccess, RunFailed, RunStopped),
		wire.TriggerStatus: strs(TriggerAttemptRequested),
	}
	for _, e := range wire.Enums() {
		want, found := constants[e]
		if assert.Truef(t, found, "no constants listed for table %s", e) {
			assert.Equalf(t, want, e.Values(), "table %s", e)
		}
	}
	assert.Len(t, constants, len(wire.Enums()))

	var st ScheduleType
	require.NoError(t, st.UnmarshalText([]byte(wire.ScheduleOnDemandAlias)))
	assert.Equal(t, ScheduleOnDemand, st, "the alias of the table decodes as on_demand")
}

// TestConfigTypesMatchTheProviderTable checks that each provider of the shared table decodes to a config
// type of this package whose JSON keys are the table's keys, and whose Secret fields are exactly the
// keys the table marks secret, so a provider added to one and not the other is caught.
func TestConfigTypesMatchTheProviderTable(t *testing.T) {
	t.Parallel()
	for _, p := range wire.Providers() {
		var conn Connection
		require.NoError(t, json.Unmarshal([]byte(`{"service_provider":"`+p.Name+`","config":{}}`), &conn))
		require.NotNil(t, conn.Config, p.Name)
		_, raw := conn.Config.(*RawConfig)
		require.Falsef(t, raw, "%s decodes to no config type of this package", p.Name)
		assert.Equal(t, ServiceProvider(p.Name), conn.Config.ServiceProvider())

		typ := reflect.TypeOf(conn.Config).Elem()
		var keys, secrets []string
		for i := range typ.NumField() {
			key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			keys = append(keys, key)
			if typ.Field(i).Type == reflect.TypeOf(Secret("")) {
				secrets = append(secrets, key)
			}
		}
		var tableKeys []string
		for _, k := range p.Config {
			tableKeys = append(tableKeys, k.Name)
		}
		assert.Equalf(t, tableKeys, keys, "%s config keys", p.Name)
		assert.Equalf(t, p.SecretKeys(), secrets, "%s secret keys", p.Name)
	}
}

// TestIDAndTimestampRulesAreTheWireRules checks that the client refuses exactly the ids and years the
// shared rules refuse.
func TestIDAndTimestampRulesAreTheWireRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", wire.MaxIDLength)
	for _, id := range []string{"", "a", "a-b_C9", long, long + "a", "a/b", "ü", "a b"} {
		assert.Equalf(t, wire.ValidSlug(id), validateID("id", id) == nil, "id %q", id)
	}
	for _, s := range []string{"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999-01:00",
		"0000-01-01T00:30:00+01:00"} {
		_, err := ParseTimestamp(s)
		parsed, perr := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, perr)
		assert.Equalf(t, wire.InYears(parsed), err == nil, "timestamp %s", s)
	}
}
