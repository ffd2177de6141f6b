package apply_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

func start() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }

func snowflake(id, password string) *ws.Connection {
	return &ws.Connection{ID: id, Name: "Snowflake " + id, State: ws.StateActive,
		Config: &ws.SnowflakeConfig{AccountIdentifier: "gd12345", Region: "us-east-1", Warehouse: "wh",
			Database: "db", Role: "role", User: "user", Password: ws.Secret(password), StorageIntegration: "si"}}
}

func redshift(id string) *ws.Connection {
	return &ws.Connection{ID: id, Name: "Redshift " + id, State: ws.StateActive,
		Config: &ws.RedshiftConfig{Database: "db", Host: "h.example.com", User: "u", Password: "pw", AWSIAMRoleARN: "arn:aws:iam::1:role/r"}}
}

func model(id, query string) *ws.DataModel {
	return &ws.DataModel{ID: id, Name: "Model " + id, State: ws.StateActive, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: query}}
}

func pipeline(id, conn, mdl string, freq ws.Frequency) *ws.Pipeline {
	return &ws.Pipeline{ID: id, Name: "Pipeline " + id, PipelineType: ws.PipelineUserAttributes,
		ConnectionID: conn, DataModelID: mdl, State: ws.StateActive, Environment: ws.EnvironmentDevelopment,
		SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_at", IteratorDataType: ws.IteratorTimestamp,
			From: ws.NewTimestamp(start())},
		Schedule: ws.Schedule{Type: ws.ScheduleInterval, Frequency: freq, Start: ws.NewTimestamp(start())}}
}

func desired(s apply.State) *apply.Desired {
	d := &apply.Desired{}
	d.Merge(&s, "test.yaml")
	return d
}

func refs(p *apply.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Ref.String())
	}
	return out
}

func fake(t *testing.T) (*warehousesynctest.Server, *ws.Client) {
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithStartTime(start()), warehousesynctest.WithMaxActivePipelines(0))
	return srv, srv.Client()
}

// seed plans d against the workspace of c and applies the plan.
func seed(tb testing.TB, c *ws.Client, d *apply.Desired) {
	tb.Helper()
	ctx := context.Background()
	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(tb, err)
	_, err = apply.Apply(ctx, c, p, nil)
	require.NoError(tb, err)
}

// apiCalls returns "METHOD path" (the path after the workspace) of the requests srv received after
// the first n, token requests left out.
func apiCalls(srv *warehousesynctest.Server, n int) []string {
	var api []string
	for _, r := range srv.Requests()[n:] {
		if r.Path != "/oauth/token" {
			api = append(api, r.Method+" "+strings.TrimPrefix(r.Path, "/"))
		}
	}
	return api
}

func TestPlanCreatesInDependencyOrderAndConverges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := fake(t)
	d := desired(apply.State{
		Pipelines:   []*ws.Pipeline{pipeline("p2", "sf", "m", ws.FrequencyDaily), pipeline("p1", "sf", "m", ws.FrequencyHourly)},
		DataModels:  []*ws.DataModel{model("m", "SELECT 1")},
		Connections: []*ws.Connection{snowflake("sf", "pw")},
	})
	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"create connection sf", "create data_model m", "create pipeline p1", "create pipeline p2"}, refs(p))
	assert.Equal(t, "test.yaml", p.Changes[0].Source)
	listed := false
	for _, f := range p.Changes[0].Fields {
		if f.Path == "config.password" {
			listed = true
			assert.True(t, f.Sensitive)
			assert.Empty(t, f.New)
		}
		assert.NotContains(t, f.New, "pw")
	}
	assert.True(t, listed, "the declared password is listed, as sensitive")
	res, err := apply.Apply(ctx, c, p, nil)
	require.NoError(t, err)
	assert.Len(t, res.Done, 4)

	again, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.False(t, again.HasChanges(), "%v", refs(again))
	assert.Len(t, again.Unchanged, 4)
}

