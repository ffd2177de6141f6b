// Package integrationtest shows how to test your own code with the fake server. EnsurePipeline is the
// "user code": it makes sure a connection, a data model and a pipeline exist with the wanted settings
// and that the pipeline is healthy, re-triggering it when it is faulted. ensure_test.go tests it with
// warehousesynctest: creation, drift corrected, a faulted pipeline recovered, an unreachable warehouse,
// and a storm of 503 answers ridden out by the client's retries, all on the fake clock.
//
// The package is a library and its tests; there is no program to run. Run the tests with
//
//	go test -race ./examples/integrationtest
package integrationtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
)

// Spec is the wanted state of a pipeline and the connection and data model it uses.
type Spec struct {
	Connection ws.Connection
	DataModel  ws.DataModel
	// Pipeline's ConnectionID and DataModelID default to the IDs of Connection and DataModel.
	Pipeline ws.Pipeline
}

// Result says what EnsurePipeline found and did.
type Result struct {
	// Pipeline is the pipeline as the API stores it at the end.
	Pipeline *ws.Pipeline
	// Actions lists every change, in order, for example "created connection c" or "updated pipeline p
	// (schedule.frequency, state)"; it is empty when everything was already as wanted.
	Actions []string
	// Recovery is the run EnsurePipeline triggered because the pipeline was faulted, once it ended; nil
	// when the pipeline was not faulted.
	Recovery *ws.Run
}

// ErrRecreateNeeded is returned when the wanted pipeline differs from the stored one in a field the API
// cannot update (sync_mode.from). Delete the pipeline to have EnsurePipeline create it again.
var ErrRecreateNeeded = errors.New("the pipeline must be recreated")

// ErrRecoveryFailed is returned when the run triggered to recover a faulted pipeline did not succeed.
var ErrRecoveryFailed = errors.New("the recovery run did not succeed")

// readOnly are the fields the API sets; they never count as drift.
var readOnly = []string{"status", "errors", "created_on", "created_by", "last_modified_on", "last_modified_by"}

// secrets are config fields the API masks on reads, so their drift cannot be seen.
var secrets = []string{"password", "service_account_key"}

// EnsurePipeline creates what is missing, updates what drifted from want, re-saves a faulted connection
// or invalid data model (a PUT clears their faults, as mParticle documents), and, when the pipeline is
// still faulted, triggers a run to re-attempt the sync and waits for it (opts go to Runs.Wait). Secrets
// cannot be compared, since the API masks them: a changed password is applied only together with another
// change of the connection. ctx bounds the whole call, the wait included. On an error the Result still
// says what was done before it.
func EnsurePipeline(ctx context.Context, c *ws.Client, want Spec, opts ...ws.WaitOption) (*Result, error) {
	res := &Result{}
	if want.Pipeline.ConnectionID == "" {
		want.Pipeline.ConnectionID = want.Connection.ID
	}
	if want.Pipeline.DataModelID == "" {
		want.Pipeline.DataModelID = want.DataModel.ID
	}
	if err := ensureConnection(ctx, c, &want.Connection, res); err != nil {
		return res, err
	}
	if err := ensureDataModel(ctx, c, &want.DataModel, res); err != nil {
		return res, err
	}
	p, err := ensurePipeline(ctx, c, &want.Pipeline, res)
	if err != nil {
		return res, err
	}
	res.Pipeline = p

	rep, err := c.Pipelines.Report(ctx, p.ID)
	if err != nil {
		return res, fmt.Errorf("reading the report of pipeline %s: %w", p.ID, err)
	}
	if rep.Status != ws.PipelineFaulted {
		return res, nil
	}
	tr, err := c.Pipelines.Trigger(ctx, p.ID)
	if err != nil {
		return res, fmt.Errorf("re-triggering faulted pipeline %s: %w", p.ID, err)
	}
	res.Actions = append(res.Actions, fmt.Sprintf("triggered run %d of faulted pipeline %s (%s)",
		tr.PipelineRunID, p.ID, messages(rep.Errors)))
	run, err := c.Runs.Wait(ctx, p.ID, tr.PipelineRunID, opts...)
	if err != nil {
		return res, err
	}
	res.Recovery = run
	if run.Status != ws.RunSuccess {
		return res, fmt.Errorf("pipeline %s: run %d %s (%s): %w", p.ID, run.ID, run.Status, messages(run.Errors), ErrRecoveryFailed)
	}
	if res.Pipeline, err = c.Pipelines.Get(ctx, p.ID); err != nil {
		return res, fmt.Errorf("reading pipeline %s: %w", p.ID, err)
	}
	return res, nil
}

