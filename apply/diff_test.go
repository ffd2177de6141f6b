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
		body, err := updateBody(want, stored)
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
