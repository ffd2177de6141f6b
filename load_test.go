package warehousesync_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// The load test: 64 goroutines share one client and one fake. Each owns a connection, a data model and
// a pipeline that it updates, pauses, triggers, deletes and re-creates, reads everything, injects faults
// for anyone to hit and moves the clock (so the scheduler runs and tokens expire mid-flight). The only
// errors allowed are the injected ones, a trigger's "already in progress", and a 401 of a call during
// which the other workers moved the clock by a token's whole life (see loadWorker.ok); afterwards the
// store and the scheduler must be consistent.

const (
	loadWorkers      = 64
	loadOpsPerWorker = 55
)

// loadOwn is what one worker knows of its own resources; no other worker writes them.
type loadOwn struct {
	conn, model, pipe string
	connName          string
	modelName         string
	pipeName          string
	pipeExists        bool
	paused            bool
	interval          bool // an hourly pipeline, else on demand
	lastRun           int64
}

// loadCounts are the outcomes of all workers.
type loadCounts struct {
	ops, injected, busy, faults, advances, outlived atomic.Int64
}

func TestLoad(t *testing.T) {
	t.Parallel()
	seed := chaosSeed(t)
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithMaxActivePipelines(0))
	// A pool that keeps a connection per goroutine: the default keeps GOMAXPROCS+1, and 64 goroutines
	// would then spend their time dialling.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = loadWorkers
	hc := &http.Client{Transport: transport}
	t.Cleanup(hc.CloseIdleConnections)
	c := srv.Client(ws.WithHTTPClient(hc), ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 8,
		MinWait: 250 * time.Microsecond, MaxWait: time.Millisecond}))
	start := srv.Now()
	var counts loadCounts
	owns := make([]*loadOwn, loadWorkers)
	var wg sync.WaitGroup
	for g := range loadWorkers {
		own := &loadOwn{conn: fmt.Sprintf("load-conn-%d", g), model: fmt.Sprintf("load-model-%d", g),
			pipe: fmt.Sprintf("load-pipe-%d", g), interval: g%2 == 0}
		owns[g] = own
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			lw := &loadWorker{t: t, c: c, srv: srv, rng: rng, own: own, counts: &counts, start: start}
			lw.setup()
			for range loadOpsPerWorker {
				if t.Failed() {
					return
				}
				lw.step()
			}
		}()
	}
	wg.Wait()
	require.False(t, t.Failed())
	t.Logf("%d operations by %d goroutines: %d injected faults, %d injected errors surfaced, %d busy triggers, %d clock moves, %d calls outlived by their token",
		counts.ops.Load(), loadWorkers, counts.faults.Load(), counts.injected.Load(), counts.busy.Load(), counts.advances.Load(),
		counts.outlived.Load())

	srv.ClearFaults()
	loadCheckInvariants(t, c, srv, owns)
	require.NoError(t, srv.Advance(3*time.Hour))
	loadCheckInvariants(t, c, srv, owns)
}

// loadWorker is one goroutine of the load test.
type loadWorker struct {
	t      *testing.T
	c      *ws.Client
	srv    *warehousesynctest.Server
	rng    *rand.Rand
	own    *loadOwn
	counts *loadCounts
	start  time.Time
	began  time.Time // the fake's time when the current step (or setup call) began
}

// loadInjected reports whether err is the answer of an injected fault.
func loadInjected(err error) bool {
	var apiErr *ws.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, m := range apiErr.Messages {
		if strings.HasPrefix(m, "Injected fault: ") || strings.HasPrefix(m, "Too many requests: ") {
			return true
		}
	}
	return false
}

