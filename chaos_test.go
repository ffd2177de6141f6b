package warehousesync_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// The chaos test: a client against the fake with random injected faults. Every operation's outcome is
// predicted from a model of the state and the fault, and checked: the final status (or success), the
// number of attempts the client made, and the state afterwards. Runs are deterministic given the
// printed seed; WAREHOUSESYNC_CHAOS_SEED=<seed> replays one.

// chaosSeedEnv names the environment variable that fixes the chaos and load tests' seed.
const chaosSeedEnv = "WAREHOUSESYNC_CHAOS_SEED"

// Sizes of the chaos test: independent workers (each with its own server), operations per worker.
const (
	chaosWorkers    = 4
	chaosOpsPerWork = 600
	chaosMaxRetries = 4
)

// chaosSeed returns the seed of this run: the environment's, or a random one. It logs it either way.
func chaosSeed(t *testing.T) uint64 {
	t.Helper()
	seed := rand.Uint64()
	if v := os.Getenv(chaosSeedEnv); v != "" {
		parsed, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, "%s must be an unsigned integer", chaosSeedEnv)
		seed = parsed
	}
	t.Logf("seed %d (replay with %s=%d)", seed, chaosSeedEnv, seed)
	return seed
}

// chaosConnection is a valid connection; variant picks the warehouse.
func chaosConnection(id, name string, variant int) *ws.Connection {
	conn := &ws.Connection{ID: id, Name: name, State: ws.StateActive}
	switch variant % 4 {
	case 0:
		conn.Config = &ws.SnowflakeConfig{AccountIdentifier: "gd12345", Region: "us-central1.gcp",
			Warehouse: "compute_wh", Database: "db", Role: "role", User: "user",
			Password: "chaos-snowflake-password", StorageIntegration: "mp_us1_123_123_s3"}
	case 1:
		conn.Config = &ws.BigQueryConfig{Region: "us-east1", ProjectID: "project", DatasetID: "dataset",
			ServiceAccountID:  "sa@project.iam.gserviceaccount.com",
			ServiceAccountKey: `{"type":"service_account","private_key":"chaos-bigquery-key"}`}
	case 2:
		conn.Config = &ws.RedshiftConfig{Database: "dev", Host: "redshift.example.com", User: "user",
			Password: "chaos-redshift-password", AWSIAMRoleARN: "arn:aws:iam::123456789:role/mp"}
	default:
		conn.Config = &ws.DatabricksConfig{Provider: "org", Schema: "schema"}
	}
	return conn
}

// chaosDataModel is a valid data model.
func chaosDataModel(id, name string) *ws.DataModel {
	return &ws.DataModel{ID: id, Name: name, State: ws.StateActive, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: "SELECT email, updated_at FROM db.schema.users"}}
}

// chaosPipeline is a valid active on-demand pipeline: it runs only when triggered.
func chaosPipeline(id, name, connID, modelID string) *ws.Pipeline {
	return &ws.Pipeline{ID: id, Name: name, PipelineType: ws.PipelineUserAttributes,
		ConnectionID: connID, DataModelID: modelID, State: ws.StateActive,
		Environment: ws.EnvironmentDevelopment,
		SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_at",
			IteratorDataType: ws.IteratorTimestamp},
		Schedule: ws.Schedule{Type: ws.ScheduleOnDemand}}
}

// chaosCounter is a RoundTripper that counts the API attempts (not token requests) it carries.
type chaosCounter struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *chaosCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/platform/v2/workspaces/") {
		c.n.Add(1)
	}
	return c.next.RoundTrip(r)
}

// chaosPipe is what the model knows of a pipeline.
type chaosPipe struct {
	name, conn, model string
	busy              bool             // a triggered run has not finished (the clock has not moved since)
	runs              map[int64]bool   // ids of its runs since it was created
	okTriggers        int              // triggers answered with success
	lostTriggers      int              // runs made by triggers whose answer was lost (ApplyThenFail)
	triggered         map[int64]string // run id → how the model learned it
}

// chaosModel is the state the successful calls imply.
type chaosModel struct {
	conns  map[string]string // id → name
	models map[string]string
	pipes  map[string]*chaosPipe
}

