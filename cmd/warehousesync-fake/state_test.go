package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// process is the fake running as its own process (the test binary running main, see TestMain).
type process struct {
	cmd    *exec.Cmd
	apiURL string
	token  string
	stderr *syncBuffer
}

// startProcess starts the fake as a process with args and waits for its banner.
func startProcess(t *testing.T, ctx context.Context, args string) *process {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), runMainEnv+"=1", runMainEnv+"_ARGS="+args)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &process{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	fields := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "Admin:") {
		if k, v, found := strings.Cut(lines.Text(), ":"); found {
			fields[k] = strings.TrimSpace(v)
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	require.Contains(t, fields, "API URL", p.stderr.String())
	p.apiURL = fields["API URL"]
	p.token = token(t, fields["Token URL"], warehousesynctest.DefaultClientID, warehousesynctest.DefaultClientSecret)
	return p
}

// do sends a request to the default workspace (path starting with /) or to the admin API (path
// starting with _fake/), and returns the status and body.
func (p *process) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	url := p.apiURL + "/platform/v2/workspaces/" + warehousesynctest.DefaultWorkspaceID + path
	if strings.HasPrefix(path, "_fake/") {
		url = p.apiURL + "/" + path
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// readAll is what a client reads back.
func (p *process) readAll(t *testing.T) string {
	var b strings.Builder
	for _, path := range []string{"/connections", "/data-models", "/inputs/data-pipelines",
		"/inputs/data-pipelines/p/runs", "/inputs/data-pipelines/p/report", "_fake/clock"} {
		status, body := p.do(t, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, status, body)
		b.WriteString(body + "\n")
	}
	return b.String()
}

// TestStateSurvivesKill9 writes through the fake's process with -state, kills it with SIGKILL right
// after the last answer, starts it again on the same file and reads every change back.
func TestStateSurvivesKill9(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL cannot be sent to a process on Windows")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // guards against a hung process only
	defer cancel()
	state := filepath.Join(t.TempDir(), "state.json")
	args := "-addr 127.0.0.1:0 -clock manual -state " + state

	first := startProcess(t, ctx, args)
	writes := []struct{ method, path, body string }{
		{"POST", "/connections", `{"id":"conn","name":"C","state":"active","service_provider":"Redshift","config":` +
			`{"database":"dev","host":"h","user":"u","password":"kill-nine-secret","aws_iam_role_arn":"arn:aws:iam::1:role/r"}}`},
		{"POST", "/data-models", `{"id":"model","name":"M","state":"active","type":"sql","config":{"sql_query":"SELECT 1"}}`},
		{"POST", "/inputs/data-pipelines", `{"id":"p","name":"P","pipeline_type":"user_attributes","connection_id":"conn",` +
			`"data_model_id":"model","state":"active","environment":"development","sync_mode":{"type":"full"},"schedule":{"type":"on_demand"}}`},
		{"POST", "/inputs/data-pipelines/trigger", `{"pipeline_id":"p"}`},
		{"POST", "_fake/clock/advance", `{"by":"90s"}`},
		{"POST", "/inputs/data-pipelines/trigger", `{"pipeline_id":"p"}`},
	}
	for _, w := range writes {
		status, body := first.do(t, w.method, w.path, w.body)
		require.Less(t, status, 300, "%s %s: %s", w.method, w.path, body)
	}
	before := first.readAll(t)
	require.Contains(t, before, `"status":"running"`, "the second run is in progress when the process dies")
	require.NoError(t, first.cmd.Process.Signal(syscall.SIGKILL))
	_ = first.cmd.Wait()

	saved, err := os.ReadFile(state)
	require.NoError(t, err)
	assert.NotContains(t, string(saved), "kill-nine-secret", "the state file holds no secret")

	second := startProcess(t, ctx, args)
	assert.Equal(t, before, second.readAll(t))
	status, body := second.do(t, http.MethodPost, "_fake/clock/advance", `{"by":"1m"}`)
	require.Equal(t, http.StatusOK, status, body)
	_, runs := second.do(t, http.MethodGet, "/inputs/data-pipelines/p/runs", "")
	assert.Equal(t, 2, strings.Count(runs, `"status":"success"`), "the restored run goes on: %s", runs)
}

func TestStateFileProblemsStopTheStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	newer := []byte(`{"format":"` + warehousesynctest.SnapshotFormat + `","version":99}`)
	for name, tt := range map[string]struct {
		data []byte
		want string
	}{
		"corrupt": {[]byte(`{"format":`), "not a JSON object"},
		"newer":   {newer, "version 99 is newer"},
		"foreign": {[]byte(`{"hello":"world"}`), "format"},
	} {
		path := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(path, tt.data, 0o600))
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", path}, env(nil), &stdout, &stderr)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "state file "+path, name)
		assert.Contains(t, err.Error(), tt.want, name)
		kept, readErr := os.ReadFile(path)
		require.NoError(t, readErr)
		assert.Equal(t, tt.data, kept, "%s: the file is left as it was", name)
	}

	// A missing file starts empty and is written at once; an unwritable place fails at start.
	path := filepath.Join(dir, "new.json")
	st := start(t, []string{"-addr", "127.0.0.1:0", "-state", path}, nil)
	_, err := os.Stat(path)
	require.NoError(t, err, "the state is written at start")
	require.NoError(t, st.stop())
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", filepath.Join(dir, "no-such-dir", "s.json")},
		env(nil), &stdout, &stderr)
	require.ErrorContains(t, err, "no-such-dir")
}