// ok reports whether the call succeeded; an injected error is counted, anything else fails the test.
//
// A 401 is allowed only when the other workers moved the clock by at least a token's whole life since
// the call began. The client fetches a new token after a 401 and stops at a 401 for that fresh token
// (with a real clock a token that fresh is refused for a reason a second fetch would not cure). Here
// a fresh token can be issued and then outlived before its request reaches the fake: every Advance by
// another goroutine in between ages it, and under load dozens of them can run. That is the test
// moving time faster than any clock, not a fault of the client or the fake, so it is allowed exactly
// then, and never when the clock moved less.
func (lw *loadWorker) ok(err error, what string) bool {
	lw.counts.ops.Add(1)
	switch {
	case err == nil:
		return true
	case loadInjected(err):
		lw.counts.injected.Add(1)
		return false
	case errors.Is(err, ws.ErrUnauthorized) && lw.srv.Now().Sub(lw.began) >= warehousesynctest.DefaultTokenTTL:
		lw.counts.outlived.Add(1)
		return false
	}
	lw.t.Errorf("%s: an error that no fault caused (clock moved %v): %v", what, lw.srv.Now().Sub(lw.began), err)
	return false
}

// setup creates the worker's connection and data model (retrying past injected errors).
func (lw *loadWorker) setup() {
	ctx := context.Background()
	o := lw.own
	o.connName, o.modelName = o.conn+" v0", o.model+" v0"
	for {
		lw.began = lw.srv.Now()
		_, err := lw.c.Connections.Create(ctx, chaosConnection(o.conn, o.connName, lw.rng.IntN(4)))
		if lw.ok(err, "create "+o.conn) || lw.t.Failed() {
			break
		}
	}
	for {
		lw.began = lw.srv.Now()
		_, err := lw.c.DataModels.Create(ctx, chaosDataModel(o.model, o.modelName))
		if lw.ok(err, "create "+o.model) || lw.t.Failed() {
			break
		}
	}
}

// pipeline is the worker's pipeline as the worker wants it now.
func (lw *loadWorker) pipeline() *ws.Pipeline {
	o := lw.own
	p := chaosPipeline(o.pipe, o.pipeName, o.conn, o.model)
	if o.interval {
		p.Schedule = ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyHourly,
			Start: ws.NewTimestamp(lw.start)}
	}
	if o.paused {
		p.State = ws.StatePaused
	}
	return p
}

func (lw *loadWorker) step() {
	ctx := context.Background()
	lw.began = lw.srv.Now()
	o, t := lw.own, lw.t
	name := fmt.Sprintf("v%d", lw.rng.IntN(1_000_000))
	switch k := lw.rng.IntN(100); {
	case k < 8:
		got, err := lw.c.Connections.Get(ctx, o.conn)
		if !lw.ok(err, "get "+o.conn) {
			return
		}
		assert.Equal(t, o.connName, got.Name)
		got.Name = o.conn + " " + name // read-modify-write: the masked secret keeps the stored one
		updated, err := lw.c.Connections.Update(ctx, got)
		if lw.ok(err, "update "+o.conn) {
			o.connName = updated.Name
		}
	case k < 16:
		m, err := lw.c.DataModels.Update(ctx, chaosDataModel(o.model, o.model+" "+name))
		if lw.ok(err, "update "+o.model) {
			o.modelName = m.Name
		}
	case k < 30:
		if !o.pipeExists {
			o.pipeName, o.paused = o.pipe+" "+name, false
			_, err := lw.c.Pipelines.Create(ctx, lw.pipeline())
			o.pipeExists = lw.ok(err, "create "+o.pipe)
			return
		}
		oldName, oldPaused := o.pipeName, o.paused
		o.pipeName, o.paused = o.pipe+" "+name, lw.rng.IntN(4) == 0
		p, err := lw.c.Pipelines.Update(ctx, lw.pipeline())
		if !lw.ok(err, "update "+o.pipe) {
			o.pipeName, o.paused = oldName, oldPaused
			return
		}
		assert.Equal(t, o.pipeName, p.Name)
	case k < 44:
		if !o.pipeExists || o.paused {
			return
		}
		tr, err := lw.c.Pipelines.Trigger(ctx, o.pipe)
		if errors.Is(err, ws.ErrPipelineBusy) {
			lw.counts.ops.Add(1)
			lw.counts.busy.Add(1)
			return
		}
		if lw.ok(err, "trigger "+o.pipe) {
			o.lastRun = tr.PipelineRunID
		}
	case k < 52:
		if !o.pipeExists {
			return
		}
		rep, err := lw.c.Pipelines.Report(ctx, o.pipe)
		if lw.ok(err, "report "+o.pipe) {
			assert.Equal(t, o.pipe, rep.PipelineID)
			assert.Equal(t, ws.ConnectionHealthy, rep.ConnectionStatus)
		}
	case k < 60:
		if !o.pipeExists {
			return
		}
		page, err := lw.c.Runs.List(ctx, o.pipe, &ws.ListRunsOptions{PageSize: 1 + lw.rng.IntN(20)})
		if lw.ok(err, "runs of "+o.pipe) {
			assert.LessOrEqual(t, len(page.Items), page.PageSize)
		}
	case k < 66:
		if !o.pipeExists || o.lastRun == 0 {
			return
		}
		run, err := lw.c.Runs.Get(ctx, o.pipe, o.lastRun)
		if lw.ok(err, "run of "+o.pipe) {
			assert.Equal(t, o.lastRun, run.ID)
			assert.Equal(t, ws.RunManual, run.Type)
		}
	case k < 70:
		m, err := lw.c.DataModels.Get(ctx, o.model)
		if lw.ok(err, "get "+o.model) {
			assert.Equal(t, o.modelName, m.Name)
		}
	case k < 73:
		lw.listEverything(ctx)
	case k < 83:
		if !o.pipeExists {
			return
		}
		if lw.ok(lw.c.Pipelines.Delete(ctx, o.pipe), "delete "+o.pipe) {
			o.pipeExists, o.lastRun = false, 0
		}
	case k < 93:
		status := []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout}[lw.rng.IntN(5)]
		f := warehousesynctest.Fault{Path: "/*", Status: status, Times: 1}
		if status == http.StatusTooManyRequests {
			f.RetryAfter = time.Second
		}
		if lw.rng.IntN(3) == 0 {
			f = warehousesynctest.Fault{Path: "/*", Latency: time.Duration(1+lw.rng.IntN(1000)) * time.Microsecond, Times: 1}
		}
		assert.NoError(t, lw.srv.InjectFault(f))
		lw.counts.faults.Add(1)
	default:
		assert.NoError(t, lw.srv.Advance(time.Duration(5+lw.rng.IntN(25))*time.Minute))
		lw.counts.advances.Add(1)
	}
}