// chaosOp is one operation: what it sends, what it would answer without faults, and what it does.
type chaosOp struct {
	name         string
	method, path string // path relative to the workspace root, as faults match it
	natural      int    // the status without faults: 200, 204, 400 or 404
	repeat       int    // the status of the same request sent again after it was applied once
	exists       bool   // a create whose natural 400 is "already exists"
	same         bool   // ... and the stored resource is the one it sends (a reconciled retry succeeds)
	do           func(context.Context) error
	apply        func()             // the effect of a successful (natural) answer on the model; may be nil
	learn        func()             // reads the server, as a user would, after an answer was lost; may be nil
	check        func(applied bool) // runs after the faults are cleared, told whether the effect happened; may be nil
}

// chaosFault is the fault injected before an operation (kind "" for none).
type chaosFault struct {
	kind   string // "", "status", "latency", "apply"
	status int
	times  int
}

// chaosStats counts what happened, for the log.
type chaosStats struct {
	ops, attempts, faults, errs, lost, triggers int
}

// chaosWorker drives one server with one client.
type chaosWorker struct {
	t       *testing.T
	rng     *rand.Rand
	srv     *warehousesynctest.Server
	c       *ws.Client
	counter *chaosCounter
	m       chaosModel
	stats   chaosStats
	lastRun int64 // the largest run id seen
}

func TestChaos(t *testing.T) {
	t.Parallel()
	seed := chaosSeed(t)
	for w := range chaosWorkers {
		t.Run(fmt.Sprintf("worker-%d", w), func(t *testing.T) {
			t.Parallel()
			cw := newChaosWorker(t, seed+uint64(w))
			for range chaosOpsPerWork {
				cw.step()
				if t.Failed() {
					t.Fatalf("stopped after %d operations (seed %d, worker %d)", cw.stats.ops, seed, w)
				}
			}
			cw.checkFinal()
			t.Logf("%d operations, %d attempts, %d faults injected, %d error answers, %d lost answers, %d triggers",
				cw.stats.ops, cw.stats.attempts, cw.stats.faults, cw.stats.errs, cw.stats.lost, cw.stats.triggers)
		})
	}
}

func newChaosWorker(t *testing.T, seed uint64) *chaosWorker {
	srv := warehousesynctest.NewServer(t,
		warehousesynctest.WithMaxActivePipelines(0),
		warehousesynctest.WithTokenTTL(10000*time.Hour)) // one token: no 401 resend in the attempt counts
	counter := &chaosCounter{next: http.DefaultTransport.(*http.Transport).Clone()}
	hc := &http.Client{Transport: counter}
	t.Cleanup(hc.CloseIdleConnections)
	c := srv.Client(ws.WithHTTPClient(hc), ws.WithRetryPolicy(ws.RetryPolicy{
		MaxRetries: chaosMaxRetries, MinWait: 250 * time.Microsecond, MaxWait: time.Millisecond}))
	return &chaosWorker{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), srv: srv, c: c, counter: counter,
		m: chaosModel{conns: map[string]string{}, models: map[string]string{}, pipes: map[string]*chaosPipe{}},
	}
}

// step runs one random operation under a random fault and checks its outcome.
func (w *chaosWorker) step() {
	t := w.t
	if w.rng.IntN(20) == 0 {
		// Finish every run: a triggered run takes one minute of fake time.
		require.NoError(t, w.srv.Advance(2*time.Minute))
		for _, p := range w.m.pipes {
			p.busy = false
		}
		return
	}
	op := w.pick()
	f := w.pickFault(op)
	if f.kind != "" {
		fault := warehousesynctest.Fault{Method: op.method, Path: op.path, Times: f.times}
		switch f.kind {
		case "status":
			fault.Status = f.status
			if f.status == http.StatusTooManyRequests {
				fault.RetryAfter = time.Second // the client caps it at MaxWait
			}
		case "latency":
			fault.Latency = time.Duration(1+w.rng.IntN(2000)) * time.Microsecond
		case "apply":
			fault.Status, fault.ApplyThenFail = f.status, true
		}
		require.NoError(t, w.srv.InjectFault(fault))
		w.stats.faults++
	}
	before := w.counter.n.Load()
	err := op.do(context.Background())
	attempts := w.counter.n.Load() - before
	w.srv.ClearFaults()
	w.stats.ops++
	w.stats.attempts += int(attempts)

	final, wantAttempts, applied := chaosPredict(op, f)
	where := fmt.Sprintf("op %d %s (%s %s) under fault %+v", w.stats.ops, op.name, op.method, op.path, f)
	assert.Equal(t, wantAttempts, attempts, "attempts of %s", where)
	if final < 300 {
		require.NoError(t, err, where)
	} else {
		w.stats.errs++
		var apiErr *ws.APIError
		require.ErrorAs(t, err, &apiErr, "%s ends in a decoded API error", where)
		assert.Equal(t, final, apiErr.StatusCode, "%s: %v", where, err)
		assert.NotEmpty(t, apiErr.Messages, where)
		if final == http.StatusTooManyRequests {
			assert.Equal(t, time.Second, apiErr.RetryAfter, where)
			assert.Equal(t, "workspace", apiErr.RateLimitScope, where)
		}
	}
	if applied && op.apply != nil {
		op.apply()
	}
	if f.kind == "apply" {
		w.stats.lost++
		if op.learn != nil {
			op.learn()
		}
	}
	if op.check != nil {
		op.check(applied)
	}
}