func TestServerFilledFieldsAreNotDrift(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := fake(t)
	d := desired(apply.State{Connections: []*ws.Connection{snowflake("sf", "pw"), redshift("rs")}})
	seed(t, c, d)
	got, err := c.Connections.Get(ctx, "rs")
	require.NoError(t, err)
	require.Equal(t, "5439", got.Config.(*ws.RedshiftConfig).Port, "the fake fills the default port")
	sf, err := c.Connections.Get(ctx, "sf")
	require.NoError(t, err)
	require.NotEmpty(t, sf.Config.(*ws.SnowflakeConfig).AWSIAMUserARN)

	again, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.False(t, again.HasChanges(), "%v", refs(again))
}

func TestUpdateShowsFieldDiffAndKeepsUndeclaredFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := fake(t)
	base := apply.State{Connections: []*ws.Connection{snowflake("sf", "pw")}, DataModels: []*ws.DataModel{model("m", "SELECT 1")},
		Pipelines: []*ws.Pipeline{pipeline("p", "sf", "m", ws.FrequencyDaily)}}
	seed(t, c, desired(base))

	changed := pipeline("p", "sf", "m", ws.FrequencyHourly)
	changed.State = "" // not declared: stays active
	conn := snowflake("sf", "")
	conn.Name = "renamed"
	p, err := apply.MakePlan(ctx, c, desired(apply.State{Connections: []*ws.Connection{conn}, Pipelines: []*ws.Pipeline{changed}}), apply.Options{})
	require.NoError(t, err)
	require.Equal(t, []string{"update connection sf", "update pipeline p"}, refs(p))
	assert.Equal(t, []apply.FieldDiff{{Path: "name", Old: `"Snowflake sf"`, New: `"renamed"`}}, p.Changes[0].Fields,
		"a secret left out is unchanged and not listed")
	assert.Equal(t, []apply.FieldDiff{{Path: "schedule.frequency", Old: `"daily"`, New: `"hourly"`}}, p.Changes[1].Fields)
	_, err = apply.Apply(ctx, c, p, nil)
	require.NoError(t, err)
	got, err := c.Pipelines.Get(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, ws.StateActive, got.State)
	assert.Equal(t, ws.FrequencyHourly, got.Schedule.Frequency)
}

func TestSecretsPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := fake(t)
	d := desired(apply.State{Connections: []*ws.Connection{snowflake("sf", "pw")}})
	seed(t, c, d)

	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "a matching connection is not updated for its secret")

	p, err = apply.MakePlan(ctx, c, d, apply.Options{SendSecrets: true})
	require.NoError(t, err)
	require.Equal(t, []string{"update connection sf"}, refs(p))
	assert.Equal(t, []apply.FieldDiff{{Path: "config.password", Sensitive: true}}, p.Changes[0].Fields)

	_, err = apply.MakePlan(ctx, c, desired(apply.State{Connections: []*ws.Connection{snowflake("new", ws.MaskedSecret)}}), apply.Options{})
	require.ErrorIs(t, err, apply.ErrInvalid)
	assert.Contains(t, err.Error(), "test.yaml: connection new: config.password: is declared unchanged")
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := fake(t)
	base := apply.State{Connections: []*ws.Connection{snowflake("sf", "pw")}, DataModels: []*ws.DataModel{model("m", "SELECT 1")},
		Pipelines: []*ws.Pipeline{pipeline("p", "sf", "m", ws.FrequencyDaily)}}
	seed(t, c, desired(base))

	n := len(srv.Requests())
	_, err := apply.MakePlan(ctx, c, desired(apply.State{DataModels: []*ws.DataModel{model("m", "a"), model("m", "b")},
		Pipelines: []*ws.Pipeline{{ID: "bad id"}}}), apply.Options{})
	require.ErrorIs(t, err, apply.ErrInvalid)
	assert.Contains(t, err.Error(), "test.yaml: data_model m: id: is declared twice")
	assert.Contains(t, err.Error(), `pipeline #1: id: must be`)
	assert.NotContains(t, err.Error(), "bad id", "an invalid id is named by its place, never printed")
	assert.Equal(t, n, len(srv.Requests()), "refused before any request")

	moved := pipeline("p", "sf", "m", ws.FrequencyDaily)
	moved.SyncMode.From = ws.NewTimestamp(start().Add(time.Hour))
	dangling := pipeline("q", "nowhere", "m", ws.FrequencyDaily)
	bq := &ws.Connection{ID: "sf", Name: "x", State: ws.StateActive, Config: &ws.BigQueryConfig{Region: "r", ProjectID: "p", DatasetID: "d", ServiceAccountID: "s", ServiceAccountKey: "k"}}
	_, err = apply.MakePlan(ctx, c, desired(apply.State{Connections: []*ws.Connection{bq}, Pipelines: []*ws.Pipeline{moved, dangling}}), apply.Options{})
	require.ErrorIs(t, err, apply.ErrInvalid)
	for _, want := range []string{
		"test.yaml: pipeline p: sync_mode.from: cannot change after creation",
		"test.yaml: pipeline q: connection_id: names connection nowhere, which is neither declared nor in the workspace",
		"test.yaml: connection sf: service_provider: cannot change from Snowflake to BigQuery",
	} {
		assert.Contains(t, err.Error(), want)
	}
	for _, r := range srv.Requests()[n:] {
		assert.Equal(t, "GET", r.Method, "nothing written: %s %s", r.Method, r.Path)
	}

	// With prune, a declared pipeline cannot lean on an undeclared (to be deleted) connection.
	_, err = apply.MakePlan(ctx, c, desired(apply.State{DataModels: []*ws.DataModel{model("m", "SELECT 1")},
		Pipelines: []*ws.Pipeline{pipeline("p", "sf", "m", ws.FrequencyDaily)}}), apply.Options{Prune: true, Scope: apply.Scope{All: true}})
	require.ErrorIs(t, err, apply.ErrInvalid)
	assert.Contains(t, err.Error(), "would be pruned")
}

func TestPruneDeletesInReverseOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := fake(t)
	base := apply.State{Connections: []*ws.Connection{snowflake("sf", "pw"), redshift("rs")}, DataModels: []*ws.DataModel{model("m", "SELECT 1"), model("n", "SELECT 2")},
		Pipelines: []*ws.Pipeline{pipeline("p", "sf", "m", ws.FrequencyDaily), pipeline("q", "rs", "n", ws.FrequencyDaily)}}
	seed(t, c, desired(base))

	keep := desired(apply.State{Connections: []*ws.Connection{snowflake("sf", "pw")}, DataModels: []*ws.DataModel{model("m", "SELECT 1")},
		Pipelines: []*ws.Pipeline{pipeline("p", "sf", "m", ws.FrequencyDaily)}})
	p, err := apply.MakePlan(ctx, c, keep, apply.Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "no deletes without prune")
	p, err = apply.MakePlan(ctx, c, keep, apply.Options{Prune: true, Scope: apply.Scope{All: true}})
	require.NoError(t, err)
	assert.Equal(t, []string{"delete pipeline q", "delete data_model n", "delete connection rs"}, refs(p))
	_, err = apply.Apply(ctx, c, p, nil)
	require.NoError(t, err)
	conns, err := c.Connections.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, conns, 1)
}

func TestApplyStopsAtFailureAndSecondApplyConverges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := fake(t)
	d := desired(apply.State{Connections: []*ws.Connection{snowflake("sf", "pw")}, DataModels: []*ws.DataModel{model("m", "SELECT 1")},
		Pipelines: []*ws.Pipeline{pipeline("p", "sf", "m", ws.FrequencyDaily)}})
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: "POST", Path: "/data-models", Status: 500, Times: 100, Optional: true}))
	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	var reported []string
	res, err := apply.Apply(ctx, c, p, func(ch apply.Change, err error) { reported = append(reported, fmt.Sprint(ch.Ref, err == nil)) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "creating data_model m")
	assert.Contains(t, err.Error(), "(1 done, 2 not done)")
	assert.Equal(t, []string{"connection sf true", "data_model m false"}, reported)
	require.Len(t, res.Done, 1)
	assert.Equal(t, apply.Ref{Kind: apply.KindDataModel, ID: "m"}, res.Failed.Ref)
	require.Len(t, res.NotDone, 1)

	srv.ClearFaults() // the outage is over
	p, err = apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"create data_model m", "create pipeline p"}, refs(p))
	_, err = apply.Apply(ctx, c, p, nil)
	require.NoError(t, err)
	p, err = apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges())
}

