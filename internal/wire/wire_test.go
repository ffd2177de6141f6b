package wire_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

func TestCheckSlug(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", wire.MaxIDLength)
	for s, want := range map[string]wire.SlugProblem{
		"":          wire.SlugEmpty,
		"a":         wire.SlugOK,
		"Az09_-":    wire.SlugOK,
		long:        wire.SlugOK,
		long + "x":  wire.SlugTooLong,
		"a/b":       wire.SlugBadChars,
		"a b":       wire.SlugBadChars,
		"ü":         wire.SlugBadChars,
		"a.b":       wire.SlugBadChars,
		long + "/":  wire.SlugTooLong, // length is checked first
		"%2F":       wire.SlugBadChars,
		"\x00":      wire.SlugBadChars,
		"-leading-": wire.SlugOK,
	} {
		assert.Equalf(t, want, wire.CheckSlug(s), "%q", s)
		assert.Equalf(t, want == wire.SlugOK, wire.ValidSlug(s), "%q", s)
	}
}

func TestYears(t *testing.T) {
	t.Parallel()
	last := wire.LastInstant()
	assert.Equal(t, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), last)
	assert.True(t, wire.InYears(last))
	assert.False(t, wire.InYears(last.Add(time.Nanosecond)))
	first := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.True(t, wire.InYears(first))
	assert.False(t, wire.InYears(first.Add(-time.Nanosecond)))
	// The year is the one in UTC: 0000-01-01T00:30+01:00 is still in year -1.
	assert.False(t, wire.InYears(time.Date(0, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600))))

	assert.NoError(t, wire.CheckYears("x", last))
	err := wire.CheckYears("10000-01-01", last.Add(time.Nanosecond))
	assert.EqualError(t, err, `timestamp "10000-01-01" is outside the years 0000 to 9999 in UTC`)
}

func TestProviderTable(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"password", "service_account_key", "client_secret"}, wire.SecretKeys())
	p, found := wire.LookupProvider("BigQuery")
	assert.True(t, found)
	assert.Equal(t, []string{"service_account_key"}, p.SecretKeys())
	_, found = wire.LookupProvider("bigquery")
	assert.False(t, found, "provider names are case-sensitive")
	for _, p := range wire.Providers() {
		for _, k := range p.Config {
			assert.Falsef(t, k.Secret && !k.Required, "%s.%s: every secret is required", p.Name, k.Name)
		}
	}
	s := wire.SecretKeys()
	s[0] = "changed"
	assert.Equal(t, "password", wire.SecretKeys()[0], "each call returns a new slice")
}

func TestEnumNamesAndValues(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, e := range wire.Enums() {
		assert.NotEqual(t, "Enum(?)", e.String())
		assert.Falsef(t, names[e.String()], "%s named twice", e)
		names[e.String()] = true
		assert.NotEmptyf(t, e.Values(), "%s has no values", e)
	}
	assert.True(t, wire.RunStatus.Has("retrying"))
	assert.False(t, wire.ScheduleType.Has(wire.ScheduleOnDemandAlias), "the alias is no value the API writes")
	assert.Equal(t, []string{"Snowflake", "BigQuery", "Redshift", "Databricks"}, wire.ServiceProvider.Values())
}

func TestDecodeInteger(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{`7`: 7, `"7"`: 7, `" 7 "`: 7, `1e3`: 1000, `100.0`: 100, `null`: 0, `""`: 0, ``: 0, `-3`: -3} {
		got, err := wire.DecodeInteger([]byte(in))
		assert.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{`1.5`, `"x"`, `true`, `"` + strings.Repeat("9", 60) + `"`} {
		_, err := wire.DecodeInteger([]byte(in))
		assert.ErrorContains(t, err, "is not an integer", in)
	}
}