// chaosIsCreate and chaosIsTrigger classify an operation's retry rules.
func chaosIsCreate(op chaosOp) bool {
	return op.method == http.MethodPost && op.path != "/inputs/data-pipelines/trigger"
}

func chaosIsTrigger(op chaosOp) bool {
	return op.method == http.MethodPost && op.path == "/inputs/data-pipelines/trigger"
}

// chaosRetried reports whether the client retries a status for an operation: a trigger only after a
// 429 (anything else may have started a run), a create like an idempotent request (it reconciles).
func chaosRetried(op chaosOp, status int) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return !chaosIsTrigger(op)
	}
	return false
}

// chaosReconciled is the end of a create whose retry, after an attempt that may have been applied,
// got "already exists": one more request reads the resource back, and the create succeeds when it is
// the one sent (ours, or an equal one that was there before).
func chaosReconciled(ours bool, op chaosOp, attempts int64) (int, int64) {
	if ours || op.same {
		return http.StatusOK, attempts + 1
	}
	return http.StatusBadRequest, attempts + 1
}

// chaosPredict returns the status the client ends with, how many requests it makes, and whether the
// operation's natural effect happens.
func chaosPredict(op chaosOp, f chaosFault) (final int, attempts int64, applied bool) {
	const most = chaosMaxRetries + 1
	success := op.natural < 300
	switch f.kind {
	case "", "latency":
		return op.natural, 1, success
	case "status":
		if !chaosRetried(op, f.status) {
			return f.status, 1, false
		}
		if f.times < most {
			if chaosIsCreate(op) && op.exists && f.status != http.StatusTooManyRequests {
				final, attempts := chaosReconciled(false, op, int64(f.times)+1)
				return final, attempts, false
			}
			return op.natural, int64(f.times) + 1, success
		}
		return f.status, most, false
	default: // apply: the first attempt is processed normally, whatever is answered
		if !chaosRetried(op, f.status) {
			return f.status, 1, success
		}
		if f.times < most {
			if chaosIsCreate(op) && (success || op.exists) {
				final, attempts := chaosReconciled(success, op, int64(f.times)+1)
				return final, attempts, success
			}
			return op.repeat, int64(f.times) + 1, success
		}
		return f.status, most, success
	}
}

// pickFault chooses a fault for op: none half of the time.
func (w *chaosWorker) pickFault(op chaosOp) chaosFault {
	times := 1 + w.rng.IntN(chaosMaxRetries+2) // up to one more than the attempts the client makes
	switch w.rng.IntN(14) {
	case 0:
		return chaosFault{kind: "status", status: http.StatusTooManyRequests, times: times}
	case 1:
		return chaosFault{kind: "status", status: http.StatusInternalServerError, times: times}
	case 2:
		return chaosFault{kind: "status", status: http.StatusBadGateway, times: times}
	case 3:
		return chaosFault{kind: "status", status: http.StatusServiceUnavailable, times: times}
	case 4:
		return chaosFault{kind: "status", status: http.StatusGatewayTimeout, times: times}
	case 5:
		return chaosFault{kind: "latency", times: times}
	case 6:
		status := []int{http.StatusInternalServerError, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable}[w.rng.IntN(4)]
		return chaosFault{kind: "apply", status: status, times: times}
	}
	return chaosFault{}
}

// The id pools: small, so that operations collide (duplicates, missing ids, resources in use).
func (w *chaosWorker) connID() string  { return fmt.Sprintf("conn-%d", w.rng.IntN(4)) }
func (w *chaosWorker) modelID() string { return fmt.Sprintf("model-%d", w.rng.IntN(4)) }
func (w *chaosWorker) pipeID() string  { return fmt.Sprintf("pipe-%d", w.rng.IntN(6)) }

