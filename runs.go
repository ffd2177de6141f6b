package warehousesync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"time"
)

// Run is one run of a pipeline: a data range synced at a logical date.
type Run struct {
	ID         int64         `json:"id"`
	PipelineID string        `json:"pipeline_id"`
	Type       RunType       `json:"type"`
	Status     RunStatus     `json:"status"`
	Errors     []ErrorDetail `json:"errors,omitempty"`
	// LogicalDate is the start of the run's schedule interval (for a manual run, when it was triggered).
	LogicalDate Timestamp `json:"logical_date"`
	StartedOn   Timestamp `json:"started_on"`
	EndedOn     Timestamp `json:"ended_on"`
	// RangeStart and RangeEnd bound the data the run syncs: [RangeStart, RangeEnd). A zero RangeStart
	// (null) means from the beginning of the data.
	RangeStart        Timestamp `json:"range_start"`
	RangeEnd          Timestamp `json:"range_end"`
	SuccessfulRecords int64     `json:"successful_records"`
	FailedRecords     int64     `json:"failed_records"`
}

// UnmarshalJSON decodes r, accepting id and the record counts as numbers or strings.
func (r *Run) UnmarshalJSON(b []byte) error {
	var w runWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	w.to(r)
	return nil
}

// runWire is a Run as the API sends it: the same fields, with the integers that may come as strings
// typed flexInt64. It has no UnmarshalJSON of its own, so a page of runs decodes in one pass of the
// decoder (a Run's UnmarshalJSON would scan each run once more and decode it through an alias).
type runWire struct {
	ID                flexInt64     `json:"id"`
	PipelineID        string        `json:"pipeline_id"`
	Type              RunType       `json:"type"`
	Status            RunStatus     `json:"status"`
	Errors            []ErrorDetail `json:"errors"`
	LogicalDate       Timestamp     `json:"logical_date"`
	StartedOn         Timestamp     `json:"started_on"`
	EndedOn           Timestamp     `json:"ended_on"`
	RangeStart        Timestamp     `json:"range_start"`
	RangeEnd          Timestamp     `json:"range_end"`
	SuccessfulRecords flexInt64     `json:"successful_records"`
	FailedRecords     flexInt64     `json:"failed_records"`
}

// to copies w into r.
func (w *runWire) to(r *Run) {
	*r = Run{
		ID: int64(w.ID), PipelineID: w.PipelineID, Type: w.Type, Status: w.Status, Errors: w.Errors,
		LogicalDate: w.LogicalDate, StartedOn: w.StartedOn, EndedOn: w.EndedOn,
		RangeStart: w.RangeStart, RangeEnd: w.RangeEnd,
		SuccessfulRecords: int64(w.SuccessfulRecords), FailedRecords: int64(w.FailedRecords),
	}
}

func (w *runWire) checkResponse() error {
	if w.ID <= 0 {
		return missing("id")
	}
	return nil
}

// runPageWire is a RunPage as the API sends it, its runs decoded as runWire values (null stays nil).
type runPageWire struct {
	Items           []*runWire `json:"items"`
	CurrentPage     int        `json:"current_page"`
	PageSize        int        `json:"page_size"`
	TotalPages      int        `json:"total_pages"`
	TotalItems      int        `json:"total_items"`
	HasPreviousPage bool       `json:"has_previous_page"`
	HasNextPage     bool       `json:"has_next_page"`
}

// page returns w as a RunPage, its runs in one array (one allocation for all of them, not one each); a
// null item stays nil.
func (w *runPageWire) page() *RunPage {
	p := &RunPage{CurrentPage: w.CurrentPage, PageSize: w.PageSize, TotalPages: w.TotalPages,
		TotalItems: w.TotalItems, HasPreviousPage: w.HasPreviousPage, HasNextPage: w.HasNextPage}
	if w.Items != nil {
		runs := make([]Run, len(w.Items))
		p.Items = make([]*Run, len(w.Items))
		for i, item := range w.Items {
			if item != nil {
				item.to(&runs[i])
				p.Items[i] = &runs[i]
			}
		}
	}
	return p
}

// RunPage is one page of a pipeline's runs, in ascending logical date, then id.
type RunPage struct {
	Items           []*Run `json:"items"`
	CurrentPage     int    `json:"current_page"`
	PageSize        int    `json:"page_size"`
	TotalPages      int    `json:"total_pages"`
	TotalItems      int    `json:"total_items"`
	HasPreviousPage bool   `json:"has_previous_page"`
	HasNextPage     bool   `json:"has_next_page"`
}

// ListRunsOptions selects a page of runs. The zero value asks for the first page of the default size.
type ListRunsOptions struct {
	// CurrentPage is the 1-based page number (0: the first page).
	CurrentPage int `url:"currentPage,omitempty"`
	// PageSize is the number of runs per page (0: the server's default, 50).
	PageSize int `url:"pageSize,omitempty"`
	// StartDate and EndDate keep only runs whose logical date lies in [StartDate, EndDate]; zero: unbounded.
	// They are sent in RFC 3339 with their fraction of a second, so a bound between two seconds is kept.
	StartDate time.Time `url:"startDate,omitempty" layout:"2006-01-02T15:04:05.999999999Z07:00"`
	EndDate   time.Time `url:"endDate,omitempty" layout:"2006-01-02T15:04:05.999999999Z07:00"`
}

