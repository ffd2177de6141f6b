package warehousesync

import (
	"context"
	"fmt"
)

// activePageSize is the page size Runs.Active reads runs with.
const activePageSize = 100

// maxActivePages bounds the pages Runs.Active reads, whatever the server says its total is.
const maxActivePages = 10_000

// Active returns the active run (queued, running or retrying) of the pipeline pipelineID, or nil and
// no error when it has none. A pipeline has at most one active run.
//
// The pipeline's report is not enough on its own: its latest_pipeline_run is the run with the greatest
// logical date, so while a scheduled run for 00:00 is running it can show a manual run of 00:30 that
// has finished. Active therefore costs one request (the report) when the pipeline is not running or
// when the report's latest run is the active one, and otherwise one more request per page of runs it
// reads (100 runs a page), from the newest page back: usually two pages, at most every page.
func (s *RunsService) Active(ctx context.Context, pipelineID string) (*Run, error) {
	rep, err := (*PipelinesService)(s).Report(ctx, pipelineID)
	if err != nil {
		return nil, err
	}
	if rep.Status != PipelineRunning {
		return nil, nil
	}
	if r := rep.LatestPipelineRun; r != nil && !r.Status.Terminal() {
		return r, nil
	}
	return s.activeInPages(ctx, pipelineID)
}

// activeInPages looks for the active run in the pipeline's runs, from the last page back to the first.
func (s *RunsService) activeInPages(ctx context.Context, pipelineID string) (*Run, error) {
	first, err := s.List(ctx, pipelineID, &ListRunsOptions{CurrentPage: 1, PageSize: activePageSize})
	if err != nil {
		return nil, err
	}
	for n := min(first.TotalPages, maxActivePages); n > 1; n-- {
		page, err := s.List(ctx, pipelineID, &ListRunsOptions{CurrentPage: n, PageSize: activePageSize})
		if err != nil {
			return nil, err
		}
		if r := activeIn(page.Items); r != nil {
			return r, nil
		}
		if len(page.Items) == 0 {
			break // past the real end: a server overstating its total cannot make this read every page
		}
	}
	return activeIn(first.Items), nil
}

// activeIn returns the last run of runs that is not terminal, or nil.
func activeIn(runs []*Run) *Run {
	for i := len(runs) - 1; i >= 0; i-- {
		if r := runs[i]; r != nil && !r.Status.Terminal() {
			return r
		}
	}
	return nil
}

// WaitIdle polls the report of the pipeline pipelineID until its status is not PipelineRunning (no run
// is active) and returns that report. It polls as Runs.Wait does (PollEvery, WithPollInterval,
// WithPollWait), one request per poll, and is bounded by ctx: when ctx ends first, or a read or the
// pause function fails, it returns the last report it read (nil if none) and an error wrapping the
// cause. Use Runs.Active to learn which run it is waiting for.
func (s *PipelinesService) WaitIdle(ctx context.Context, pipelineID string, opts ...WaitOption) (*Report, error) {
	if err := validateID("pipelineID", pipelineID); err != nil {
		return nil, err
	}
	what := fmt.Sprintf("pipeline %s to be idle", pipelineID)
	return pollUntil(ctx, s.client, opts, what,
		func(ctx context.Context) (*Report, error) { return s.Report(ctx, pipelineID) },
		func(r *Report) bool { return r.Status != PipelineRunning },
		func(r *Report) PipelineStatus { return r.Status })
}
