package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// story is one run of the quickstart: the client, what it talks to, and what it created.
type story struct {
	out      io.Writer
	c        *ws.Client
	fake     *warehousesynctest.Server // nil against the real API
	prefix   string                    // every resource id starts with it
	wait     []ws.WaitOption
	conn     *ws.SnowflakeConfig
	query    string
	iterator string

	created []resource       // in creation order; deleted in reverse
	rows    []map[string]any // the rows seeded into the fake so far
}

// resource is something the story created and must delete.
type resource struct {
	kind string // "pipeline", "data model" or "connection"
	id   string
}

// tell runs the story. Everything it creates is recorded in s.created before the request is sent, so
// that cleanup deletes it even when the answer is lost.
func (s *story) tell(ctx context.Context) error {
	conn, err := s.createConnection(ctx)
	if err != nil {
		return err
	}
	model, err := s.createModel(ctx)
	if err != nil {
		return err
	}
	p, err := s.createPipeline(ctx, "pipeline", "Quickstart tickets pipeline", conn.ID, model.ID,
		ws.Schedule{Type: ws.ScheduleOnDemand})
	if err != nil {
		return err
	}

	// First sync: an incremental pipeline's first run syncs everything up to the trigger.
	s.seed(model.ID, "3 rows land in the warehouse", -3*time.Hour, -2*time.Hour, -30*time.Minute)
	run1, err := s.triggerAndWait(ctx, p.ID)
	if err != nil {
		return err
	}

	// Second sync: only what is new since the first one.
	if s.fake != nil {
		if err := s.fake.Advance(2 * time.Hour); err != nil {
			return err
		}
		s.seed(model.ID, "2 hours pass and 2 new rows land", -90*time.Minute, -20*time.Minute)
	}
	tr2, err := s.trigger(ctx, p.ID)
	if err != nil {
		return err
	}
	if err := s.triggerBusy(ctx, p.ID, tr2.PipelineRunID); err != nil {
		return err
	}
	run2, err := s.waitFor(ctx, p.ID, tr2.PipelineRunID)
	if err != nil {
		return err
	}
	s.compareRanges(run1, run2)

	pipelines := []string{p.ID}
	fmt.Fprintln(s.out)
	if s.fake != nil {
		hourly, err := s.runHourlyDay(ctx, conn.ID, model.ID)
		if err != nil {
			return err
		}
		pipelines = append(pipelines, hourly.ID)
	} else {
		fmt.Fprintln(s.out, "skipped against the real API: an hourly pipeline run for a day needs the fake clock")
	}

	for _, id := range pipelines {
		if err := s.printRuns(ctx, id); err != nil {
			return err
		}
	}
	fmt.Fprintln(s.out)
	for _, id := range pipelines {
		if err := s.printReport(ctx, id); err != nil {
			return err
		}
	}
	fmt.Fprintln(s.out)
	return nil
}

func (s *story) createConnection(ctx context.Context) (*ws.Connection, error) {
	id := s.prefix + "connection"
	s.created = append(s.created, resource{"connection", id})
	conn, err := s.c.Connections.Create(ctx, &ws.Connection{
		ID: id, Name: "Quickstart Snowflake connection", State: ws.StateActive,
		Config: s.conn, // service_provider "Snowflake" comes from the config type
	})
	if err != nil {
		return nil, fmt.Errorf("creating connection %s: %w", id, err)
	}
	masked := false
	if cfg, ok := conn.Config.(*ws.SnowflakeConfig); ok {
		masked = cfg.Password.IsMasked()
	}
	fmt.Fprintf(s.out, "created connection %s: %s, %s, password masked in the answer: %t\n",
		conn.ID, conn.ServiceProvider, conn.Status, masked)
	return conn, nil
}

func (s *story) createModel(ctx context.Context) (*ws.DataModel, error) {
	id := s.prefix + "model"
	s.created = append(s.created, resource{"data model", id})
	model, err := s.c.DataModels.Create(ctx, &ws.DataModel{
		ID: id, Name: "Quickstart tickets model", State: ws.StateActive, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: s.query},
	})
	if err != nil {
		return nil, fmt.Errorf("creating data model %s: %w", id, err)
	}
	fmt.Fprintf(s.out, "created data model %s: %s, %q\n", model.ID, model.Status, model.Config.SQLQuery)
	return model, nil
}

func (s *story) createPipeline(ctx context.Context, suffix, name, connID, modelID string, sched ws.Schedule) (*ws.Pipeline, error) {
	id := s.prefix + suffix
	s.created = append(s.created, resource{"pipeline", id})
	p, err := s.c.Pipelines.Create(ctx, &ws.Pipeline{
		ID: id, Name: name, PipelineType: ws.PipelineUserAttributes,
		ConnectionID: connID, DataModelID: modelID, State: ws.StateActive,
		SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: s.iterator,
			IteratorDataType: ws.IteratorTimestamp},
		Schedule:    sched,
		Environment: ws.EnvironmentDevelopment,
	})
	if err != nil {
		return nil, fmt.Errorf("creating pipeline %s: %w", id, err)
	}
	when := string(p.Schedule.Type)
	if p.Schedule.Type == ws.ScheduleInterval {
		when = fmt.Sprintf("%s from %s", p.Schedule.Frequency, p.Schedule.Start.Format(timeLayout))
	}
	fmt.Fprintf(s.out, "created pipeline %s: %s on %s, %s, %s\n",
		p.ID, p.SyncMode.Type, p.SyncMode.IteratorField, when, p.Status)
	return p, nil
}