// TestCreateWithLostAnswer: the client reconciles a create whose answer was lost (with the comparator
// apply plans with), so apply needs no read-back of its own; when no answer ever comes, apply stops with
// ErrOutcomeUnknown and planning again starts from what the workspace holds.
func TestCreateWithLostAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := fake(t)
	d := desired(apply.State{DataModels: []*ws.DataModel{model("m", "SELECT 1")}})
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: "POST", Path: "/data-models", Status: 500, ApplyThenFail: true, Times: 1}))
	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	res, err := apply.Apply(ctx, c, p, nil)
	require.NoError(t, err, "the client's retry met \"already exists\" and read the model back")
	require.Len(t, res.Done, 1)

	d2 := desired(apply.State{DataModels: []*ws.DataModel{model("n", "SELECT 2")}})
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: "POST", Path: "/data-models", Status: 500, ApplyThenFail: true, Times: 100, Optional: true}))
	p, err = apply.MakePlan(ctx, c, d2, apply.Options{})
	require.NoError(t, err)
	_, err = apply.Apply(ctx, c, p, nil)
	require.ErrorIs(t, err, ws.ErrOutcomeUnknown)
	p, err = apply.MakePlan(ctx, c, d2, apply.Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "the create had taken effect: planning again finds it")
}

func TestPlanRequestCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := fake(t)
	d := desired(apply.State{Connections: []*ws.Connection{snowflake("sf", "pw")}, DataModels: []*ws.DataModel{model("m", "SELECT 1")},
		Pipelines: []*ws.Pipeline{pipeline("p", "sf", "m", ws.FrequencyDaily)}})
	seed(t, c, d)
	n := len(srv.Requests())
	_, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"GET connections", "GET data-models", "GET inputs/data-pipelines"}, apiCalls(srv, n))
}

// TestApplyConvergesProperty: for random starting workspaces and random desired states (fields declared
// empty among them, and every accepted spelling of a Go value), one apply reaches the desired state (a
// second plan is empty, and a field declared empty is empty on the server), and without prune nothing
// is deleted.
func TestApplyConvergesProperty(t *testing.T) {
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithStartTime(start()), warehousesynctest.WithMaxActivePipelines(0))
	c := srv.Client()
	ctx := context.Background()
	rapid.Check(t, func(rt *rapid.T) {
		srv.Reset()
		startState, _ := genState(rt, "start")
		p, err := apply.MakePlan(ctx, c, desired(startState), apply.Options{})
		if err != nil {
			rt.Fatalf("seeding plan: %v", err)
		}
		if _, err := apply.Apply(ctx, c, p, nil); err != nil {
			rt.Fatalf("seeding: %v", err)
		}
		before, err := ids(ctx, c)
		if err != nil {
			rt.Fatal(err)
		}
		want, cleared := genState(rt, "want")
		prune := rapid.Bool().Draw(rt, "prune")
		d := desired(want)
		for r, fields := range cleared {
			d.Clear(r, fields...)
		}
		p, err = apply.MakePlan(ctx, c, d, apply.Options{Prune: prune, Scope: apply.Scope{All: true}})
		if errors.Is(err, apply.ErrInvalid) {
			return // a refused state (a reference pruning would break): nothing to apply
		}
		if err != nil {
			rt.Fatalf("plan: %v", err)
		}
		if !prune && p.Count(apply.ActionDelete) > 0 {
			rt.Fatalf("a plan without prune deletes: %v", refs(p))
		}
		if _, err := apply.Apply(ctx, c, p, nil); err != nil {
			rt.Fatalf("apply: %v (plan %v)", err, refs(p))
		}
		after, err := ids(ctx, c)
		if err != nil {
			rt.Fatal(err)
		}
		if !prune {
			for id := range before {
				if !after[id] {
					rt.Fatalf("%s was deleted without prune", id)
				}
			}
		}
		again, err := apply.MakePlan(ctx, c, d, apply.Options{Prune: prune, Scope: apply.Scope{All: true}})
		if err != nil {
			rt.Fatalf("second plan: %v", err)
		}
		if again.HasChanges() {
			rt.Fatalf("a second plan is not empty: %v %+v", refs(again), again.Changes)
		}
		for r := range cleared {
			got, err := c.Pipelines.Get(ctx, r.ID)
			if err != nil {
				rt.Fatal(err)
			}
			if got.DataPlanID != "" || got.DataPlanVersion != nil {
				rt.Fatalf("%s: the data plan declared empty is still set: %q", r, got.DataPlanID)
			}
		}
	})
}

