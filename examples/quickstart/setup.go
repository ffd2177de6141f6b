package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// fakeStart is where the fake clock starts, so that the output is the same on every run.
func fakeStart() time.Time { return time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC) }

const (
	// fakePrefix starts every resource id against the fake; realPrefix plus a random part against the API.
	fakePrefix = "wsync-quickstart-fake-"
	realPrefix = "wsync-quickstart-"
	// cleanupTimeout bounds the deletion of what the story created.
	cleanupTimeout = time.Minute
	// fakePoll is how often Runs.Wait polls the fake; its auto-advance makes one poll enough in practice.
	fakePoll = 10 * time.Millisecond
)

// credentialVars are the variables that select the real API: all of them, or none for the fake.
var credentialVars = []string{ws.EnvWorkspaceID, ws.EnvClientID, ws.EnvClientSecret}

// The variables that describe the warehouse and query used against the real API.
const (
	envAccount            = "QUICKSTART_SNOWFLAKE_ACCOUNT"
	envRegion             = "QUICKSTART_SNOWFLAKE_REGION"
	envWarehouse          = "QUICKSTART_SNOWFLAKE_WAREHOUSE"
	envDatabase           = "QUICKSTART_SNOWFLAKE_DATABASE"
	envRole               = "QUICKSTART_SNOWFLAKE_ROLE"
	envUser               = "QUICKSTART_SNOWFLAKE_USER"
	envPassword           = "QUICKSTART_SNOWFLAKE_PASSWORD"
	envStorageIntegration = "QUICKSTART_SNOWFLAKE_STORAGE_INTEGRATION"
	envSQLQuery           = "QUICKSTART_SQL_QUERY"
	envIteratorField      = "QUICKSTART_ITERATOR_FIELD"
)

var warehouseVars = []string{envAccount, envRegion, envWarehouse, envDatabase, envRole, envUser, envPassword,
	envStorageIntegration, envSQLQuery, envIteratorField}

// newStory prepares the story for the environment: the fake server and its client, or a client of the
// real API. The returned function stops the fake (it does nothing against the real API).
func newStory(out io.Writer, env func(string) string) (*story, func(), error) {
	var set, missing []string
	for _, name := range credentialVars {
		if env(name) != "" {
			set = append(set, name)
		} else {
			missing = append(missing, name)
		}
	}
	if len(set) == 0 {
		return newFakeStory(out)
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%s set but %s not: set all of %s to use the real API, or none to use the embedded fake",
			strings.Join(set, ", "), strings.Join(missing, ", "), strings.Join(credentialVars, ", "))
	}
	return newRealStory(out, env)
}

// newFakeStory starts the embedded fake: a manual clock at fakeStart that jumps to the next event when
// a running pipeline is polled, so that Runs.Wait returns at once.
func newFakeStory(out io.Writer) (*story, func(), error) {
	srv, err := warehousesynctest.Start(
		warehousesynctest.WithStartTime(fakeStart()),
		warehousesynctest.WithAutoAdvance(),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the embedded fake server: %w", err)
	}
	fmt.Fprintf(out, "Running against the embedded fake server, in-process (no MPARTICLE_* credentials set); fake clock at %s UTC\n",
		srv.Now().Format(timeLayout))
	fmt.Fprintf(out, "(set %s to run against the real API)\n\n", strings.Join(credentialVars, ", "))
	return fakeStory(out, srv), srv.Close, nil
}

// fakeStory is the story against the fake server srv.
func fakeStory(out io.Writer, srv *warehousesynctest.Server) *story {
	return &story{
		out:    out,
		c:      srv.Client(), // NewClient with the fake's URL, token URL and credentials
		fake:   srv,
		prefix: fakePrefix,
		wait:   []ws.WaitOption{ws.PollEvery(fakePoll)},
		conn: &ws.SnowflakeConfig{
			AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
			Database: "analytics", Role: "mparticle_role", User: "mparticle_user",
			Password: "not-a-real-password", StorageIntegration: "mp_us1_123_123_s3",
		},
		query:    "SELECT email, plan, updated_at FROM analytics.public.tickets",
		iterator: "updated_at",
	}
}

// newRealStory checks the warehouse variables, then builds a client of the real API from the
// environment. It makes no request.
func newRealStory(out io.Writer, env func(string) string) (*story, func(), error) {
	var missing []string
	for _, name := range warehouseVars {
		if env(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("against the real API the quickstart needs a Snowflake warehouse it can read: set %s (nothing was created)",
			strings.Join(missing, ", "))
	}
	// NewClientFromEnv reads MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID, MPARTICLE_CLIENT_SECRET and the
	// optional MPARTICLE_API_URL and MPARTICLE_TOKEN_URL from the process environment (main passes that
	// environment as env too).
	c, err := ws.NewClientFromEnv(ws.WithUserAgent("wsync-quickstart"))
	if err != nil {
		return nil, nil, err
	}
	random := make([]byte, 4)
	if _, err := rand.Read(random); err != nil {
		return nil, nil, fmt.Errorf("choosing a unique prefix: %w", err)
	}
	prefix := realPrefix + hex.EncodeToString(random) + "-"
	fmt.Fprintf(out, "Running against the real API at %s; every resource id starts with %s and is deleted at the end\n",
		c.WorkspaceURL(), prefix)
	s := &story{
		out:    out,
		c:      c,
		prefix: prefix,
		conn: &ws.SnowflakeConfig{
			AccountIdentifier: env(envAccount), Region: env(envRegion), Warehouse: env(envWarehouse),
			Database: env(envDatabase), Role: env(envRole), User: env(envUser),
			Password: ws.Secret(env(envPassword)), StorageIntegration: env(envStorageIntegration),
		},
		query:    env(envSQLQuery),
		iterator: env(envIteratorField),
	}
	return s, func() {}, nil
}
