package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/wsync-dev/warehousesync/internal/oauthwire"

	ws "github.com/wsync-dev/warehousesync"
)

// plainClient is a minimal HTTP client of a server that fails a rapid check, not the whole test.
type plainClient struct {
	t     require.TestingT
	srv   *Server
	token string
}

func newPlainClient(t require.TestingT, srv *Server) *plainClient {
	id, secret := srv.Credentials()
	c := &plainClient{t: t, srv: srv}
	status, body := c.send(http.MethodPost, srv.TokenURL(), map[string]string{
		"client_id": id, "client_secret": secret, "audience": ws.DefaultAudience, "grant_type": "client_credentials"})
	require.Equal(t, http.StatusOK, status, string(body))
	var tr oauthwire.TokenResponse
	require.NoError(t, json.Unmarshal(body, &tr))
	c.token = tr.AccessToken
	return c
}

func (c *plainClient) send(method, url string, body any) (int, []byte) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, b
}

// api sends a request to a workspace's API, with a new token when the clock has expired the last one.
func (c *plainClient) api(wsID, method, path string, body any) (int, []byte) {
	status, b := c.send(method, c.srv.URL()+apiPrefix+wsID+path, body)
	if status == http.StatusUnauthorized {
		c.token = newPlainClient(c.t, c.srv).token
		status, b = c.send(method, c.srv.URL()+apiPrefix+wsID+path, body)
	}
	return status, b
}

var snapshotWorkspaces = []string{DefaultWorkspaceID, "other"}

// reads is everything a client and a test can read from the server, for comparing two servers.
func reads(t require.TestingT, c *plainClient) string {
	var b strings.Builder
	for _, wsID := range snapshotWorkspaces {
		for _, p := range []string{"/connections", "/data-models", "/inputs/data-pipelines"} {
			status, body := c.api(wsID, http.MethodGet, p, nil)
			require.Equal(t, http.StatusOK, status, string(body))
			fmt.Fprintf(&b, "%s %s: %s\n", wsID, p, body)
		}
		for _, id := range []string{"p1", "p2"} {
			for _, p := range []string{"/inputs/data-pipelines/" + id + "/report", "/inputs/data-pipelines/" + id + "/runs?pageSize=1000"} {
				status, body := c.api(wsID, http.MethodGet, p, nil)
				fmt.Fprintf(&b, "%s %s: %d %s\n", wsID, p, status, body)
			}
		}
	}
	next, pending := c.srv.NextEvent()
	fmt.Fprintf(&b, "now %s next %s %t\nfaults %+v\n", c.srv.Now(), next, pending, c.srv.Faults())
	return b.String()
}

