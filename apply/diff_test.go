package apply

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// TestUpdateBodySecrets: an update sends a declared secret as it is and the mask (keep the stored
// value) for a secret left out or declared unchanged; undeclared fields keep their stored values.
func TestUpdateBodySecrets(t *testing.T) {
	t.Parallel()
	stored := &ws.Connection{ID: "sf", Name: "old", State: ws.StateActive, ServiceProvider: ws.ProviderSnowflake,
		Status: ws.ConnectionHealthy, CreatedBy: "someone",
		Config: &ws.SnowflakeConfig{AccountIdentifier: "a", User: "u", Password: ws.MaskedSecret, AWSIAMUserARN: "arn:server"}}
	for _, tc := range []struct {
		declared ws.Secret
		sent     ws.Secret
	}{{"new-secret", "new-secret"}, {"", ws.MaskedSecret}, {ws.MaskedSecret, ws.MaskedSecret}} {
		want := &ws.Connection{ID: "sf", Name: "new", Config: &ws.SnowflakeConfig{User: "u2", Password: tc.declared}}
		body, err := updateBody(want, stored, nil)
		require.NoError(t, err)
		conn := body.(*ws.Connection)
		cfg := conn.Config.(*ws.SnowflakeConfig)
		assert.Equal(t, tc.sent, cfg.Password, "declared %q", string(tc.declared))
		assert.Equal(t, "new", conn.Name)
		assert.Equal(t, ws.StateActive, conn.State, "undeclared: the stored value")
		assert.Equal(t, "u2", cfg.User)
		assert.Equal(t, "a", cfg.AccountIdentifier)
		assert.Equal(t, "arn:server", cfg.AWSIAMUserARN, "server-filled config is sent back")
		assert.Empty(t, conn.Status, "read-only fields are not sent")
		assert.Empty(t, conn.CreatedBy)
	}
}

// TestSecretsOfEveryProvider: the secrets found in each provider's config type are the secret keys the
// API's provider table names, so a secret is never compared as a plain field or left unsent.
func TestSecretsOfEveryProvider(t *testing.T) {
	t.Parallel()
	configs := map[string]ws.ConnectionConfig{
		"Snowflake":  &ws.SnowflakeConfig{Password: "p"},
		"BigQuery":   &ws.BigQueryConfig{ServiceAccountKey: "k"},
		"Redshift":   &ws.RedshiftConfig{Password: "p"},
		"Databricks": &ws.DatabricksConfig{},
	}
	for _, p := range wire.Providers() {
		cfg, known := configs[p.Name]
		require.True(t, known, "a config for provider %s", p.Name)
		var want, got []string
		for _, k := range p.SecretKeys() {
			want = append(want, "config."+k)
		}
		for _, s := range secretsOf(&ws.Connection{Config: cfg}) {
			got = append(got, s.path)
		}
		assert.Equal(t, want, got, p.Name)
	}
	assert.Empty(t, secretsOf(&ws.Connection{Config: &ws.RawConfig{JSON: []byte(`{"password":"p"}`)}}))
	assert.Empty(t, secretsOf(&ws.Connection{}))
	assert.Empty(t, secretsOf(nil))
}

// TestConfigOfUnknownShapeIsOneSecret: a config the module cannot read (a *ws.RawConfig) is treated as
// a secret as a whole: a plan shows it as sensitive and never its values, it is not compared (the API
// masks what it does not know), and it is sent with a create, an update for another reason, or
// SendSecrets.
func TestConfigOfUnknownShapeIsOneSecret(t *testing.T) {
	t.Parallel()
	raw := func(js string) *ws.Connection {
		return &ws.Connection{ID: "o", Name: "Oracle", State: ws.StateActive, ServiceProvider: "Oracle",
			Config: &ws.RawConfig{Provider: "Oracle", JSON: []byte(js)}}
	}
	want := raw(`{"host":"db.example.com","pwd":"Sup3rS3cret","nested":{"token":"T0kenValue"}}`)
	d := &Desired{}
	d.Merge(&State{Connections: []*ws.Connection{want}}, "f.yaml")

	// The API creates only connections of the providers it lists: a new one is refused before any
	// request, naming no value.
	_, err := Compare(d, &State{}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection o: service_provider: is not one of Snowflake, BigQuery, Redshift, Databricks")
	assert.NotContains(t, err.Error(), "db.example.com")
	assert.NotContains(t, err.Error(), "Sup3r")

	stored := raw(`{"host":"other.example.com","pwd":"************","nested":{"token":"************"}}`)
	p, err := Compare(d, &State{Connections: []*ws.Connection{stored}}, Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "a config of unknown shape is not compared: %+v", p.Changes)

	p, err = Compare(d, &State{Connections: []*ws.Connection{stored}}, Options{SendSecrets: true})
	require.NoError(t, err)
	require.Len(t, p.Changes, 1)
	assert.Equal(t, []FieldDiff{{Path: "config", Sensitive: true}}, p.Changes[0].Fields)
	assert.Same(t, want.Config, p.Changes[0].body.(*ws.Connection).Config, "the declared config is sent whole")

	renamed := raw(`{"host":"other.example.com"}`)
	renamed.Name = "Old name"
	p, err = Compare(d, &State{Connections: []*ws.Connection{renamed}}, Options{})
	require.NoError(t, err)
	require.Len(t, p.Changes, 1)
	assert.Equal(t, []FieldDiff{{Path: "config", Sensitive: true}, {Path: "name", Old: `"Old name"`, New: `"Oracle"`}}, p.Changes[0].Fields)

	// Declared without a config, an update sends the stored config back as it was read.
	bare := &ws.Connection{ID: "o", Name: "Oracle", State: ws.StateActive, ServiceProvider: "Oracle"}
	body, err := updateBody(bare, renamed, nil)
	require.NoError(t, err)
	assert.Same(t, renamed.Config, body.(*ws.Connection).Config)
}

// TestGoSpellingsAreNormalized: a Go caller's ScheduleType("on-demand"), which the API stores as
// on_demand, is no change.
func TestGoSpellingsAreNormalized(t *testing.T) {
	t.Parallel()
	stored := &ws.Pipeline{ID: "p", Schedule: ws.Schedule{Type: ws.ScheduleOnDemand}}
	want := &ws.Pipeline{ID: "p", Schedule: ws.Schedule{Type: "on-demand"}}
	ch, err := planOne(Ref{KindPipeline, "p"}, want, stored, nil, Options{})
	require.NoError(t, err)
	assert.Nil(t, ch)
}
