package warehousesynctest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// These tests run the client against the fake, through the contract checker, over the scheduler and
// run engine: triggers, reports, runs lists, the clock and faults, as a user's test would.

// at parses an RFC 3339 time or fails the test.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v.UTC()
}

// stamp is at as a Timestamp.
func stamp(t *testing.T, s string) ws.Timestamp { return ws.NewTimestamp(at(t, s)) }

// createBasics creates the Snowflake connection "conn" and the data model "model".
func createBasics(t *testing.T, c *ws.Client) {
	t.Helper()
	ctx := context.Background()
	_, err := c.Connections.Create(ctx, snowflake("conn"))
	require.NoError(t, err)
	_, err = c.DataModels.Create(ctx, &ws.DataModel{ID: "model", Name: "Model", State: ws.StateActive,
		Type: ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: "SELECT email, updated_on FROM users"}})
	require.NoError(t, err)
}

// newPipeline is an active user-attributes pipeline on "conn" and "model", syncing incrementally on
// updated_on (a timestamp) from from (zero: unbounded), with the schedule sched.
func newPipeline(id string, from time.Time, sched ws.Schedule) *ws.Pipeline {
	p := &ws.Pipeline{ID: id, Name: "Pipeline " + id, PipelineType: ws.PipelineUserAttributes,
		ConnectionID: "conn", DataModelID: "model", State: ws.StateActive, Environment: ws.EnvironmentDevelopment,
		SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_on", IteratorDataType: ws.IteratorTimestamp},
		Schedule: sched}
	if !from.IsZero() {
		p.SyncMode.From = ws.NewTimestamp(from)
	}
	return p
}

func onDemand() ws.Schedule { return ws.Schedule{Type: ws.ScheduleOnDemand} }

func hourly(start time.Time) ws.Schedule {
	return ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyHourly, Start: ws.NewTimestamp(start)}
}

// mustCreate creates p through c.
func mustCreate(t *testing.T, c *ws.Client, p *ws.Pipeline) {
	t.Helper()
	_, err := c.Pipelines.Create(context.Background(), p)
	require.NoError(t, err)
}

// mustTrigger triggers the pipeline and returns the run id.
func mustTrigger(t *testing.T, c *ws.Client, id string) int64 {
	t.Helper()
	tr, err := c.Pipelines.Trigger(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, ws.TriggerAttemptRequested, tr.Status)
	return tr.PipelineRunID
}

// TestAutoAdvanceMovesToThePolledRunsNextStep is a regression test: a poll used to move the clock to
// the next event of any pipeline, so with another pipeline's event in between, the polled run had not
// changed and Runs.Wait slept a whole poll interval of wall time.
func TestAutoAdvanceMovesToThePolledRunsNextStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newCheckedServer(t, WithAutoAdvance())
	createBasics(t, c)
	start := DefaultStartTime()
	mustCreate(t, c, newPipeline("hourly", start, hourly(start))) // first run due at 01:00
	mustCreate(t, c, newPipeline("manual", time.Time{}, onDemand()))
	require.NoError(t, srv.AdvanceTo(start.Add(59*time.Minute+30*time.Second)))
	id := mustTrigger(t, c, "manual") // runs 00:59:30 – 01:00:30; "hourly" starts a run at 01:00 in between

	run, err := c.Runs.Get(ctx, "manual", id)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status, "one poll reaches the polled run's next step")
	assert.Equal(t, start.Add(time.Hour+30*time.Second), srv.Now(), "and goes no further")
	other, err := c.Pipelines.Get(ctx, "hourly")
	require.NoError(t, err)
	assert.Equal(t, ws.PipelineRunning, other.Status, "events on the way were processed")
}
