package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStrayArgumentsAreNotEchoed: "-admin-token= TOKEN" (a space after =) leaves the token as a stray
// argument, which the error quoted on stderr; it now says where the strays start without them.
func TestStrayArgumentsAreNotEchoed(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3tQZ9v-admin"
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-admin-token=", secret}, env(nil), &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 unexpected arguments")
	assert.Contains(t, err.Error(), "argument 4")
	for _, text := range []string{err.Error(), stdout.String(), stderr.String()} {
		assert.NotContains(t, text, "S3cr3t")
	}
}

// TestStateFileMustBeARegularFileOfBoundedSize: -state read the whole path with os.ReadFile, so a FIFO
// blocked the start for ever and a device such as /dev/zero read without end; both are now refused
// at once, naming the file.
func TestStateFileMustBeARegularFileOfBoundedSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "state.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	paths := []string{fifo, dir}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, path := range paths {
		done := make(chan error, 1)
		go func() {
			var stdout, stderr bytes.Buffer
			done <- run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", path}, env(nil), &stdout, &stderr)
		}()
		select {
		case err := <-done:
			require.Error(t, err, path)
			assert.Contains(t, err.Error(), "state file "+path, path)
			assert.Contains(t, err.Error(), "not a regular file", path)
		case <-time.After(time.Minute): // a guard against a hang, not a timing assumption
			// Unblock the reader so the goroutine ends, then fail.
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				_ = f.Close()
			}
			t.Fatalf("%s: the start blocked", path)
		}
	}
	assert.True(t, strings.HasSuffix(fifo, ".fifo"))
}

// TestMaxConnectionsFlag: the connection budget has its flag (and variable), refused below 1.
func TestMaxConnectionsFlag(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-max-connections", "0"}, env(nil), io.Discard, io.Discard)
	require.ErrorContains(t, err, "-max-connections must be 1 or more")
	st := start(t, []string{"-addr", "127.0.0.1:0"}, map[string]string{"WAREHOUSESYNC_FAKE_MAX_CONNECTIONS": "3"})
	require.NoError(t, st.stop())
}