// connVariant fixes the warehouse of each connection id, since a PUT cannot change it.
func chaosConnVariant(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "conn-"))
	return n
}

// pick chooses the next operation and describes it.
func (w *chaosWorker) pick() chaosOp {
	name := fmt.Sprintf("name-%d", w.rng.IntN(1000))
	switch k := w.rng.IntN(100); {
	case k < 6:
		return w.opConnCreate(w.connID(), name)
	case k < 11:
		return w.opConnUpdate(w.connID(), name)
	case k < 16:
		return w.opConnGet(w.connID())
	case k < 19:
		return w.opConnList()
	case k < 22:
		return w.opConnDelete(w.connID())
	case k < 28:
		return w.opModelCreate(w.modelID(), name)
	case k < 32:
		return w.opModelUpdate(w.modelID(), name)
	case k < 36:
		return w.opModelGet(w.modelID())
	case k < 38:
		return w.opModelList()
	case k < 41:
		return w.opModelDelete(w.modelID())
	case k < 50:
		return w.opPipeCreate(w.pipeID(), name, w.connID(), w.modelID())
	case k < 55:
		return w.opPipeUpdate(w.pipeID(), name, w.connID(), w.modelID())
	case k < 60:
		return w.opPipeGet(w.pipeID())
	case k < 62:
		return w.opPipeList()
	case k < 65:
		return w.opPipeDelete(w.pipeID())
	case k < 80:
		return w.opTrigger(w.pipeID())
	case k < 85:
		return w.opReport(w.pipeID())
	case k < 92:
		return w.opRunsList(w.pipeID())
	default:
		return w.opRunGet(w.pipeID())
	}
}

// status is 200 if found, else 404.
func chaosFound(found bool) int {
	if found {
		return http.StatusOK
	}
	return http.StatusNotFound
}

func (w *chaosWorker) opConnCreate(id, name string) chaosOp {
	_, exists := w.m.conns[id]
	op := chaosOp{name: "create connection " + id, method: http.MethodPost, path: "/connections",
		natural: http.StatusOK, repeat: http.StatusBadRequest}
	if exists {
		op.natural, op.exists, op.same = http.StatusBadRequest, true, w.m.conns[id] == name
	}
	op.do = func(ctx context.Context) error {
		got, err := w.c.Connections.Create(ctx, chaosConnection(id, name, chaosConnVariant(id)))
		if err == nil {
			assert.Equal(w.t, name, got.Name)
			assert.Equal(w.t, ws.ConnectionHealthy, got.Status)
		}
		return err
	}
	op.apply = func() { w.m.conns[id] = name }
	op.learn = func() { w.learnConn(id) }
	return op
}

func (w *chaosWorker) opConnUpdate(id, name string) chaosOp {
	_, exists := w.m.conns[id]
	op := chaosOp{name: "update connection " + id, method: http.MethodPut, path: "/connections/" + id,
		natural: chaosFound(exists)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		conn := chaosConnection(id, name, chaosConnVariant(id))
		switch cfg := conn.Config.(type) { // read-modify-write: the mask keeps the stored secret
		case *ws.SnowflakeConfig:
			cfg.Password = ws.MaskedSecret
		case *ws.RedshiftConfig:
			cfg.Password = ws.MaskedSecret
		}
		got, err := w.c.Connections.Update(ctx, conn)
		if err == nil {
			assert.Equal(w.t, name, got.Name)
		}
		return err
	}
	op.apply = func() { w.m.conns[id] = name }
	op.learn = func() { w.learnConn(id) }
	return op
}

func (w *chaosWorker) opConnGet(id string) chaosOp {
	want, exists := w.m.conns[id]
	op := chaosOp{name: "get connection " + id, method: http.MethodGet, path: "/connections/" + id,
		natural: chaosFound(exists)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		got, err := w.c.Connections.Get(ctx, id)
		if err == nil {
			assert.Equal(w.t, want, got.Name)
		}
		return err
	}
	return op
}

func (w *chaosWorker) opConnList() chaosOp {
	want := maps.Clone(w.m.conns)
	op := chaosOp{name: "list connections", method: http.MethodGet, path: "/connections",
		natural: http.StatusOK, repeat: http.StatusOK}
	op.do = func(ctx context.Context) error {
		got, err := w.c.Connections.List(ctx, nil)
		if err == nil {
			names := map[string]string{}
			for _, c := range got {
				names[c.ID] = c.Name
			}
			assert.Equal(w.t, want, names)
		}
		return err
	}
	return op
}

