package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// get sends an authenticated GET and returns the status and body.
func get(t *testing.T, url, tok string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStrictFlags: -workspaces serves more workspaces and only those; the budgets, the active-pipeline
// limit and lenient bodies have flags and variables.
func TestStrictFlags(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"-addr", "127.0.0.1:0", "-workspaces", "eu, us", "-clock", "manual"},
		map[string]string{"WAREHOUSESYNC_FAKE_MAX_TOKENS": "2"})
	api := st.fields["API URL"] + "/platform/v2/workspaces/"
	tok := token(t, st.fields["Token URL"], warehousesynctest.DefaultClientID, warehousesynctest.DefaultClientSecret)
	for _, ws := range []string{"12345", "eu", "us"} {
		status, body := get(t, api+ws+"/connections", tok)
		assert.Equal(t, http.StatusOK, status, "%s: %s", ws, body)
	}
	status, body := get(t, api+"99999/connections", tok)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, "this fake serves workspaces 12345, eu, us")

	token(t, st.fields["Token URL"], warehousesynctest.DefaultClientID, warehousesynctest.DefaultClientSecret)
	resp, err := http.Post(st.fields["Token URL"], "application/json", strings.NewReader(
		`{"client_id":"fake-client-id","client_secret":"fake-client-secret","grant_type":"client_credentials","audience":"https://api.mparticle.com"}`))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "WAREHOUSESYNC_FAKE_MAX_TOKENS=2")
	assert.Contains(t, string(b), "MaxTokens of 2")

	parsed, err := parseFlags([]string{"-lenient-bodies", "-max-active-pipelines", "9", "-max-body-bytes", "100",
		"-max-field-bytes", "10", "-max-resources", "3", "-max-stored-bytes", "1000", "-max-workspaces", "4", "-max-runs", "50",
		"-max-request-log-bytes", "4096", "-max-request-log-entries", "10", "-max-faults", "7"}, env(nil), io.Discard)
	require.NoError(t, err)
	assert.True(t, parsed.lenientBodies)
	assert.Equal(t, 9, parsed.maxActive)
	assert.Equal(t, warehousesynctest.Budgets{MaxBodyBytes: 100, MaxFieldBytes: 10, MaxResources: 3, MaxStoredBytes: 1000,
		MaxWorkspaces: 4, MaxRuns: 50, MaxTokens: warehousesynctest.DefaultBudgets().MaxTokens, MaxRequestLogBytes: 4096,
		MaxRequestLogEntries: 10, MaxFaults: 7}, parsed.budgets)
	_, err = parsed.options("secret")
	require.NoError(t, err)

	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-attempt-duration", "0"}, env(nil), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "-attempt-duration must be positive")
}

// TestAdvancingARealTimeBinarySaysHow: the refusal names -clock manual.
func TestAdvancingARealTimeBinarySaysHow(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"-addr", "127.0.0.1:0"}, nil)
	resp, err := http.Post(st.fields["API URL"]+"/_fake/clock/advance", "application/json", strings.NewReader(`{"by":"1h"}`))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(b), "Start the binary with -clock manual")
}