// listEverything lists every kind of resource and checks the worker's own entries.
func (lw *loadWorker) listEverything(ctx context.Context) {
	o, t := lw.own, lw.t
	conns, err := lw.c.Connections.List(ctx, nil)
	if lw.ok(err, "list connections") {
		assert.Contains(t, loadNames(conns, func(c *ws.Connection) (string, string) { return c.ID, c.Name }), o.conn+"="+o.connName)
	}
	models, err := lw.c.DataModels.List(ctx, nil)
	if lw.ok(err, "list data models") {
		assert.Contains(t, loadNames(models, func(m *ws.DataModel) (string, string) { return m.ID, m.Name }), o.model+"="+o.modelName)
	}
	pipes, err := lw.c.Pipelines.List(ctx, nil)
	if lw.ok(err, "list pipelines") {
		names := loadNames(pipes, func(p *ws.Pipeline) (string, string) { return p.ID, p.Name })
		if o.pipeExists {
			assert.Contains(t, names, o.pipe+"="+o.pipeName)
		} else {
			assert.NotContains(t, strings.Join(names, "\n")+"\n", o.pipe+"=")
		}
	}
}

// loadNames returns "id=name" for every item.
func loadNames[T any](items []T, f func(T) (string, string)) []string {
	out := make([]string, len(items))
	for i, it := range items {
		id, name := f(it)
		out[i] = id + "=" + name
	}
	return out
}