func (w *chaosWorker) opConnDelete(id string) chaosOp {
	_, exists := w.m.conns[id]
	op := chaosOp{name: "delete connection " + id, method: http.MethodDelete, path: "/connections/" + id,
		natural: http.StatusNoContent, repeat: http.StatusNotFound}
	switch {
	case !exists:
		op.natural = http.StatusNotFound
	case w.used(id, ""):
		op.natural, op.repeat = http.StatusBadRequest, http.StatusBadRequest
	}
	op.do = func(ctx context.Context) error { return w.c.Connections.Delete(ctx, id) }
	op.apply = func() { delete(w.m.conns, id) }
	op.learn = func() { w.learnConn(id) }
	return op
}

// used reports whether a pipeline of the model uses the connection or data model.
func (w *chaosWorker) used(connID, modelID string) bool {
	for _, p := range w.m.pipes {
		if (connID != "" && p.conn == connID) || (modelID != "" && p.model == modelID) {
			return true
		}
	}
	return false
}

// learnConn reads the connection after a lost answer and checks that the server holds what the model
// (updated with the operation's effect, if it happened) says.
func (w *chaosWorker) learnConn(id string) {
	got, err := w.c.Connections.Get(context.Background(), id)
	want, exists := w.m.conns[id]
	if !exists {
		require.ErrorIs(w.t, err, ws.ErrNotFound, "connection %s is gone", id)
		return
	}
	require.NoError(w.t, err, "connection %s exists", id)
	assert.Equal(w.t, want, got.Name, "connection %s", id)
}

func (w *chaosWorker) opModelCreate(id, name string) chaosOp {
	_, exists := w.m.models[id]
	op := chaosOp{name: "create data model " + id, method: http.MethodPost, path: "/data-models",
		natural: http.StatusOK, repeat: http.StatusBadRequest}
	if exists {
		op.natural, op.exists, op.same = http.StatusBadRequest, true, w.m.models[id] == name
	}
	op.do = func(ctx context.Context) error {
		got, err := w.c.DataModels.Create(ctx, chaosDataModel(id, name))
		if err == nil {
			assert.Equal(w.t, name, got.Name)
			assert.Equal(w.t, ws.DataModelValid, got.Status)
		}
		return err
	}
	op.apply = func() { w.m.models[id] = name }
	op.learn = func() { w.learnModel(id) }
	return op
}

func (w *chaosWorker) opModelUpdate(id, name string) chaosOp {
	_, exists := w.m.models[id]
	op := chaosOp{name: "update data model " + id, method: http.MethodPut, path: "/data-models/" + id,
		natural: chaosFound(exists)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		got, err := w.c.DataModels.Update(ctx, chaosDataModel(id, name))
		if err == nil {
			assert.Equal(w.t, name, got.Name)
		}
		return err
	}
	op.apply = func() { w.m.models[id] = name }
	op.learn = func() { w.learnModel(id) }
	return op
}

func (w *chaosWorker) opModelGet(id string) chaosOp {
	want, exists := w.m.models[id]
	op := chaosOp{name: "get data model " + id, method: http.MethodGet, path: "/data-models/" + id,
		natural: chaosFound(exists)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		got, err := w.c.DataModels.Get(ctx, id)
		if err == nil {
			assert.Equal(w.t, want, got.Name)
		}
		return err
	}
	return op
}

func (w *chaosWorker) opModelList() chaosOp {
	want := maps.Clone(w.m.models)
	op := chaosOp{name: "list data models", method: http.MethodGet, path: "/data-models",
		natural: http.StatusOK, repeat: http.StatusOK}
	op.do = func(ctx context.Context) error {
		got, err := w.c.DataModels.List(ctx, nil)
		if err == nil {
			names := map[string]string{}
			for _, m := range got {
				names[m.ID] = m.Name
			}
			assert.Equal(w.t, want, names)
		}
		return err
	}
	return op
}

