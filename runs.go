package warehousesync

import (
	"encoding/json"
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
	type plain Run
	aux := struct {
		*plain
		ID                *flexInt64 `json:"id"`
		SuccessfulRecords *flexInt64 `json:"successful_records"`
		FailedRecords     *flexInt64 `json:"failed_records"`
	}{
		plain:             (*plain)(r),
		ID:                (*flexInt64)(&r.ID),
		SuccessfulRecords: (*flexInt64)(&r.SuccessfulRecords),
		FailedRecords:     (*flexInt64)(&r.FailedRecords),
	}
	return json.Unmarshal(b, &aux)
}

// RunPage is one page of a pipeline's runs, in ascending logical date, then id.
type RunPage struct {
	Items           []Run `json:"items"`
	CurrentPage     int   `json:"current_page"`
	PageSize        int   `json:"page_size"`
	TotalPages      int   `json:"total_pages"`
	TotalItems      int   `json:"total_items"`
	HasPreviousPage bool  `json:"has_previous_page"`
	HasNextPage     bool  `json:"has_next_page"`
}

// ListRunsOptions selects a page of runs. The zero value asks for the first page of the default size.
type ListRunsOptions struct {
	// CurrentPage is the 1-based page number (0: the first page).
	CurrentPage int `url:"currentPage,omitempty"`
	// PageSize is the number of runs per page (0: the server's default, 50).
	PageSize int `url:"pageSize,omitempty"`
	// StartDate and EndDate keep only runs whose logical date lies in [StartDate, EndDate]; zero: unbounded.
	StartDate time.Time `url:"startDate,omitempty"`
	EndDate   time.Time `url:"endDate,omitempty"`
}
