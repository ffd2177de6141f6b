package warehousesync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// referenceRequest is the reference's example request name without the read-only "errors" array some
// examples carry: the body the client must send for it.
func referenceRequest(t *testing.T, name string) string {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(reference(t, name)), &doc))
	delete(doc, "errors")
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return string(b)
}

// wireSecrets are the distinctive secrets of TestSecretsMaskedInEveryShape.
var wireSecrets = []string{secretsSnowflake, secretsBigQueryCore, secretsRedshift, secretsClientSecret}

// TestSecretsMaskedInEveryShape logs and marshals every shape a connection or config can take inside a
// user's values: slog's JSON handler hands nested values to encoding/json, and its text handler to fmt.
func TestSecretsMaskedInEveryShape(t *testing.T) {
	t.Parallel()
	sf, bq, rs := secretConnections()
	raw := &ws.Connection{ID: "pg", ServiceProvider: "Postgres", Config: &ws.RawConfig{Provider: "Postgres",
		JSON: json.RawMessage(`{"host":"h","auth":{"Client_Secret":"` + secretsClientSecret + `"},"password":"` + secretsRedshift + `"}`)}}
	type holder struct {
		Conn *ws.Connection
		SF   ws.SnowflakeConfig
		BQ   *ws.BigQueryConfig
	}
	shapes := map[string]any{
		"[]*Connection":          []*ws.Connection{sf, bq, rs, raw},
		"[]Connection":           []ws.Connection{*sf, *bq, *rs, *raw},
		"map[string]*Connection": map[string]*ws.Connection{"sf": sf, "bq": bq, "rs": rs, "pg": raw},
		"struct":                 holder{Conn: sf, SF: *sf.Config.(*ws.SnowflakeConfig), BQ: bq.Config.(*ws.BigQueryConfig)},
		"*struct":                &holder{Conn: rs, SF: *sf.Config.(*ws.SnowflakeConfig)},
		"[]ConnectionConfig":     []ws.ConnectionConfig{sf.Config, bq.Config, rs.Config, raw.Config},
		"map[string]any":         map[string]any{"deep": []any{map[string]any{"c": sf}}},
	}
	for name, v := range shapes {
		for handler, h := range slogHandlers() {
			var out bytes.Buffer
			slog.New(h(&out)).Info("shape", "v", v)
			for _, secret := range wireSecrets {
				assert.NotContains(t, out.String(), secret, "%s handler, %s", handler, name)
			}
		}
		b, err := json.Marshal(v)
		require.NoError(t, err, name)
		text := fmt.Sprintf("%v %+v %#v", v, v, v)
		for _, secret := range wireSecrets {
			assert.NotContains(t, string(b), secret, "json.Marshal of %s", name)
			assert.NotContains(t, text, secret, "fmt of %s", name)
		}
	}
	// An unknown config is all secret: no key or value of it is shown, only the mask.
	b, err := json.Marshal(raw)
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"host"`)
	assert.Contains(t, string(b), `"config":"`+ws.MaskedSecret+`"`)
}

// TestConnectionPrintsItsConfig checks that fmt shows the config's fields, not a pointer, also for a
// connection inside a slice.
func TestConnectionPrintsItsConfig(t *testing.T) {
	t.Parallel()
	sf, _, _ := secretConnections()
	for _, text := range []string{fmt.Sprint(*sf), fmt.Sprintf("%v", sf), fmt.Sprintf("%+v", []*ws.Connection{sf})} {
		assert.Contains(t, text, "AccountIdentifier:gd12345", text)
		assert.Contains(t, text, "Password:"+ws.MaskedSecret, text)
		assert.NotContains(t, text, "0xc", text)
		assert.NotContains(t, text, secretsSnowflake)
	}
}

// TestRequestsSendSecretsAndOnlyParameters checks the body of every create and update: the secrets in
// clear, and no read-only field (status, errors, created_*, last_modified_*), even null.
func TestRequestsSendSecretsAndOnlyParameters(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	bodies := make(chan map[string]any, 8)
	answer := func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]any
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&doc))
		bodies <- doc
		writeJSON(w, http.StatusOK, `{"id":"x"}`)
	}
	mux.HandleFunc("/connections", answer)
	mux.HandleFunc("/connections/sf", answer)
	mux.HandleFunc("/data-models", answer)
	mux.HandleFunc("/data-models/string", answer)
	mux.HandleFunc("/inputs/data-pipelines", answer)
	mux.HandleFunc("/inputs/data-pipelines/example-pipeline-1", answer)

	ctx := context.Background()
	sf, _, _ := secretConnections()
	sf.Status, sf.CreatedBy, sf.Errors = ws.ConnectionHealthy, "someone", []ws.ErrorDetail{{Message: "m"}}
	model := referenceModelResponse(t)
	model.Status = ws.DataModelValid
	var p ws.Pipeline
	require.NoError(t, json.Unmarshal([]byte(reference(t, "pipelines-get-response")), &p))
	p.Status = ws.PipelineIdle

	readOnly := []string{"status", "errors", "created_on", "created_by", "last_modified_on", "last_modified_by"}
	for name, send := range map[string]func() error{
		"connection create": func() error { _, err := c.Connections.Create(ctx, sf); return err },
		"connection update": func() error { _, err := c.Connections.Update(ctx, sf); return err },
		"model create":      func() error { _, err := c.DataModels.Create(ctx, model); return err },
		"model update":      func() error { _, err := c.DataModels.Update(ctx, model); return err },
		"pipeline create":   func() error { _, err := c.Pipelines.Create(ctx, &p); return err },
		"pipeline update":   func() error { _, err := c.Pipelines.Update(ctx, &p); return err },
	} {
		require.NoError(t, send(), name)
		doc := <-bodies
		for _, key := range readOnly {
			assert.NotContains(t, doc, key, "%s sends the read-only %s", name, key)
		}
		assert.Contains(t, doc, "id", name)
		if strings.HasPrefix(name, "connection") {
			cfg, _ := doc["config"].(map[string]any)
			assert.Equal(t, secretsSnowflake, cfg["password"], "%s sends the real password", name)
		}
	}
}