func (w *chaosWorker) opModelDelete(id string) chaosOp {
	_, exists := w.m.models[id]
	op := chaosOp{name: "delete data model " + id, method: http.MethodDelete, path: "/data-models/" + id,
		natural: http.StatusNoContent, repeat: http.StatusNotFound}
	switch {
	case !exists:
		op.natural = http.StatusNotFound
	case w.used("", id):
		op.natural, op.repeat = http.StatusBadRequest, http.StatusBadRequest
	}
	op.do = func(ctx context.Context) error { return w.c.DataModels.Delete(ctx, id) }
	op.apply = func() { delete(w.m.models, id) }
	op.learn = func() { w.learnModel(id) }
	return op
}

func (w *chaosWorker) learnModel(id string) {
	got, err := w.c.DataModels.Get(context.Background(), id)
	want, exists := w.m.models[id]
	if !exists {
		require.ErrorIs(w.t, err, ws.ErrNotFound, "data model %s is gone", id)
		return
	}
	require.NoError(w.t, err, "data model %s exists", id)
	assert.Equal(w.t, want, got.Name, "data model %s", id)
}

func (w *chaosWorker) opPipeCreate(id, name, connID, modelID string) chaosOp {
	_, exists := w.m.pipes[id]
	_, connOK := w.m.conns[connID]
	_, modelOK := w.m.models[modelID]
	op := chaosOp{name: "create pipeline " + id, method: http.MethodPost, path: "/inputs/data-pipelines",
		natural: http.StatusOK, repeat: http.StatusBadRequest}
	if exists || !connOK || !modelOK {
		op.natural = http.StatusBadRequest
	}
	if exists && connOK && modelOK {
		p := w.m.pipes[id]
		op.exists, op.same = true, p.name == name && p.conn == connID && p.model == modelID
	}
	op.do = func(ctx context.Context) error {
		got, err := w.c.Pipelines.Create(ctx, chaosPipeline(id, name, connID, modelID))
		if err == nil {
			assert.Equal(w.t, name, got.Name)
			if !op.same { // an equal pipeline that was there before may be running
				assert.Equal(w.t, ws.PipelineIdle, got.Status)
			}
		}
		return err
	}
	op.apply = func() {
		w.m.pipes[id] = &chaosPipe{name: name, conn: connID, model: modelID,
			runs: map[int64]bool{}, triggered: map[int64]string{}}
	}
	op.learn = func() { w.learnPipe(id) }
	return op
}

func (w *chaosWorker) opPipeUpdate(id, name, connID, modelID string) chaosOp {
	_, exists := w.m.pipes[id]
	_, connOK := w.m.conns[connID]
	_, modelOK := w.m.models[modelID]
	op := chaosOp{name: "update pipeline " + id, method: http.MethodPut, path: "/inputs/data-pipelines/" + id,
		natural: http.StatusOK}
	switch {
	case !exists:
		op.natural = http.StatusNotFound
	case !connOK || !modelOK:
		op.natural = http.StatusBadRequest
	}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		got, err := w.c.Pipelines.Update(ctx, chaosPipeline(id, name, connID, modelID))
		if err == nil {
			assert.Equal(w.t, name, got.Name)
			assert.Equal(w.t, connID, got.ConnectionID)
		}
		return err
	}
	op.apply = func() {
		p := w.m.pipes[id]
		p.name, p.conn, p.model = name, connID, modelID
	}
	op.learn = func() { w.learnPipe(id) }
	return op
}

// pipeStatus is the status the model expects of a pipeline.
func chaosPipeStatus(p *chaosPipe) ws.PipelineStatus {
	if p.busy {
		return ws.PipelineRunning
	}
	return ws.PipelineIdle
}

func (w *chaosWorker) opPipeGet(id string) chaosOp {
	p, exists := w.m.pipes[id]
	op := chaosOp{name: "get pipeline " + id, method: http.MethodGet, path: "/inputs/data-pipelines/" + id,
		natural: chaosFound(exists)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		got, err := w.c.Pipelines.Get(ctx, id)
		if err == nil {
			assert.Equal(w.t, p.name, got.Name)
			assert.Equal(w.t, p.conn, got.ConnectionID)
			assert.Equal(w.t, chaosPipeStatus(p), got.Status, "pipeline %s", id)
		}
		return err
	}
	return op
}

func (w *chaosWorker) opPipeList() chaosOp {
	want := map[string]string{}
	for id, p := range w.m.pipes {
		want[id] = p.name + "/" + string(chaosPipeStatus(p))
	}
	op := chaosOp{name: "list pipelines", method: http.MethodGet, path: "/inputs/data-pipelines",
		natural: http.StatusOK, repeat: http.StatusOK}
	op.do = func(ctx context.Context) error {
		got, err := w.c.Pipelines.List(ctx, nil)
		if err == nil {
			names := map[string]string{}
			for _, p := range got {
				names[p.ID] = p.Name + "/" + string(p.Status)
			}
			assert.Equal(w.t, want, names)
		}
		return err
	}
	return op
}