// loadCheckInvariants checks the store and the scheduler: the workers' last writes are there, every
// pipeline's connection and data model exist, a pipeline has at most one active run and its status (in
// the pipeline and in its report) says so, run ids are unique across the workspace, and the runs of a
// pipeline follow one another in the order of their ids.
func loadCheckInvariants(t *testing.T, c *ws.Client, srv *warehousesynctest.Server, owns []*loadOwn) {
	t.Helper()
	ctx := context.Background()
	now := srv.Now()
	conns, err := c.Connections.List(ctx, nil)
	require.NoError(t, err)
	models, err := c.DataModels.List(ctx, nil)
	require.NoError(t, err)
	pipes, err := c.Pipelines.List(ctx, nil)
	require.NoError(t, err)
	connNames := loadNames(conns, func(c *ws.Connection) (string, string) { return c.ID, c.Name })
	modelNames := loadNames(models, func(m *ws.DataModel) (string, string) { return m.ID, m.Name })
	pipeNames := loadNames(pipes, func(p *ws.Pipeline) (string, string) { return p.ID, p.Name })
	existing := 0
	for _, o := range owns {
		assert.Contains(t, connNames, o.conn+"="+o.connName)
		assert.Contains(t, modelNames, o.model+"="+o.modelName)
		if o.pipeExists {
			existing++
			assert.Contains(t, pipeNames, o.pipe+"="+o.pipeName)
		}
	}
	require.Len(t, pipes, existing, "pipelines")

	runOwner := map[int64]string{}
	for _, p := range pipes {
		assert.True(t, slices.ContainsFunc(conns, func(c *ws.Connection) bool { return c.ID == p.ConnectionID }),
			"pipeline %s: connection %s exists", p.ID, p.ConnectionID)
		assert.True(t, slices.ContainsFunc(models, func(m *ws.DataModel) bool { return m.ID == p.DataModelID }),
			"pipeline %s: data model %s exists", p.ID, p.DataModelID)

		var runs []*ws.Run
		for run, err := range c.Runs.All(ctx, p.ID, &ws.ListRunsOptions{PageSize: 100}) {
			require.NoError(t, err)
			runs = append(runs, run)
		}
		active := 0
		for _, r := range runs {
			assert.Empty(t, runOwner[r.ID], "run %d of %s is also a run of %s", r.ID, p.ID, runOwner[r.ID])
			runOwner[r.ID] = p.ID
			assert.Equal(t, p.ID, r.PipelineID)
			assert.False(t, r.LogicalDate.After(now), "run %d: logical date in the future", r.ID)
			if !r.Status.Terminal() {
				active++
				assert.True(t, r.EndedOn.IsZero(), "run %d is %s but ended", r.ID, r.Status)
			} else {
				assert.False(t, r.EndedOn.IsZero(), "run %d is %s without an end", r.ID, r.Status)
				assert.False(t, r.EndedOn.Before(r.StartedOn.Time), "run %d ends before it starts", r.ID)
			}
		}
		assert.LessOrEqual(t, active, 1, "pipeline %s has %d active runs", p.ID, active)

		// One run at a time: in id order, each run that started did so after the previous one ended.
		byID := slices.Clone(runs)
		slices.SortFunc(byID, func(a, b *ws.Run) int { return int(a.ID - b.ID) })
		for i := 1; i < len(byID); i++ {
			prev, cur := byID[i-1], byID[i]
			if cur.StartedOn.IsZero() {
				continue
			}
			assert.False(t, prev.EndedOn.IsZero(), "pipeline %s: run %d started while run %d had not ended", p.ID, cur.ID, prev.ID)
			assert.False(t, cur.StartedOn.Before(prev.EndedOn.Time),
				"pipeline %s: run %d started at %s, before run %d ended at %s", p.ID, cur.ID, cur.StartedOn, prev.ID, prev.EndedOn)
		}

		want := ws.PipelineIdle
		switch {
		case active == 1:
			want = ws.PipelineRunning
		case p.State == ws.StatePaused:
			want = ws.PipelineStopped
		}
		assert.Equal(t, want, p.Status, "pipeline %s with %d active runs, state %s", p.ID, active, p.State)
		rep, err := c.Pipelines.Report(ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, want, rep.Status, "report of %s", p.ID)
		if len(runs) > 0 && assert.NotNil(t, rep.LatestPipelineRun, "report of %s", p.ID) {
			latest := slices.MaxFunc(runs, func(a, b *ws.Run) int {
				if c := a.LogicalDate.Compare(b.LogicalDate.Time); c != 0 {
					return c
				}
				return int(a.ID - b.ID)
			})
			assert.Equal(t, latest.ID, rep.LatestPipelineRun.ID, "report of %s: latest run", p.ID)
		}
	}
}