// snapshotOp is one random change made through the API or the Go API.
func snapshotOp(t *rapid.T, c *plainClient) {
	srv := c.srv
	wsID := rapid.SampledFrom(snapshotWorkspaces).Draw(t, "workspace")
	w := srv.Workspace(wsID)
	conn := rapid.SampledFrom([]string{"c1", "c2"}).Draw(t, "connection")
	model := rapid.SampledFrom([]string{"m1", "m2"}).Draw(t, "model")
	pipe := rapid.SampledFrom([]string{"p1", "p2"}).Draw(t, "pipeline")
	bodies := []func(string) obj{snowflakeBody, bigQueryBody, redshiftBody, databricksBody}
	switch op := rapid.IntRange(0, 17).Draw(t, "op"); op {
	case 0:
		c.api(wsID, http.MethodPost, "/connections", rapid.SampledFrom(bodies).Draw(t, "provider")(conn))
	case 1:
		body := snowflakeBody(conn)
		if rapid.Bool().Draw(t, "masked") {
			body["config"].(obj)["password"] = ws.MaskedSecret
		}
		body["state"] = rapid.SampledFrom([]string{"active", "inactive"}).Draw(t, "state")
		c.api(wsID, http.MethodPut, "/connections/"+conn, body)
	case 2:
		c.api(wsID, http.MethodDelete, "/connections/"+conn, nil)
	case 3:
		c.api(wsID, http.MethodPost, "/data-models", dataModelBody(model))
	case 4:
		c.api(wsID, http.MethodDelete, "/data-models/"+model, nil)
	case 5, 6:
		body := pipelineBody(pipe, conn, model)
		body["schedule"] = rapid.SampledFrom([]obj{
			{"type": "interval", "frequency": "hourly", "start": "2025-01-01T00:00:00Z"},
			{"type": "interval", "frequency": "daily", "start": "2024-12-30T00:00:00Z", "delay": "15m"},
			{"type": "on_demand"}, {"type": "once"},
		}).Draw(t, "schedule")
		method, path := http.MethodPost, "/inputs/data-pipelines"
		if op == 6 {
			method, path = http.MethodPut, path+"/"+pipe
			body["state"] = rapid.SampledFrom([]string{"active", "paused"}).Draw(t, "pipeline state")
		}
		c.api(wsID, method, path, body)
	case 7:
		c.api(wsID, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": pipe})
	case 8:
		c.api(wsID, http.MethodDelete, "/inputs/data-pipelines/"+pipe, nil)
	case 9, 10:
		d := rapid.SampledFrom([]time.Duration{time.Second, time.Minute, 7 * time.Minute, time.Hour, 26 * time.Hour}).Draw(t, "by")
		require.NoError(t, srv.Advance(d))
	case 11:
		if rapid.Bool().Draw(t, "down") {
			w.SetConnectionUnreachable(conn, "")
		} else {
			w.SetConnectionReachable(conn)
		}
	case 12:
		if rapid.Bool().Draw(t, "invalid") {
			w.SetDataModelInvalid(model, "bad query")
		} else {
			w.SetDataModelValid(model)
		}
	case 13:
		_ = w.FailNextRuns(pipe, rapid.IntRange(1, 4).Draw(t, "n"), "")
	case 14:
		w.SeedRecords(model, []map[string]any{
			{"updated_on": "2024-12-31T12:00:00Z", "n": 1},
			{"updated_on": "2025-01-01T00:30:00.123456Z", "n": 2.5},
			{"updated_on": "not a time"},
		})
	case 15:
		require.NoError(t, srv.InjectFault(Fault{Path: "/data-models/never", Status: 503,
			Times: rapid.IntRange(0, 3).Draw(t, "times"), RetryAfter: 1500 * time.Millisecond, Optional: true}))
	case 16:
		w.SetFieldTransformations(rapid.SampledFrom([][]string{nil, {"ft1"}, {"ft1", "ft2"}}).Draw(t, "transformations")...)
	case 17:
		c.api(wsID, http.MethodGet, "/connections", nil) // a read changes nothing
	}
}

// TestSnapshotRestoreProperty makes random changes, takes a snapshot, restores it into a fresh server,
// and checks that every read is equal, that the restored server saves the same snapshot, and that both
// servers go on to the same future.
func TestSnapshotRestoreProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		srv, err := Start(WithWorkspaces("other"))
		require.NoError(t, err)
		defer srv.Close()
		c := newPlainClient(t, srv)
		for range rapid.IntRange(1, 30).Draw(t, "steps") {
			snapshotOp(t, c)
		}
		snap, err := srv.Snapshot()
		require.NoError(t, err)

		fresh, err := Start(WithWorkspaces("other"), WithStartTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
		require.NoError(t, err)
		defer fresh.Close()
		fc := newPlainClient(t, fresh)
		require.NoError(t, fresh.Restore(snap))
		require.Equal(t, reads(t, c), reads(t, fc))
		again, err := fresh.Snapshot()
		require.NoError(t, err)
		require.Equal(t, string(snap), string(again))

		require.NoError(t, srv.Advance(50*time.Hour))
		require.NoError(t, fresh.Advance(50*time.Hour))
		require.Equal(t, reads(t, c), reads(t, fc), "the same future")
	})
}

func TestSnapshotKeepsNoSecret(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	a.must(http.StatusOK, http.MethodPost, "/connections", snowflakeBody("sf"), nil)
	a.must(http.StatusOK, http.MethodPost, "/connections", bigQueryBody("bq"), nil)
	snap, err := srv.Snapshot()
	require.NoError(t, err)
	assert.NotContains(t, string(snap), "sf-secret-password")
	assert.NotContains(t, string(snap), "bq-secret-key")
	assert.Contains(t, string(snap), `"password": "`+ws.MaskedSecret+`"`, "that a secret is set is kept")

	fresh, b := newAPI(t, WithSnapshot(snap))
	require.Equal(t, a.snapshot(), b.snapshot())
	// The mask keeps the placeholder; a real value replaces it.
	body := snowflakeBody("sf")
	body["config"].(obj)["password"] = ws.MaskedSecret
	b.must(http.StatusOK, http.MethodPut, "/connections/sf", body, nil)
	b.must(http.StatusOK, http.MethodPut, "/connections/sf", snowflakeBody("sf"), nil)
	fresh.mu.Lock()
	stored, _ := fresh.eng.Connection(DefaultWorkspaceID, "sf")
	assert.Equal(t, "sf-secret-password", stored.Config["password"])
	fresh.mu.Unlock()
}

func TestRestoreIsAllOrNothing(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	onDemandPipeline(a)
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines/trigger", obj{"pipeline_id": "p"}, nil)
	good, err := srv.Snapshot()
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(good, &doc))
	edit := func(f func(map[string]any)) []byte {
		var d map[string]any
		require.NoError(t, json.Unmarshal(good, &d))
		f(d)
		return mustJSON(t, d)
	}
	other, b := newAPI(t)
	b.must(http.StatusOK, http.MethodPost, "/connections", databricksBody("kept"), nil)
	before, err := other.Snapshot()
	require.NoError(t, err)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("{"), "not a JSON object"},
		{"another format", edit(func(d map[string]any) { d["format"] = "something" }), "format"},
		{"newer version", edit(func(d map[string]any) { d["version"] = SnapshotVersion + 1 }), "newer than this fake reads"},
		{"unknown field", edit(func(d map[string]any) { d["extra"] = 1 }), "extra"},
		{"bad workspace", edit(func(d map[string]any) { d["workspaces"].([]any)[0].(map[string]any)["id"] = "a b" }), "workspaces[0]"},
		{"bad fault", edit(func(d map[string]any) { d["faults"] = []any{map[string]any{"path": "x", "status": 418}} }), "faults[0]"},
		{"bad engine state", edit(func(d map[string]any) { d["engine"].(map[string]any)["next_run_id"] = 0 }), "engine: next_run_id"},
		{"data after", append(slicesClone(good), []byte("{}")...), "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := other.Restore(tt.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			after, err := other.Snapshot()
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "a refused restore changes nothing")
		})
	}
	_, err = Start(WithSnapshot([]byte("[]")))
	require.ErrorContains(t, err, "snapshot")
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

