package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinary builds the fake, starts it on a free port, uses it over plain HTTP and stops it with
// SIGINT.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGINT cannot be sent to a process on Windows")
	}
	bin := filepath.Join(t.TempDir(), "warehousesync-fake")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	// The deadline only guards against a hung binary; nothing waits on it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-workspace", "777", "-client-id", "bin-id", "-client-secret", "bin-secret")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()

	lines := bufio.NewScanner(stdout)
	fields := map[string]string{}
	var printed strings.Builder
	for lines.Scan() {
		line := lines.Text()
		printed.WriteString(line + "\n")
		if k, v, found := strings.Cut(line, ":"); found {
			fields[k] = strings.TrimSpace(v)
		}
		if strings.HasPrefix(line, "Admin:") {
			break
		}
	}
	require.Contains(t, fields, "API URL", printed.String())
	apiURL, tokenURL := fields["API URL"], fields["Token URL"]
	assert.Equal(t, apiURL+"/oauth/token", tokenURL)
	assert.Equal(t, "777", fields["Workspace"])
	assert.Equal(t, "bin-id", fields["Client ID"])
	assert.True(t, strings.HasPrefix(fields["OpenAPI"], apiURL+"/_fake/openapi.yaml"), printed.String())
	assert.NotContains(t, printed.String(), "bin-secret", "a secret given by flag is never printed")

	body, _ := json.Marshal(map[string]string{"client_id": "bin-id", "client_secret": "bin-secret",
		"audience": "https://api.mparticle.com", "grant_type": "client_credentials"})
	resp, err := http.Post(tokenURL, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	conn := `{"id":"db","name":"Databricks","state":"active","service_provider":"Databricks","config":{"provider":"org","schema":"s"}}`
	req, err := http.NewRequest(http.MethodPost, apiURL+"/platform/v2/workspaces/777/connections", strings.NewReader(conn))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	created, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(created))
	assert.Contains(t, string(created), `"status":"healthy"`)

	resp, err = http.Get(apiURL + "/_fake/clock")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "admin endpoints need no token")

	resp, err = http.Get(apiURL + "/_fake/openapi.yaml")
	require.NoError(t, err)
	yaml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/yaml", resp.Header.Get("Content-Type"))
	assert.True(t, bytes.HasPrefix(yaml, []byte("openapi: 3.0.3\n")), "the start-up text's OpenAPI line points at the description")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	rest, _ := io.ReadAll(stdout)
	require.NoError(t, cmd.Wait(), stderr.String())
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())
	assert.Contains(t, string(rest), "stopped")
}

func TestFlagErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-clock", "sometimes"},
		{"-clock", "manual", "-start", "2023-03-01T:12:00:00Z"},
		{"-start", "2025-01-01T00:00:00Z"},
		{"-workspace", "a b", "-addr", "127.0.0.1:0"},
		{"-no-such-flag"},
		{"extra"},
	} {
		assert.Error(t, run(context.Background(), args, io.Discard), "%q", args)
	}
}

func TestRunPrintsDefaultsAndStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-clock", "manual", "-start", "2023-02-01T00:00:00Z", "-auto-advance"}, w)
		w.Close()
	}()
	lines := bufio.NewScanner(r)
	var printed strings.Builder
	for lines.Scan() {
		printed.WriteString(lines.Text() + "\n")
		if strings.HasPrefix(lines.Text(), "Admin:") {
			break
		}
	}
	assert.Contains(t, printed.String(), "Client secret: fake-client-secret", "the default throwaway secret is printed")
	assert.Contains(t, printed.String(), "Clock:         manual, now 2023-02-01T00:00:00Z")
	cancel()
	go func() { _, _ = io.Copy(io.Discard, r) }()
	require.NoError(t, <-done)
}
