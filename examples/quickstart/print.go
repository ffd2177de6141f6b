package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	ws "github.com/wsync-dev/warehousesync"
)

// timeLayout is how the quickstart prints instants (always UTC).
const timeLayout = "2006-01-02 15:04:05"

// formatTime prints t in UTC, or "(beginning)" for the null a range starts with when it reaches back to
// the beginning of the data.
func formatTime(t ws.Timestamp) string {
	if t.IsZero() {
		return "(beginning)"
	}
	return t.UTC().Format(timeLayout)
}

// formatRange prints a run's data range [start, end).
func formatRange(r *ws.Run) string {
	return formatTime(r.RangeStart) + " → " + formatTime(r.RangeEnd)
}

// printRuns prints every run of the pipeline as an aligned table, reading all pages with Runs.All.
func (s *story) printRuns(ctx context.Context, pipelineID string) error {
	fmt.Fprintf(s.out, "\nruns of %s:\n", pipelineID)
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tLOGICAL DATE\tRANGE\tRECORDS")
	for run, err := range s.c.Runs.All(ctx, pipelineID, &ws.ListRunsOptions{PageSize: 100}) {
		if err != nil {
			return fmt.Errorf("listing the runs of %s: %w", pipelineID, err)
		}
		records := fmt.Sprint(run.SuccessfulRecords)
		if run.FailedRecords > 0 {
			records += fmt.Sprintf(" (%d failed)", run.FailedRecords)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", run.ID, run.Type, run.Status,
			formatTime(run.LogicalDate), formatRange(run), records)
	}
	return tw.Flush()
}

// printReport prints the pipeline's status report.
func (s *story) printReport(ctx context.Context, pipelineID string) error {
	rep, err := s.c.Pipelines.Report(ctx, pipelineID)
	if err != nil {
		return fmt.Errorf("reading the report of %s: %w", pipelineID, err)
	}
	fmt.Fprintf(s.out, "report of %s: status %s, connection %s, data model %s", pipelineID,
		rep.Status, rep.ConnectionStatus, rep.DataModelStatus)
	if r := rep.LatestPipelineRun; r != nil {
		fmt.Fprintf(s.out, ", latest run %d (%s, logical date %s)", r.ID, r.Status, formatTime(r.LogicalDate))
	}
	if id := rep.LatestSuccessfulPipelineRunID; id != nil {
		fmt.Fprintf(s.out, ", latest successful run %d", *id)
	}
	fmt.Fprintln(s.out)
	for _, e := range rep.Errors {
		fmt.Fprintf(s.out, "  error: %s\n", e.Message)
	}
	return nil
}