func (w *chaosWorker) opPipeDelete(id string) chaosOp {
	_, exists := w.m.pipes[id]
	op := chaosOp{name: "delete pipeline " + id, method: http.MethodDelete, path: "/inputs/data-pipelines/" + id,
		natural: http.StatusNoContent, repeat: http.StatusNotFound}
	if !exists {
		op.natural = http.StatusNotFound
	}
	op.do = func(ctx context.Context) error { return w.c.Pipelines.Delete(ctx, id) }
	op.apply = func() { delete(w.m.pipes, id) }
	op.learn = func() { w.learnPipe(id) }
	return op
}

func (w *chaosWorker) learnPipe(id string) {
	got, err := w.c.Pipelines.Get(context.Background(), id)
	p, exists := w.m.pipes[id]
	if !exists {
		require.ErrorIs(w.t, err, ws.ErrNotFound, "pipeline %s is gone", id)
		return
	}
	require.NoError(w.t, err, "pipeline %s exists", id)
	assert.Equal(w.t, p.name, got.Name, "pipeline %s", id)
	assert.Equal(w.t, p.conn, got.ConnectionID, "pipeline %s", id)
}

// opTrigger triggers a pipeline. Whatever the answer, the runs list then shows exactly the runs the
// model expects: one more after a trigger that was processed, none more otherwise.
func (w *chaosWorker) opTrigger(id string) chaosOp {
	p, exists := w.m.pipes[id]
	op := chaosOp{name: "trigger " + id, method: http.MethodPost, path: "/inputs/data-pipelines/trigger",
		natural: http.StatusOK, repeat: http.StatusBadRequest}
	switch {
	case !exists:
		op.natural, op.repeat = http.StatusNotFound, http.StatusNotFound
	case p.busy:
		op.natural = http.StatusBadRequest
	}
	var answered int64 // the run id of a successful answer
	op.do = func(ctx context.Context) error {
		w.stats.triggers++
		tr, err := w.c.Pipelines.Trigger(ctx, id)
		if err == nil {
			assert.Equal(w.t, ws.TriggerAttemptRequested, tr.Status)
			answered = tr.PipelineRunID
			return nil
		}
		if errors.Is(err, ws.ErrBadRequest) {
			assert.ErrorIs(w.t, err, ws.ErrPipelineBusy, "the only 400 of a trigger here")
		}
		return err
	}
	op.apply = func() { p.busy = true }
	if exists {
		before := len(p.runs)
		op.check = func(applied bool) { w.checkTriggerRuns(id, p, before, answered, applied) }
	}
	return op
}

// checkTriggerRuns lists the pipeline's runs after a trigger and records the new run, if any: a trigger
// call makes at most one, and a successful answer names it.
func (w *chaosWorker) checkTriggerRuns(id string, p *chaosPipe, before int, answered int64, applied bool) {
	page, err := w.c.Runs.List(context.Background(), id, &ws.ListRunsOptions{PageSize: 1000})
	require.NoError(w.t, err)
	var fresh []int64
	for _, r := range page.Items {
		if !p.runs[r.ID] {
			fresh = append(fresh, r.ID)
		}
	}
	require.LessOrEqual(w.t, len(fresh), 1, "one trigger call made runs %v of pipeline %s", fresh, id)
	require.Equal(w.t, before+len(fresh), page.TotalItems, "runs of pipeline %s", id)
	require.Equal(w.t, applied, len(fresh) == 1, "pipeline %s: a run appears exactly when the model says the trigger was processed", id)
	switch {
	case answered != 0:
		require.Equal(w.t, []int64{answered}, fresh, "the answered run is the one new run of %s", id)
		p.okTriggers++
		p.triggered[answered] = "answer"
	case len(fresh) == 1:
		p.lostTriggers++
		p.triggered[fresh[0]] = "runs list after a lost answer"
	}
	for _, r := range fresh {
		p.runs[r] = true
		assert.Greater(w.t, r, w.lastRun, "run ids increase")
		w.lastRun = max(w.lastRun, r)
	}
}