// genState draws a consistent state over small id pools, so that states overlap, with the fields it
// declares empty.
func genState(t *rapid.T, label string) (s apply.State, cleared map[apply.Ref][]string) {
	cleared = map[apply.Ref][]string{}
	connIDs := rapid.SliceOfDistinct(rapid.SampledFrom([]string{"c1", "c2", "c3"}), rapid.ID[string]).Draw(t, label+"-conns")
	for _, id := range connIDs {
		var c *ws.Connection
		if rapid.Bool().Draw(t, label+"-redshift-"+id) {
			c = redshift(id)
		} else {
			c = snowflake(id, "pw")
		}
		c.Name = rapid.SampledFrom([]string{"a", "b"}).Draw(t, label+"-cname-"+id)
		c.State = rapid.SampledFrom([]ws.State{ws.StateActive, ws.StateInactive}).Draw(t, label+"-cstate-"+id)
		s.Connections = append(s.Connections, c)
	}
	modelIDs := rapid.SliceOfDistinct(rapid.SampledFrom([]string{"m1", "m2", "m3"}), rapid.ID[string]).Draw(t, label+"-models")
	for _, id := range modelIDs {
		s.DataModels = append(s.DataModels, model(id, rapid.SampledFrom([]string{"SELECT 1", "SELECT 2"}).Draw(t, label+"-sql-"+id)))
	}
	if len(connIDs) == 0 || len(modelIDs) == 0 {
		return s, cleared
	}
	pipeIDs := rapid.SliceOfDistinct(rapid.SampledFrom([]string{"p1", "p2", "p3", "p4"}), rapid.ID[string]).Draw(t, label+"-pipes")
	for _, id := range pipeIDs {
		p := pipeline(id, rapid.SampledFrom(connIDs).Draw(t, label+"-pc-"+id), rapid.SampledFrom(modelIDs).Draw(t, label+"-pm-"+id),
			rapid.SampledFrom([]ws.Frequency{ws.FrequencyDaily, ws.FrequencyHourly}).Draw(t, label+"-freq-"+id))
		p.State = rapid.SampledFrom([]ws.State{ws.StateActive, ws.StatePaused}).Draw(t, label+"-pstate-"+id)
		p.SyncMode.From = ws.Timestamp{} // not declared, so a changed from is never refused
		// Every accepted spelling of a schedule type, as a Go caller may write it.
		switch rapid.SampledFrom([]string{"interval", "interval in another zone", "on_demand", "on-demand"}).Draw(t, label+"-stype-"+id) {
		case "interval in another zone": // the same instant, as a Go caller in Paris may write it
			p.Schedule.Start = ws.Timestamp{Time: start().In(time.FixedZone("CET", 3600))}
		case "on_demand":
			p.Schedule = ws.Schedule{Type: ws.ScheduleOnDemand}
		case "on-demand":
			p.Schedule = ws.Schedule{Type: "on-demand"}
		}
		// A data plan declared, left out, or declared empty (cleared).
		switch rapid.SampledFrom([]string{"set", "left out", "cleared"}).Draw(t, label+"-dataplan-"+id) {
		case "set":
			p.DataPlanID, p.DataPlanVersion = "plan-"+id, ptr(rapid.Int64Range(1, 3).Draw(t, label+"-dpv-"+id))
		case "cleared":
			cleared[apply.Ref{Kind: apply.KindPipeline, ID: id}] = []string{"data_plan_id", "data_plan_version"}
		}
		s.Pipelines = append(s.Pipelines, p)
	}
	return s, cleared
}

