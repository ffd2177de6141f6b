package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runMainEnv makes the test binary run main instead of the tests: TestMainStopsOnSIGINT starts it as a
// real process without building anything.
const runMainEnv = "WAREHOUSESYNC_FAKE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv(runMainEnv+"_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// env is a fake environment for run.
func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

// syncBuffer is a bytes.Buffer safe to write from run's goroutine and read from the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is a run of the fake in this process.
type started struct {
	fields  map[string]string // the banner's "Key: value" lines
	printed string
	stderr  *syncBuffer
	stop    func() error
}

// start runs the fake in-process with args and environment vars until the test ends (or stop).
func start(t *testing.T, args []string, vars map[string]string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, env(vars), w, stderr)
		w.Close()
	}()
	st := &started{fields: map[string]string{}, stderr: stderr}
	var printed strings.Builder
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		line := lines.Text()
		printed.WriteString(line + "\n")
		if k, v, found := strings.Cut(line, ":"); found {
			st.fields[k] = strings.TrimSpace(v)
		}
		if strings.HasPrefix(line, "Admin:") {
			break
		}
	}
	st.printed = printed.String()
	var once sync.Once
	var err error
	st.stop = func() error {
		once.Do(func() {
			cancel()
			go func() { _, _ = io.Copy(io.Discard, r) }()
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { _ = st.stop() })
	require.Contains(t, st.fields, "API URL", "%s%s", st.printed, stderr.String())
	return st
}

// token gets an access token from the fake's token endpoint.
func token(t *testing.T, tokenURL, id, secret string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"client_id": id, "client_secret": secret,
		"audience": "https://api.mparticle.com", "grant_type": "client_credentials"})
	resp, err := http.Post(tokenURL, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return tok.AccessToken
}

// TestRun starts the fake in-process on a free port, uses it over plain HTTP and stops it.
func TestRun(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"-addr", "127.0.0.1:0", "-workspace", "777", "-client-id", "bin-id", "-client-secret", "bin-secret"}, nil)
	apiURL, tokenURL := st.fields["API URL"], st.fields["Token URL"]
	assert.Equal(t, apiURL+"/oauth/token", tokenURL)
	assert.Equal(t, "777", st.fields["Workspace"])
	assert.Equal(t, "bin-id", st.fields["Client ID"])
	assert.True(t, strings.HasPrefix(st.fields["OpenAPI"], apiURL+"/_fake/openapi.yaml"), st.printed)
	assert.NotContains(t, st.printed, "bin-secret", "a secret given by flag is never printed")

	tok := token(t, tokenURL, "bin-id", "bin-secret")
	conn := `{"id":"db","name":"Databricks","state":"active","service_provider":"Databricks","config":{"provider":"org","schema":"s"}}`
	req, err := http.NewRequest(http.MethodPost, apiURL+"/platform/v2/workspaces/777/connections", strings.NewReader(conn))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	created, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(created))
	assert.Contains(t, string(created), `"status":"healthy"`)

	resp, err = http.Get(apiURL + "/_fake/clock")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "admin endpoints need no token on loopback")

	resp, err = http.Get(st.fields["Admin"][:strings.Index(st.fields["Admin"], " ")])
	require.NoError(t, err)
	index, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the banner's admin address serves the index")
	assert.Contains(t, string(index), "/_fake/openapi.yaml")

	resp, err = http.Get(apiURL + "/_fake/openapi.yaml")
	require.NoError(t, err)
	yaml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/yaml", resp.Header.Get("Content-Type"))
	assert.True(t, bytes.HasPrefix(yaml, []byte("openapi: 3.0.3\n")), "the start-up text's OpenAPI line points at the description")
	require.NoError(t, st.stop())
}