func (w *chaosWorker) opReport(id string) chaosOp {
	p, exists := w.m.pipes[id]
	op := chaosOp{name: "report " + id, method: http.MethodGet, path: "/inputs/data-pipelines/" + id + "/report",
		natural: chaosFound(exists)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		rep, err := w.c.Pipelines.Report(ctx, id)
		if err == nil {
			assert.Equal(w.t, chaosPipeStatus(p), rep.Status, "report of %s", id)
			if len(p.runs) == 0 {
				assert.Nil(w.t, rep.LatestPipelineRun)
			} else if assert.NotNil(w.t, rep.LatestPipelineRun) {
				assert.True(w.t, p.runs[rep.LatestPipelineRun.ID], "latest run %d of %s", rep.LatestPipelineRun.ID, id)
			}
		}
		return err
	}
	return op
}

func (w *chaosWorker) opRunsList(id string) chaosOp {
	p, exists := w.m.pipes[id]
	var want []int64
	if exists {
		want = slices.Sorted(maps.Keys(p.runs))
	}
	op := chaosOp{name: "list runs of " + id, method: http.MethodGet, path: "/inputs/data-pipelines/" + id + "/runs",
		natural: chaosFound(exists)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		page, err := w.c.Runs.List(ctx, id, &ws.ListRunsOptions{PageSize: 1000})
		if err == nil {
			got := []int64{}
			for _, r := range page.Items {
				got = append(got, r.ID)
			}
			slices.Sort(got)
			assert.Equal(w.t, append([]int64{}, want...), got, "runs of %s", id)
		}
		return err
	}
	return op
}

func (w *chaosWorker) opRunGet(id string) chaosOp {
	p, exists := w.m.pipes[id]
	runID := w.lastRun + 1 - int64(w.rng.IntN(4)) // a recent run, of this pipeline or another, or none yet
	runID = max(runID, 1)
	found := exists && p.runs[runID]
	op := chaosOp{name: fmt.Sprintf("get run %d of %s", runID, id), method: http.MethodGet,
		path: fmt.Sprintf("/inputs/data-pipelines/%s/runs/%d", id, runID), natural: chaosFound(found)}
	op.repeat = op.natural
	op.do = func(ctx context.Context) error {
		run, err := w.c.Runs.Get(ctx, id, runID)
		if err == nil {
			assert.Equal(w.t, runID, run.ID)
			assert.Equal(w.t, id, run.PipelineID)
			assert.Equal(w.t, ws.RunManual, run.Type)
		}
		return err
	}
	return op
}

// checkFinal compares the whole server state with the model: resources and names, and for every
// pipeline exactly one run per processed trigger.
func (w *chaosWorker) checkFinal() {
	t := w.t
	ctx := context.Background()
	require.NoError(t, w.srv.Advance(2*time.Minute))
	conns, err := w.c.Connections.List(ctx, nil)
	require.NoError(t, err)
	gotConns := map[string]string{}
	for _, c := range conns {
		gotConns[c.ID] = c.Name
	}
	assert.Equal(t, w.m.conns, gotConns, "connections")
	models, err := w.c.DataModels.List(ctx, nil)
	require.NoError(t, err)
	gotModels := map[string]string{}
	for _, m := range models {
		gotModels[m.ID] = m.Name
	}
	assert.Equal(t, w.m.models, gotModels, "data models")
	pipes, err := w.c.Pipelines.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, pipes, len(w.m.pipes), "pipelines")
	seen := map[int64]string{}
	for _, got := range pipes {
		p := w.m.pipes[got.ID]
		require.NotNil(t, p, "pipeline %s", got.ID)
		assert.Equal(t, p.name, got.Name)
		assert.Equal(t, ws.PipelineIdle, got.Status, "every run has ended")
		page, err := w.c.Runs.List(ctx, got.ID, &ws.ListRunsOptions{PageSize: 1000})
		require.NoError(t, err)
		assert.Equal(t, p.okTriggers+p.lostTriggers, page.TotalItems,
			"pipeline %s: %d answered triggers and %d lost answers", got.ID, p.okTriggers, p.lostTriggers)
		for _, r := range page.Items {
			assert.Empty(t, seen[r.ID], "run %d is listed twice", r.ID)
			seen[r.ID] = got.ID
			assert.NotEmpty(t, p.triggered[r.ID], "run %d of %s comes from a trigger", r.ID, got.ID)
			assert.Equal(t, ws.RunSuccess, r.Status)
		}
	}
}
