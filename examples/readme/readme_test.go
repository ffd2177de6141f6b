package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// goBlocks returns the Go code blocks of a Markdown file of the module, such as "README.md".
func goBlocks(t *testing.T, doc string) []string {
	t.Helper()
	readme, err := os.ReadFile("../../" + doc)
	require.NoError(t, err)
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// block returns the Go block of doc that starts with firstLine.
func block(t *testing.T, doc, firstLine string) string {
	t.Helper()
	for _, b := range goBlocks(t, doc) {
		if strings.HasPrefix(b, firstLine+"\n") {
			return b
		}
	}
	t.Fatalf("%s has no Go block starting with %q", doc, firstLine)
	return ""
}

func TestTheREADMEShowsThisCode(t *testing.T) {
	main, err := os.ReadFile("main.go")
	require.NoError(t, err)
	assert.Equal(t, block(t, "README.md", "package main"), string(main), "README quickstart and main.go differ")

	test, err := os.ReadFile("nightly_test.go")
	require.NoError(t, err)
	_, readmeTest, _ := strings.Cut(block(t, "docs/fake.md", "package mysync_test"), "\n")
	_, fileTest, _ := strings.Cut(string(test), "\n")
	assert.Equal(t, readmeTest, fileTest, "docs/fake.md's test and nightly_test.go differ (after the package line)")
}

// TestTheQuickstartAgainstTheFake runs the README's program with the environment pointing it at a fake.
// It sets environment variables, so it cannot run in parallel.
func TestTheQuickstartAgainstTheFake(t *testing.T) {
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithAutoAdvance())
	id, secret := srv.Credentials()
	t.Setenv(ws.EnvWorkspaceID, srv.WorkspaceID())
	t.Setenv(ws.EnvClientID, id)
	t.Setenv(ws.EnvClientSecret, secret)
	t.Setenv(ws.EnvAPIURL, srv.URL())
	t.Setenv(ws.EnvTokenURL, srv.TokenURL())

	main() // log.Fatal on any error ends the test binary

	c := srv.Client()
	run, err := c.Runs.Get(t.Context(), "tickets-pipeline", 1)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)
	assert.Equal(t, ws.RunManual, run.Type)
}