// seed adds rows updated at the given offsets from the fake clock's now (only against the fake).
func (s *story) seed(modelID, what string, offsets ...time.Duration) {
	if s.fake == nil {
		return
	}
	now := s.fake.Now()
	for i, off := range offsets {
		s.rows = append(s.rows, map[string]any{
			"email":      fmt.Sprintf("user%d@example.com", len(s.rows)+1),
			"plan":       []string{"free", "pro", "team"}[i%3],
			"updated_at": now.Add(off).Format(time.RFC3339),
		})
	}
	s.fake.DefaultWorkspace().SeedRecords(modelID, s.rows)
	fmt.Fprintf(s.out, "fake: %s (%d rows in the table)\n", what, len(s.rows))
}

func (s *story) trigger(ctx context.Context, pipelineID string) (*ws.TriggerResponse, error) {
	tr, err := s.c.Pipelines.Trigger(ctx, pipelineID)
	if err != nil {
		return nil, fmt.Errorf("triggering %s: %w", pipelineID, err)
	}
	fmt.Fprintf(s.out, "triggered %s: run %d, %s\n", pipelineID, tr.PipelineRunID, tr.Status)
	return tr, nil
}

func (s *story) waitFor(ctx context.Context, pipelineID string, runID int64) (*ws.Run, error) {
	run, err := s.c.Runs.Wait(ctx, pipelineID, runID, s.wait...)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.out, "run %d: %s, %d records synced, %d failed, range %s\n",
		run.ID, run.Status, run.SuccessfulRecords, run.FailedRecords, formatRange(run))
	for _, e := range run.Errors {
		fmt.Fprintf(s.out, "  error: %s\n", e.Message)
	}
	return run, nil
}

func (s *story) triggerAndWait(ctx context.Context, pipelineID string) (*ws.Run, error) {
	tr, err := s.trigger(ctx, pipelineID)
	if err != nil {
		return nil, err
	}
	return s.waitFor(ctx, pipelineID, tr.PipelineRunID)
}

// triggerBusy triggers the pipeline again while run runID is active: the API answers 400, which the
// client decodes as ErrPipelineBusy.
func (s *story) triggerBusy(ctx context.Context, pipelineID string, runID int64) error {
	tr, err := s.c.Pipelines.Trigger(ctx, pipelineID)
	switch {
	case errors.Is(err, ws.ErrPipelineBusy):
		fmt.Fprintf(s.out, "triggered again while run %d is active: errors.Is(err, warehousesync.ErrPipelineBusy) is true\n  %v\n",
			runID, err)
		return nil
	case err != nil:
		return fmt.Errorf("triggering %s while run %d is active: %w", pipelineID, runID, err)
	}
	// The real API may have finished the run already; then the trigger started another one.
	fmt.Fprintf(s.out, "triggered again: run %d had already ended, so run %d started\n", runID, tr.PipelineRunID)
	_, err = s.waitFor(ctx, pipelineID, tr.PipelineRunID)
	return err
}

// compareRanges shows that an incremental run starts where the last successful one ended.
func (s *story) compareRanges(first, second *ws.Run) {
	switch {
	case first.Status != ws.RunSuccess:
		fmt.Fprintf(s.out, "run %d did not succeed, so run %d synced from the beginning again: %s\n",
			first.ID, second.ID, formatRange(second))
	case second.RangeStart.Equal(first.RangeEnd.Time):
		fmt.Fprintf(s.out, "run %d starts where run %d ended: %s (no gap, no overlap)\n",
			second.ID, first.ID, second.RangeStart.Format(timeLayout))
	default:
		fmt.Fprintf(s.out, "run %d starts at %s, run %d ended at %s\n", second.ID,
			formatTime(second.RangeStart), first.ID, formatTime(first.RangeEnd))
	}
}

// runHourlyDay creates an hourly pipeline starting at the next full hour and lets a day pass on the
// fake clock: each hour's run syncs the rows updated in that hour.
func (s *story) runHourlyDay(ctx context.Context, connID, modelID string) (*ws.Pipeline, error) {
	start := s.fake.Now().Truncate(time.Hour).Add(time.Hour)
	p, err := s.createPipeline(ctx, "hourly-pipeline", "Quickstart hourly tickets pipeline", connID, modelID,
		ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyHourly, Start: ws.NewTimestamp(start)})
	if err != nil {
		return nil, err
	}
	s.seed(modelID, "6 more rows will land during the next day",
		90*time.Minute, 130*time.Minute, 170*time.Minute, 8*time.Hour, 14*time.Hour+45*time.Minute, 20*time.Hour)
	if err := s.fake.Advance(24 * time.Hour); err != nil {
		return nil, err
	}
	fmt.Fprintf(s.out, "fake: advanced the clock by a day to %s\n", s.fake.Now().Format(timeLayout))
	return p, nil
}

// cleanup deletes what the story created, newest first. Something that was never created (its create
// failed) is not found, which is fine.
func (s *story) cleanup(ctx context.Context) error {
	var errs []error
	for i := len(s.created) - 1; i >= 0; i-- {
		r := s.created[i]
		var err error
		switch r.kind {
		case "pipeline":
			err = s.c.Pipelines.Delete(ctx, r.id)
		case "data model":
			err = s.c.DataModels.Delete(ctx, r.id)
		case "connection":
			err = s.c.Connections.Delete(ctx, r.id)
		}
		switch {
		case errors.Is(err, ws.ErrNotFound):
		case err != nil:
			fmt.Fprintf(s.out, "cleanup: could not delete %s %s: %v\n", r.kind, r.id, err)
			errs = append(errs, fmt.Errorf("deleting %s %s: %w", r.kind, r.id, err))
		default:
			fmt.Fprintf(s.out, "cleanup: deleted %s %s\n", r.kind, r.id)
		}
	}
	s.created = nil
	if len(errs) > 0 {
		return fmt.Errorf("cleanup: %w", errors.Join(errs...))
	}
	fmt.Fprintln(s.out, "cleanup done")
	return nil
}