// ids returns "kind id" of every resource of the workspace: what a prune of an empty desired state
// would delete, so that the test needs no list call of its own.
func ids(ctx context.Context, c *ws.Client) (map[string]bool, error) {
	p, err := apply.MakePlan(ctx, c, &apply.Desired{}, apply.Options{Prune: true, Scope: apply.Scope{All: true}})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, ch := range p.Changes {
		out[ch.Ref.String()] = true
	}
	return out, nil
}

// TestPruneDeletesOnlyWhatIsInScope: prune deletes what is not declared and is owned (an id prefix, or
// the whole workspace said explicitly), gives the reason for each delete, and is refused without a scope.
func TestPruneDeletesOnlyWhatIsInScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := fake(t)
	seed(t, c, desired(apply.State{DataModels: []*ws.DataModel{model("team-a-1", "SELECT 1"), model("team-a-2", "SELECT 1"), model("someone-else", "SELECT 2")}}))
	keep := desired(apply.State{DataModels: []*ws.DataModel{model("team-a-1", "SELECT 1")}})

	_, err := apply.MakePlan(ctx, c, keep, apply.Options{Prune: true})
	require.ErrorContains(t, err, "prune needs a scope")
	_, err = apply.MakePlan(ctx, c, keep, apply.Options{Prune: true, Scope: apply.Scope{IDPrefixes: []string{""}}})
	require.ErrorContains(t, err, `prune scope: id prefix "": must be 1 to`)

	p, err := apply.MakePlan(ctx, c, keep, apply.Options{Prune: true, Scope: apply.Scope{IDPrefixes: []string{"team-a-"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"delete data_model team-a-2"}, refs(p))
	assert.Equal(t, `not declared, and its id starts with "team-a-", a prefix of the prune scope`, p.Changes[0].Reason)

	keep.Scope = apply.Scope{All: true} // as a file's prune_scope: {all: true}
	p, err = apply.MakePlan(ctx, c, keep, apply.Options{Prune: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"delete data_model someone-else", "delete data_model team-a-2"}, refs(p))
	assert.Equal(t, "not declared, and the prune scope is the whole workspace", p.Changes[0].Reason)
}

// TestValidateOffline: every rule known without the API, all problems at once; MakePlan refuses the
// same state before any request.
func TestValidateOffline(t *testing.T) {
	t.Parallel()
	conn := snowflake("sf", "pw")
	conn.State = "Active"
	incremental := pipeline("p1", "sf", "m", ws.FrequencyDaily)
	incremental.SyncMode.IteratorField = ""
	noStart := pipeline("p2", "sf", "m", "")
	noStart.Schedule.Start = ws.Timestamp{}
	events := pipeline("p3", "sf", "m", ws.FrequencyDaily)
	events.PipelineType = ws.PipelineEvents
	events.Schedule.Type = "on-demand" // the documented spelling is valid
	d := desired(apply.State{Connections: []*ws.Connection{conn}, DataModels: []*ws.DataModel{model("m", "SELECT 1")},
		Pipelines: []*ws.Pipeline{incremental, noStart, events}})
	err := apply.Validate(d)
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		"test.yaml: connection sf: state: is not one of new, active, inactive",
		"test.yaml: pipeline p1: sync_mode.iterator_field: is required for an incremental sync (declare it with sync_mode.type)",
		"test.yaml: pipeline p2: schedule.frequency: is required for an interval schedule",
		"test.yaml: pipeline p2: schedule.start: is required for an interval schedule",
		"test.yaml: pipeline p3: field_transformation_id: is required for events pipelines",
	}, "\n"), err.Error())

	srv, c := fake(t)
	n := len(srv.Requests())
	_, err = apply.MakePlan(context.Background(), c, d, apply.Options{})
	require.ErrorIs(t, err, apply.ErrInvalid)
	assert.Len(t, srv.Requests(), n, "refused before any request")
}

