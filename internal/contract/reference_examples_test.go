package contract_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/contract"
)

// referenceDir holds the example payloads of mParticle's API reference, one file per example, named
// <resource>-<operation>-<request|response>[-<variant>].json.
const referenceDir = "../../testdata/reference"

// referenceOperations maps <resource>-<operation> to the described operation it exemplifies.
var referenceOperations = map[string]struct{ method, path string }{
	"connections-create": {http.MethodPost, connections},
	"connections-get":    {http.MethodGet, connection},
	"connections-list":   {http.MethodGet, connections},
	"connections-update": {http.MethodPut, connection},
	"datamodels-create":  {http.MethodPost, models},
	"datamodels-get":     {http.MethodGet, model},
	"datamodels-list":    {http.MethodGet, models},
	"datamodels-update":  {http.MethodPut, model},
	"pipelines-create":   {http.MethodPost, pipelines},
	"pipelines-get":      {http.MethodGet, pipeline},
	"pipelines-list":     {http.MethodGet, pipelines},
	"pipelines-update":   {http.MethodPut, pipeline},
	"pipelines-report":   {http.MethodGet, report},
	"pipelines-trigger":  {http.MethodPost, trigger},
	"runs-get":           {http.MethodGet, run},
	"runs-list":          {http.MethodGet, runs},
}

// referenceMistakes are the reference's examples that do not match what the reference itself says,
// with the words the contract error must contain. docs/contract.md explains each one.
var referenceMistakes = map[string]struct {
	why  string
	want []string
}{
	"connections-create-response-databricks": {
		why:  "the Databricks create response has no status, which every other connection response has",
		want: []string{`property "status" is missing`},
	},
	"connections-list-response": {
		why:  `the BigQuery entry shows service_account_key as "string": secrets are masked in every response`,
		want: []string{`service_account_key`},
	},
	"connections-update-response": {
		why:  "the Snowflake update response has the v1 field source_account_id instead of account_identifier",
		want: []string{`source_account_id`, `account_identifier`},
	},
	"pipelines-create-request-schedule3": {
		why:  `example 3 writes 2023-03-01T:12:00:00Z (a stray colon) for until and end: not a date-time`,
		want: []string{`field "sync_mode.until"`, `field "schedule.end"`},
	},
}

// scheduleFragmentPrefix starts the names of the reference's schedule examples 1–6, which show only
// sync_mode and schedule.
const scheduleFragmentPrefix = "pipelines-create-request-schedule"

// wrapScheduleFragment completes a schedule example into a pipeline create request.
func wrapScheduleFragment(t *testing.T, name string, fragment []byte) []byte {
	t.Helper()
	body := map[string]any{
		"id": "example-" + strings.TrimPrefix(name, "pipelines-create-request-"), "name": "Example pipeline",
		"pipeline_type": "user_attributes", "connection_id": "example-connection", "data_model_id": "example-data-model",
		"state": "active", "environment": "development",
	}
	var parts map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(fragment, &parts), name)
	require.ElementsMatch(t, []string{"sync_mode", "schedule"}, keysOf(parts), "%s is a fragment of sync_mode and schedule", name)
	for k, v := range parts {
		body[k] = v
	}
	b, err := json.Marshal(body)
	require.NoError(t, err)
	return b
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// referenceExample is what one example file exemplifies.
func referenceExample(t *testing.T, name string) (method, path string, status int) {
	t.Helper()
	parts := strings.SplitN(name, "-", 4)
	require.GreaterOrEqual(t, len(parts), 3, "%s: <resource>-<operation>-<request|response>[-<variant>]", name)
	op, found := referenceOperations[parts[0]+"-"+parts[1]]
	require.True(t, found, "%s: no operation is known for %s-%s", name, parts[0], parts[1])
	switch {
	case parts[2] == "request":
		return op.method, op.path, 0
	case parts[2] == "response" && len(parts) == 4 && parts[3] == "error":
		return op.method, op.path, http.StatusBadRequest
	case parts[2] == "response":
		return op.method, op.path, http.StatusOK
	}
	t.Fatalf("%s: %q is neither request nor response", name, parts[2])
	return "", "", 0
}

// TestReferenceExamplesMatchTheDescription validates every example payload of the reference against
// the description, except the reference's own mistakes, which must fail for the reason given.
func TestReferenceExamplesMatchTheDescription(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	files, err := filepath.Glob(filepath.Join(referenceDir, "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 36, "the reference has 36 examples")
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(f)
			require.NoError(t, err)
			if strings.HasPrefix(name, scheduleFragmentPrefix) {
				body = wrapScheduleFragment(t, name, body)
			}
			method, path, status := referenceExample(t, name)
			err = contract.ValidateExample(doc, method, path, status, body)
			mistake, isMistake := referenceMistakes[name]
			if !isMistake {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err, "listed as a mistake of the reference (%s), but it validates", mistake.why)
			for _, w := range mistake.want {
				assert.Contains(t, err.Error(), w, mistake.why)
			}
		})
	}
	for name := range referenceMistakes {
		assert.True(t, seen[name], "the allowlist names %s, which is not in %s", name, referenceDir)
	}
}
