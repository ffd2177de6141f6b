package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// day0 is where the fake clock and the daily schedule start.
func day0() time.Time { return time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC) }

// timeLayout is how instants are printed (always UTC).
const timeLayout = "2006-01-02 15:04"

const (
	pipelineID = "backfill-pipeline"
	modelID    = "backfill-model"
	connID     = "backfill-connection"
	days       = 20 // days of seeded rows
	rowsPerDay = 4  // one row every 6 hours, at 03:00, 09:00, 15:00 and 21:00
)

// backfill runs the story on a fake server of its own.
func backfill(ctx context.Context, out io.Writer) error {
	srv, err := warehousesynctest.Start(warehousesynctest.WithStartTime(day0()))
	if err != nil {
		return fmt.Errorf("starting the embedded fake server: %w", err)
	}
	defer srv.Close()
	c := srv.Client()
	fmt.Fprintf(out, "Running against the embedded fake server, in-process; fake clock at %s UTC\n\n",
		srv.Now().Format(timeLayout))

	p, err := setUp(ctx, c, srv)
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "%s  %s\n", srv.Now().Format(timeLayout), fmt.Sprintf(format, args...))
	}
	say("created daily pipeline %s: %s on %s, from %s; %d rows seeded, %d a day",
		p.ID, p.SyncMode.Type, p.SyncMode.IteratorField, p.SyncMode.From.Format(timeLayout), days*rowsPerDay, rowsPerDay)

	// advance moves the clock to day d at 06:00 and says which runs happened on the way.
	advance := func(d int) error {
		from := srv.Now()
		if err := srv.AdvanceTo(day0().AddDate(0, 0, d).Add(6 * time.Hour)); err != nil {
			return err
		}
		runs, err := runsSince(ctx, c, from)
		if err != nil {
			return err
		}
		rep, err := c.Pipelines.Report(ctx, pipelineID)
		if err != nil {
			return err
		}
		say("%d days later: %s, pipeline %s", srv.Now().Sub(from)/(24*time.Hour), plural(len(runs), "run"), rep.Status)
		for _, r := range runs {
			fmt.Fprintf(out, "                  run %d %s: %s, %d records", r.ID, r.Status, formatRange(r), r.SuccessfulRecords)
			for _, e := range r.Errors {
				fmt.Fprintf(out, " (%s)", e.Message)
			}
			fmt.Fprintln(out)
		}
		return nil
	}
	setState := func(state ws.State) error {
		p.State = state
		updated, err := c.Pipelines.Update(ctx, p)
		if err != nil {
			return err
		}
		*p = *updated
		return nil
	}

	steps := []struct {
		do   func() error
		what string
	}{
		{func() error { return advance(3) }, ""},
		{func() error { return setState(ws.StatePaused) }, "paused the pipeline"},
		{func() error { return advance(6) }, ""},
		{func() error { return setState(ws.StateActive) }, "resumed the pipeline: the next run reaches back to the last successful one"},
		{func() error { return advance(8) }, ""},
		{func() error {
			return srv.DefaultWorkspace().FailNextRuns(pipelineID, 1, "Warehouse compute_wh is suspended.")
		}, "fake: the warehouse is suspended; the next run fails"},
		{func() error { return advance(10) }, ""},
		{func() error { return setState(ws.StateActive) }, "updated the pipeline (PUT, same settings): that clears the fault"},
		{func() error { return advance(12) }, ""},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			return err
		}
		if step.what != "" {
			say("%s", step.what)
		}
	}

	all, err := runsSince(ctx, c, time.Time{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nruns of %s:\n", pipelineID)
	printRuns(out, all)
	fmt.Fprintln(out)
	return check(out, all)
}

// setUp creates the connection, the data model and a daily incremental pipeline from day0, and seeds
// the rows the runs count.
func setUp(ctx context.Context, c *ws.Client, srv *warehousesynctest.Server) (*ws.Pipeline, error) {
	if _, err := c.Connections.Create(ctx, &ws.Connection{
		ID: connID, Name: "Backfill connection", State: ws.StateActive,
		Config: &ws.SnowflakeConfig{
			AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
			Database: "shop", Role: "mparticle_role", User: "mparticle_user",
			Password: "not-a-real-password", StorageIntegration: "mp_us1_123_123_s3",
		},
	}); err != nil {
		return nil, err
	}
	if _, err := c.DataModels.Create(ctx, &ws.DataModel{
		ID: modelID, Name: "Backfill model", State: ws.StateActive, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{SQLQuery: "SELECT customer_id, email, updated_at FROM shop.public.customers"},
	}); err != nil {
		return nil, err
	}
	srv.DefaultWorkspace().SeedRecords(modelID, seededRows())
	// from = start: no initial run for the data before the start; each run syncs its day.
	return c.Pipelines.Create(ctx, &ws.Pipeline{
		ID: pipelineID, Name: "Backfill pipeline", PipelineType: ws.PipelineUserAttributes,
		ConnectionID: connID, DataModelID: modelID, State: ws.StateActive, Environment: ws.EnvironmentDevelopment,
		SyncMode: ws.SyncMode{Type: ws.SyncIncremental, IteratorField: "updated_at",
			IteratorDataType: ws.IteratorTimestamp, From: ws.NewTimestamp(day0())},
		Schedule: ws.Schedule{Type: ws.ScheduleInterval, Frequency: ws.FrequencyDaily, Start: ws.NewTimestamp(day0())},
	})
}

// seededRows are rowsPerDay rows a day for days days from day0.
func seededRows() []map[string]any {
	rows := make([]map[string]any, 0, days*rowsPerDay)
	for i := range days * rowsPerDay {
		t := day0().Add(3*time.Hour + time.Duration(i)*24*time.Hour/rowsPerDay)
		rows = append(rows, map[string]any{
			"customer_id": i + 1,
			"email":       fmt.Sprintf("customer%d@example.com", i+1),
			"updated_at":  t.Format(time.RFC3339),
		})
	}
	return rows
}

// rowsIn counts the seeded rows updated in [from, to).
func rowsIn(from, to time.Time) int64 {
	var n int64
	for _, r := range seededRows() {
		t, err := time.Parse(time.RFC3339, r["updated_at"].(string))
		if err == nil && !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

// runsSince returns the runs that ended after t (every run for the zero t), in the API's order.
func runsSince(ctx context.Context, c *ws.Client, t time.Time) ([]*ws.Run, error) {
	var out []*ws.Run
	for r, err := range c.Runs.All(ctx, pipelineID, nil) {
		if err != nil {
			return nil, err
		}
		if r.EndedOn.After(t) {
			out = append(out, r)
		}
	}
	return out, nil
}

// check verifies what the example is about: the successful runs' ranges touch end to start, and
// together they synced every row updated in the time they cover.
func check(out io.Writer, runs []*ws.Run) error {
	var first, last time.Time
	var synced int64
	for _, r := range runs {
		if r.Status != ws.RunSuccess {
			continue
		}
		switch {
		case last.IsZero():
			first = r.RangeStart.Time
		case !r.RangeStart.Equal(last):
			return fmt.Errorf("run %d starts at %s, but the previous successful run ended at %s",
				r.ID, r.RangeStart.Format(timeLayout), last.Format(timeLayout))
		}
		last = r.RangeEnd.Time
		synced += r.SuccessfulRecords
	}
	want := rowsIn(first, last)
	fmt.Fprintf(out, "the successful runs cover %s → %s with no gap and no overlap\n",
		first.Format(timeLayout), last.Format(timeLayout))
	fmt.Fprintf(out, "they synced %d records; %d rows were updated in that time\n", synced, want)
	if synced != want {
		return fmt.Errorf("synced %d records, want %d", synced, want)
	}
	fmt.Fprintln(out, "nothing was skipped")
	return nil
}

// plural prints n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// formatRange prints a run's data range [start, end).
func formatRange(r *ws.Run) string {
	start := "(beginning)"
	if !r.RangeStart.IsZero() {
		start = r.RangeStart.Format(timeLayout)
	}
	return start + " → " + r.RangeEnd.Format(timeLayout)
}

// printRuns prints runs as an aligned table.
func printRuns(out io.Writer, runs []*ws.Run) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tLOGICAL DATE\tRANGE\tDAYS\tRECORDS")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%g\t%d\n", r.ID, r.Type, r.Status, r.LogicalDate.Format(timeLayout),
			formatRange(r), r.RangeEnd.Sub(r.RangeStart.Time).Hours()/24, r.SuccessfulRecords)
	}
	_ = tw.Flush()
}
