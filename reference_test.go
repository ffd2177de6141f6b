package warehousesync_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// scheduleFragment is what the reference's schedule examples show of a pipeline.
type scheduleFragment struct {
	SyncMode ws.SyncMode `json:"sync_mode"`
	Schedule ws.Schedule `json:"schedule"`
}

// triggerRequest and errorResponse mirror two bodies the client builds or reads without exporting a type.
type triggerRequest struct {
	PipelineID string `json:"pipeline_id"`
}

type errorResponse struct {
	StatusCode int              `json:"statusCode"`
	Errors     []ws.ErrorDetail `json:"errors"`
}

// referenceQuirks lists, per file, the paths where the re-encoded document may differ from the
// reference, and why.
var referenceQuirks = map[string][]string{
	// The Snowflake update response example names the account "source_account_id" (the v1 name) instead
	// of "account_identifier": the unknown field is dropped, the missing one is encoded empty.
	"connections-update-response": {
		"config.account_identifier (only in second)",
		"config.source_account_id (only in first)",
	},
	// The BigQuery entry of the list example shows a service-account key in clear; json.Marshal of a
	// Connection writes every secret masked.
	"connections-list-response": {"2.config.service_account_key"},
	// These request examples carry the read-only "errors" array, which is not among the documented
	// parameters: the client does not send it.
	"datamodels-create-request": {"errors (only in first)"},
	"datamodels-update-request": {"errors (only in first)"},
	"pipelines-create-request":  {"errors (only in first)"},
	"pipelines-update-request":  {"errors (only in first)"},
}

// referenceDecodeErrors lists the files that must not decode, and the text the error must contain.
var referenceDecodeErrors = map[string]string{
	// "2023-03-01T:12:00:00Z" (a typo in the reference's example 3) is not a timestamp.
	"pipelines-create-request-schedule3": `"2023-03-01T:12:00:00Z" is not RFC 3339`,
}

// referenceTarget returns a new value of the type a reference file decodes into.
func referenceTarget(name string) any {
	switch {
	case strings.HasPrefix(name, "connections-list-"):
		return new([]ws.Connection)
	case strings.HasPrefix(name, "connections-"):
		return new(ws.Connection)
	case strings.HasPrefix(name, "datamodels-list-"):
		return new([]ws.DataModel)
	case strings.HasPrefix(name, "datamodels-"):
		return new(ws.DataModel)
	case strings.HasPrefix(name, "pipelines-create-request-schedule"):
		return new(scheduleFragment)
	case name == "pipelines-list-response":
		return new([]ws.Pipeline)
	case name == "pipelines-trigger-request":
		return new(triggerRequest)
	case name == "pipelines-trigger-response":
		return new(ws.TriggerResponse)
	case name == "pipelines-trigger-response-error":
		return new(errorResponse)
	case name == "pipelines-report-response":
		return new(ws.Report)
	case strings.HasPrefix(name, "pipelines-"):
		return new(ws.Pipeline)
	case name == "runs-list-response":
		return new(ws.RunPage)
	case name == "runs-get-response":
		return new(ws.Run)
	}
	return nil
}

// TestReferenceExamplesRoundTrip decodes every example body of the API reference into our types,
// encodes it again (a request as the client sends it) and checks that nothing was lost: the two documents must be equal up to null vs
// absent and the spelling of timestamps, except for the quirks listed above.
func TestReferenceExamplesRoundTrip(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "reference", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 36, "one file per example body of the reference")
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			original, err := os.ReadFile(file)
			require.NoError(t, err)
			target := referenceTarget(name)
			require.NotNil(t, target, "no type for %s", name)

			err = json.Unmarshal(original, target)
			if want, ok := referenceDecodeErrors[name]; ok {
				require.Error(t, err)
				assert.Contains(t, err.Error(), want)
				return
			}
			require.NoError(t, err)
			assertTypedConfigs(t, target)

			// A request example is encoded as the client sends it (secrets in clear, parameters only), a
			// response as json.Marshal writes it (secrets masked, as the API's responses have them).
			body := target
			if strings.Contains(name, "-request") {
				body = ws.RequestJSON(target)
			}
			encoded, err := json.Marshal(body)
			require.NoError(t, err)
			assert.Equal(t, referenceQuirks[name], jsonDiff(t, string(original), string(encoded)),
				"re-encoded: %s", encoded)
		})
	}
}

// assertTypedConfigs checks that connection configs of known providers decode into their own types,
// not into a RawConfig that would round-trip anything.
func assertTypedConfigs(t *testing.T, v any) {
	t.Helper()
	var conns []ws.Connection
	switch v := v.(type) {
	case *ws.Connection:
		conns = []ws.Connection{*v}
	case *[]ws.Connection:
		conns = *v
	}
	for _, c := range conns {
		require.NotNil(t, c.Config)
		_, raw := c.Config.(*ws.RawConfig)
		assert.False(t, raw, "%s config decoded as RawConfig", c.ServiceProvider)
		assert.Equal(t, c.ServiceProvider, c.Config.ServiceProvider())
	}
}

// TestJSONDiff checks the comparison the round-trip test relies on.
func TestJSONDiff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want []string
	}{
		{`{"a":1,"b":null}`, `{"a":1}`, nil},
		{`{"t":"2023-02-03T23:53:08.413"}`, `{"t":"2023-02-03T23:53:08.413Z"}`, nil},
		{`{"t":"2023-02-03T23:53:08.413Z"}`, `{"t":"2023-02-03T23:53:08.414Z"}`, []string{"t"}},
		{`{"a":1,"b":2}`, `{"a":1}`, []string{"b (only in first)"}},
		{`{"a":{"x":"1"}}`, `{"a":{"x":"2","y":""}}`, []string{"a.x", "a.y (only in second)"}},
		{`[{"a":1},{"a":2}]`, `[{"a":1},{"a":3}]`, []string{"1.a"}},
		{`[1,2]`, `[1]`, []string{""}},
		{`{"a":"1"}`, `{"a":1}`, []string{"a"}},
	} {
		assert.Equal(t, tc.want, jsonDiff(t, tc.a, tc.b), "%s vs %s", tc.a, tc.b)
	}
}