// TestEnvironmentSetsFlags: every flag has a variable; the command line wins; the secret from the
// environment is never printed.
func TestEnvironmentSetsFlags(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"-workspace", "from-flag"}, map[string]string{
		"WAREHOUSESYNC_FAKE_ADDR":          "127.0.0.1:0",
		"WAREHOUSESYNC_FAKE_WORKSPACE":     "from-env",
		"WAREHOUSESYNC_FAKE_CLIENT_ID":     "env-id",
		"WAREHOUSESYNC_FAKE_CLIENT_SECRET": "env-secret",
		"WAREHOUSESYNC_FAKE_CLOCK":         "manual",
		"WAREHOUSESYNC_FAKE_START":         "2024-06-01T00:00:00Z",
		"WAREHOUSESYNC_FAKE_TOKEN_TTL":     "90s",
		"WAREHOUSESYNC_FAKE_ADMIN_TOKEN":   "env-admin",
	})
	assert.Equal(t, "from-flag", st.fields["Workspace"], "the command line wins")
	assert.Equal(t, "env-id", st.fields["Client ID"])
	assert.Contains(t, st.printed, "manual, now 2024-06-01T00:00:00Z")
	assert.NotContains(t, st.printed, "env-secret")
	assert.NotContains(t, st.printed, "env-admin")

	body, _ := json.Marshal(map[string]string{"client_id": "env-id", "client_secret": "env-secret", "grant_type": "client_credentials",
		"audience": "https://api.mparticle.com"})
	resp, err := http.Post(st.fields["Token URL"], "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	var tok struct {
		ExpiresIn int64 `json:"expires_in"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	assert.EqualValues(t, 90, tok.ExpiresIn, "-token-ttl from the environment")

	resp, err = http.Get(st.fields["API URL"] + "/_fake/clock")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the admin token from the environment guards the admin API")
}

// TestRunFlags: the flags for attempts, retries, tokens and record limits parse, and bad values are errors.
func TestRunFlags(t *testing.T) {
	t.Parallel()
	st, err := parseFlags([]string{"-attempt-duration", "2s", "-retries", "0", "-retry-delay", "1s",
		"-token-ttl", "1h", "-record-limit", "hourly=10,once=5", "-record-limit", "daily=7"}, env(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, st.attemptDuration)
	assert.Equal(t, 0, st.retries)
	assert.Equal(t, time.Second, st.retryDelay)
	assert.Equal(t, time.Hour, st.tokenTTL)
	assert.Equal(t, "daily=7,hourly=10,once=5", st.recordLimits.String())
	for _, bad := range [][]string{{"-record-limit", "yearly=1"}, {"-record-limit", "hourly"}, {"-attempt-duration", "soon"}} {
		_, err := parseFlags(bad, env(nil), io.Discard)
		assert.Error(t, err, "%q", bad)
	}
	_, err = parseFlags(nil, env(map[string]string{"WAREHOUSESYNC_FAKE_RETRIES": "many"}), io.Discard)
	assert.ErrorContains(t, err, "WAREHOUSESYNC_FAKE_RETRIES", "a bad variable is named")
}

// TestHelp: -h describes the tool and its flags, and is not an error message.
func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-h"}, env(nil), &out, io.Discard)
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Contains(t, out.String(), "fake of the mParticle Warehouse Sync API")
	assert.Contains(t, out.String(), "WAREHOUSESYNC_FAKE_CLIENT_SECRET")
	for _, name := range []string{"-attempt-duration", "-retries", "-token-ttl", "-record-limit", "-admin-token"} {
		assert.Contains(t, out.String(), name)
	}
	assert.NotContains(t, out.String(), "help requested")
}

// TestNonLoopbackNeedsAnAdminToken: on an address other than loopback the fake refuses to start
// without an admin token, and warns when it has one.
func TestNonLoopbackNeedsAnAdminToken(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"-addr", "0.0.0.0:0"}, env(nil), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WAREHOUSESYNC_FAKE_ADMIN_TOKEN")
	err = run(context.Background(), []string{"-addr", ":0"}, env(nil), io.Discard, io.Discard)
	assert.Error(t, err, "an empty host listens everywhere")

	st := start(t, []string{"-addr", "0.0.0.0:0"}, map[string]string{"WAREHOUSESYNC_FAKE_ADMIN_TOKEN": "adm"})
	assert.Contains(t, st.stderr.String(), "warning: listening on 0.0.0.0:0, reachable from other machines")
	assert.Contains(t, st.stderr.String(), "public defaults")
	assert.NotContains(t, st.stderr.String(), "adm\n")
}

func TestFlagErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-clock", "sometimes"},
		{"-clock", "manual", "-start", "2023-03-01T:12:00:00Z"},
		{"-start", "2025-01-01T00:00:00Z"},
		{"-workspace", "a b", "-addr", "127.0.0.1:0"},
		{"-retries", "-1", "-addr", "127.0.0.1:0"},
		{"-attempt-duration", "0", "-addr", "127.0.0.1:0"},
		{"-max-active-pipelines", "-1", "-addr", "127.0.0.1:0"},
		{"-max-tokens", "0", "-addr", "127.0.0.1:0"},
		{"-workspaces", "a,,b", "-addr", "127.0.0.1:0"},
		{"-workspaces", "a b", "-addr", "127.0.0.1:0"},
		{"-no-such-flag"},
		{"extra"},
	} {
		assert.Error(t, run(context.Background(), args, env(nil), io.Discard, io.Discard), "%q", args)
	}
}

func TestRunPrintsDefaultsAndStops(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"-addr", "127.0.0.1:0", "-clock", "manual", "-start", "2023-02-01T00:00:00Z", "-auto-advance"}, nil)
	assert.Contains(t, st.printed, "Client secret: fake-client-secret", "the default throwaway secret is printed")
	assert.Contains(t, st.printed, "Clock:         manual, now 2023-02-01T00:00:00Z")
	require.NoError(t, st.stop())
}

// TestMainStopsOnSIGINT runs main in a real process (this test binary, so nothing is built) and stops
// it with SIGINT; -h exits 0.
func TestMainStopsOnSIGINT(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGINT cannot be sent to a process on Windows")
	}
	t.Parallel()
	// The deadline only guards against a hung process; nothing waits on it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), runMainEnv+"=1", runMainEnv+"_ARGS=-addr 127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "Admin:") {
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	rest, _ := io.ReadAll(stdout)
	require.NoError(t, cmd.Wait(), stderr.String())
	assert.Contains(t, string(rest), "stopped")

	help := exec.CommandContext(ctx, os.Args[0])
	help.Env = append(os.Environ(), runMainEnv+"=1", runMainEnv+"_ARGS=-h")
	out, err := help.CombinedOutput()
	require.NoError(t, err, "-h exits 0: %s", out)
	assert.NotContains(t, string(out), "help requested")
}