func TestAdminState(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithAdminToken("admin-secret"))
	onDemandPipeline(a)
	url := srv.URL() + "/_fake/state"
	status, _, _ := raw(t, http.MethodGet, url, "", "", "")
	assert.Equal(t, http.StatusUnauthorized, status, "the admin token is needed")
	status, _, snap := raw(t, http.MethodGet, url, "", "admin-secret", "")
	require.Equal(t, http.StatusOK, status, string(snap))

	other, b := newAPI(t, WithAdminToken("admin-secret"))
	status, _, body := raw(t, http.MethodPut, other.URL()+"/_fake/state", "application/json", "admin-secret", string(snap))
	require.Equal(t, http.StatusNoContent, status, string(body))
	assert.Equal(t, a.snapshot(), b.snapshot())
	status, _, body = raw(t, http.MethodPut, other.URL()+"/_fake/state", "application/json", "admin-secret", `{"format":"x"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "format")
}

func TestPersistSavesEveryAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	var saved [][]byte
	fail := false
	srv, a := newAPI(t, WithPersist(func(b []byte) error {
		if fail {
			return fmt.Errorf("disk full")
		}
		saved = append(saved, b)
		return nil
	}))
	a.seedBasics()
	require.Len(t, saved, 2, "one save per acknowledged write")
	a.must(http.StatusOK, http.MethodGet, "/connections", nil, nil)
	a.do(http.MethodPost, "/connections", snowflakeBody("conn")) // refused: 400
	require.Len(t, saved, 2, "reads and refused writes save nothing")
	fresh := NewServer(t, WithSnapshot(saved[1]))
	b := &api{t: t, srv: fresh, ws: fresh.WorkspaceID(), token: getToken(t, fresh)}
	assert.Equal(t, a.snapshot(), b.snapshot())

	status, _, _ := raw(t, http.MethodPost, srv.URL()+"/_fake/clock/advance", "application/json", "", `{"by":"1h"}`)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, saved, 3, "admin writes are saved too")

	fail = true
	status, body := a.do(http.MethodPost, "/data-models", dataModelBody("m2"))
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Contains(t, string(body), "could not save its state: disk full")
}

// TestPersistKeepsConcurrentWrites sends writes from several goroutines: the last save holds every
// write that was answered 2xx.
func TestPersistKeepsConcurrentWrites(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var last []byte
	_, a := newAPI(t, WithPersist(func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		last = b
		return nil
	}))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				id := fmt.Sprintf("c%d-%d", g, i)
				status, body := a.do(http.MethodPost, "/connections", databricksBody(id))
				assert.Equal(t, http.StatusOK, status, string(body))
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	saved := last
	mu.Unlock()
	fresh := NewServer(t, WithSnapshot(saved))
	b := &api{t: t, srv: fresh, ws: fresh.WorkspaceID(), token: getToken(t, fresh)}
	assert.Equal(t, a.snapshot(), b.snapshot())
	assert.Equal(t, 40, strings.Count(b.snapshot(), `"service_provider":"Databricks"`))
}

func TestRestoreKeepsTheServedWorkspacesWithinTheBudget(t *testing.T) {
	t.Parallel()
	src, err := Start(WithWorkspaces("a", "b"))
	require.NoError(t, err)
	t.Cleanup(src.Close)
	snap, err := src.Snapshot()
	require.NoError(t, err)

	dst, err := Start(WithWorkspaces("x"))
	require.NoError(t, err)
	t.Cleanup(dst.Close)
	require.NoError(t, dst.Restore(snap))
	assert.Equal(t, []string{DefaultWorkspaceID, "a", "b", "x"}, dst.Workspaces(),
		"the snapshot's workspaces are added to those the server was started to serve")

	small, err := Start(WithBudgets(Budgets{MaxWorkspaces: 2}))
	require.NoError(t, err)
	t.Cleanup(small.Close)
	before, err := small.Snapshot()
	require.NoError(t, err)
	err = small.Restore(snap)
	require.ErrorIs(t, err, ErrInvalidSnapshot)
	assert.Contains(t, err.Error(), "MaxWorkspaces")
	after, err := small.Snapshot()
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "a refused restore changes nothing")
}