// RunsService reads the runs of pipelines (/inputs/data-pipelines/{id}/runs) and waits for them.
type RunsService service

// List returns one page of the runs of the pipeline pipelineID, in ascending logical date; opts may be
// nil (the first page of the server's default size).
func (s *RunsService) List(ctx context.Context, pipelineID string, opts *ListRunsOptions) (*RunPage, error) {
	if err := validateID("pipelineID", pipelineID); err != nil {
		return nil, err
	}
	w, err := call[runPageWire](ctx, s.client, routePipeline("Runs.List", "/runs"), http.MethodGet, pipelinePath(pipelineID)+"/runs", opts.query(), nil)
	if err != nil {
		return nil, err
	}
	return w.page(), nil
}

// Get returns the run runID of the pipeline pipelineID.
func (s *RunsService) Get(ctx context.Context, pipelineID string, runID int64) (*Run, error) {
	if err := errors.Join(validateID("pipelineID", pipelineID), validateRunID(runID)); err != nil {
		return nil, err
	}
	path := pipelinePath(pipelineID) + "/runs/" + strconv.FormatInt(runID, 10)
	w, err := call[runWire](ctx, s.client, routePipeline("Runs.Get", "/runs/{pipelineRunId}"), http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	run := new(Run)
	w.to(run)
	return run, nil
}

// MaxRunPages is the most pages RunsService.All fetches in one iteration: 10,000 pages are 500,000 runs
// at the default page size, a run every ten minutes for nine years. Past it the iteration yields an
// error.
const MaxRunPages = 10_000

// All returns an iterator over the runs of the pipeline pipelineID, fetching page after page from
// opts.CurrentPage (default 1) with opts' size and date range; opts may be nil and is copied, so the
// caller may change it afterwards. An error is yielded once, with a nil run, and ends the iteration.
// The iteration also ends when the server says there is no next page, or when a page comes back empty
// or with a page number already seen (so a misbehaving server cannot make it loop); after MaxRunPages
// pages it yields an error (a server that announces a next page forever).
//
//	for run, err := range c.Runs.All(ctx, "my-pipeline", nil) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(run.ID, run.Status)
//	}
func (s *RunsService) All(ctx context.Context, pipelineID string, opts *ListRunsOptions) iter.Seq2[*Run, error] {
	var first ListRunsOptions
	if opts != nil {
		first = *opts
	}
	first.CurrentPage = max(first.CurrentPage, 1)
	return func(yield func(*Run, error) bool) {
		o, seen := first, 0
		for pages := 0; ; pages++ {
			if pages == MaxRunPages {
				yield(nil, fmt.Errorf("Runs.All %s: stopped after %d pages (MaxRunPages): the server still announces a next page", pipelineID, MaxRunPages))
				return
			}
			page, err := s.List(ctx, pipelineID, &o)
			if err != nil {
				yield(nil, err)
				return
			}
			current := page.CurrentPage
			if current == 0 {
				current = o.CurrentPage // a server that leaves the number out
			}
			if current <= seen {
				return // the same page again (or an earlier one): stop rather than loop
			}
			for _, run := range page.Items {
				if run == nil {
					continue // a null item: nothing to yield
				}
				if !yield(run, nil) {
					return
				}
			}
			if !page.HasNextPage || len(page.Items) == 0 {
				return
			}
			seen, o.CurrentPage = current, current+1
		}
	}
}

// Wait polls the run runID of the pipeline pipelineID until its status is terminal (RunSuccess,
// RunFailed or RunStopped) and returns it; a failed run is not an error, check Status and Errors. It
// reads the run every poll interval (PollEvery, else WithPollInterval, else DefaultPollInterval),
// pausing with the client's WithPollWait function when there is one. Wait is bounded by ctx: when ctx
// ends first, it returns the last run it read (nil if none) and an error wrapping ctx.Err(). An error
// of a read or of the pause function ends the wait too, wrapped (transient errors are already retried).
func (s *RunsService) Wait(ctx context.Context, pipelineID string, runID int64, opts ...WaitOption) (*Run, error) {
	if err := errors.Join(validateID("pipelineID", pipelineID), validateRunID(runID)); err != nil {
		return nil, err
	}
	what := fmt.Sprintf("run %d of pipeline %s", runID, pipelineID)
	return pollUntil(ctx, s.client, opts, what,
		func(ctx context.Context) (*Run, error) { return s.Get(ctx, pipelineID, runID) },
		func(r *Run) bool { return r.Status.Terminal() },
		func(r *Run) RunStatus { return r.Status })
}

// query returns the options as sent: nil for nil options, dates in UTC.
func (o *ListRunsOptions) query() *ListRunsOptions {
	if o == nil {
		return nil
	}
	q := *o
	if !q.StartDate.IsZero() {
		q.StartDate = q.StartDate.UTC()
	}
	if !q.EndDate.IsZero() {
		q.EndDate = q.EndDate.UTC()
	}
	return &q
}