func ensureConnection(ctx context.Context, c *ws.Client, want *ws.Connection, res *Result) error {
	got, err := c.Connections.Get(ctx, want.ID)
	if errors.Is(err, ws.ErrNotFound) {
		if _, err := c.Connections.Create(ctx, want); err != nil {
			return fmt.Errorf("creating connection %s: %w", want.ID, err)
		}
		res.Actions = append(res.Actions, "created connection "+want.ID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading connection %s: %w", want.ID, err)
	}
	// The API fills some config fields (Snowflake's aws_* ids, Redshift's port): only what is wanted counts.
	changed, err := drift(want, got, false)
	if err != nil {
		return fmt.Errorf("comparing connection %s: %w", want.ID, err)
	}
	if len(changed) == 0 && got.Status != ws.ConnectionFaulted {
		return nil
	}
	if _, err := c.Connections.Update(ctx, want); err != nil {
		return fmt.Errorf("updating connection %s: %w", want.ID, err)
	}
	res.Actions = append(res.Actions, updated("connection", want.ID, changed, got.Status == ws.ConnectionFaulted))
	return nil
}

func ensureDataModel(ctx context.Context, c *ws.Client, want *ws.DataModel, res *Result) error {
	got, err := c.DataModels.Get(ctx, want.ID)
	if errors.Is(err, ws.ErrNotFound) {
		if _, err := c.DataModels.Create(ctx, want); err != nil {
			return fmt.Errorf("creating data model %s: %w", want.ID, err)
		}
		res.Actions = append(res.Actions, "created data model "+want.ID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading data model %s: %w", want.ID, err)
	}
	changed, err := drift(want, got, true)
	if err != nil {
		return fmt.Errorf("comparing data model %s: %w", want.ID, err)
	}
	if len(changed) == 0 && got.Status != ws.DataModelInvalid {
		return nil
	}
	if _, err := c.DataModels.Update(ctx, want); err != nil {
		return fmt.Errorf("updating data model %s: %w", want.ID, err)
	}
	res.Actions = append(res.Actions, updated("data model", want.ID, changed, got.Status == ws.DataModelInvalid))
	return nil
}

func ensurePipeline(ctx context.Context, c *ws.Client, want *ws.Pipeline, res *Result) (*ws.Pipeline, error) {
	got, err := c.Pipelines.Get(ctx, want.ID)
	if errors.Is(err, ws.ErrNotFound) {
		p, err := c.Pipelines.Create(ctx, want)
		if err != nil {
			return nil, fmt.Errorf("creating pipeline %s: %w", want.ID, err)
		}
		res.Actions = append(res.Actions, "created pipeline "+want.ID)
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading pipeline %s: %w", want.ID, err)
	}
	changed, err := drift(want, got, true)
	if err != nil {
		return nil, fmt.Errorf("comparing pipeline %s: %w", want.ID, err)
	}
	if len(changed) == 0 {
		return got, nil
	}
	if slices.Contains(changed, "sync_mode.from") {
		return nil, fmt.Errorf("pipeline %s: sync_mode.from is %s, want %s: %w",
			want.ID, got.SyncMode.From, want.SyncMode.From, ErrRecreateNeeded)
	}
	p, err := c.Pipelines.Update(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("updating pipeline %s: %w", want.ID, err)
	}
	res.Actions = append(res.Actions, updated("pipeline", want.ID, changed, false))
	return p, nil
}

// updated describes an update for Result.Actions.
func updated(kind, id string, changed []string, faulted bool) string {
	var why []string
	if len(changed) > 0 {
		why = append(why, strings.Join(changed, ", "))
	}
	if faulted {
		why = append(why, "to clear its fault")
	}
	return fmt.Sprintf("updated %s %s (%s)", kind, id, strings.Join(why, "; "))
}

// drift compares want and got as the API sees them (their JSON), ignoring read-only fields and secrets,
// and returns the dotted paths of the fields that differ, sorted. With exact false, fields that got has
// and want leaves out do not count.
func drift(want, got any, exact bool) ([]string, error) {
	w, err := asMap(want)
	if err != nil {
		return nil, err
	}
	g, err := asMap(got)
	if err != nil {
		return nil, err
	}
	for _, k := range readOnly {
		delete(w, k)
		delete(g, k)
	}
	var out []string
	diffMaps("", w, g, exact, &out)
	slices.Sort(out)
	return out, nil
}

func asMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func diffMaps(prefix string, want, got map[string]any, exact bool, out *[]string) {
	keys := make(map[string]bool, len(want)+len(got))
	for k := range want {
		keys[k] = true
	}
	if exact {
		for k := range got {
			keys[k] = true
		}
	}
	for k := range keys {
		if slices.Contains(secrets, k) {
			continue
		}
		wv, gv := want[k], got[k]
		wm, wIsMap := wv.(map[string]any)
		gm, gIsMap := gv.(map[string]any)
		if wIsMap && gIsMap {
			diffMaps(prefix+k+".", wm, gm, exact, out)
			continue
		}
		if !reflect.DeepEqual(wv, gv) {
			*out = append(*out, prefix+k)
		}
	}
}

// messages joins error messages for a description.
func messages(errs []ws.ErrorDetail) string {
	ms := make([]string, len(errs))
	for i, e := range errs {
		ms[i] = e.Message
	}
	if len(ms) == 0 {
		return "no message"
	}
	return strings.Join(ms, "; ")
}