// TestNewResourceNeedsRequiredFields: a resource that does not exist yet must declare what the API
// requires on create; the plan refuses it before any change.
func TestNewResourceNeedsRequiredFields(t *testing.T) {
	t.Parallel()
	_, c := fake(t)
	conn := snowflake("sf", "pw")
	conn.Config.(*ws.SnowflakeConfig).Warehouse = ""
	m := &ws.DataModel{ID: "m", Name: "M"}
	_, err := apply.MakePlan(context.Background(), c, desired(apply.State{Connections: []*ws.Connection{conn}, DataModels: []*ws.DataModel{m}}), apply.Options{})
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		"test.yaml: connection sf: config.warehouse: is required for a new connection",
		"test.yaml: data_model m: state: is required for a new data model",
		"test.yaml: data_model m: type: is required for a new data model",
		"test.yaml: data_model m: config.sql_query: is required for a new data model",
	}, "\n"), err.Error())
}

// TestExplicitEmptyClearsAField: a field declared empty clears it on the server; one left out keeps
// the stored value; a required field cannot be cleared.
func TestExplicitEmptyClearsAField(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := fake(t)
	base := func() apply.State {
		p := pipeline("p", "sf", "m", ws.FrequencyDaily)
		p.DataPlanID, p.DataPlanVersion = "plan-1", ptr(int64(2))
		p.Schedule.End = ws.NewTimestamp(start().AddDate(1, 0, 0))
		return apply.State{Connections: []*ws.Connection{snowflake("sf", "pw")}, DataModels: []*ws.DataModel{model("m", "SELECT 1")},
			Pipelines: []*ws.Pipeline{p}}
	}
	seed(t, c, desired(base()))

	s := base()
	s.Pipelines[0].DataPlanID, s.Pipelines[0].DataPlanVersion, s.Pipelines[0].Schedule.End = "", nil, ws.Timestamp{}
	d := desired(s)
	p, err := apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "left out: the stored values stay")

	ref := apply.Ref{Kind: apply.KindPipeline, ID: "p"}
	d.Clear(ref, "data_plan_id", "data_plan_version", "schedule.end")
	p, err = apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	require.Len(t, p.Changes, 1)
	assert.Equal(t, []apply.FieldDiff{
		{Path: "data_plan_id", Old: `"plan-1"`, Cleared: true},
		{Path: "data_plan_version", Old: "2", Cleared: true},
		{Path: "schedule.end", Old: `"2026-01-01T00:00:00.000Z"`, Cleared: true},
	}, p.Changes[0].Fields)
	_, err = apply.Apply(ctx, c, p, nil)
	require.NoError(t, err)
	got, err := c.Pipelines.Get(ctx, "p")
	require.NoError(t, err)
	assert.Empty(t, got.DataPlanID)
	assert.Nil(t, got.DataPlanVersion)
	assert.True(t, got.Schedule.End.IsZero())
	p, err = apply.MakePlan(ctx, c, d, apply.Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "cleared, then no change: %+v", p.Changes)

	d.Clear(ref, "name", "sync_mode.type")
	_, err = apply.MakePlan(ctx, c, d, apply.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test.yaml: pipeline p: name: is declared empty (null or \"\"), which clears a field, but only optional fields can be cleared")
	assert.Contains(t, err.Error(), "pipeline p: sync_mode.type: is declared empty")
}

func ptr[T any](v T) *T { return &v }
