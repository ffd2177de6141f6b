package warehousesync

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Pipeline syncs the rows of a data model through a connection on a schedule.
type Pipeline struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	PipelineType PipelineType `json:"pipeline_type"`
	ConnectionID string       `json:"connection_id"`
	// FieldTransformationID is required for PipelineEvents and forbidden for PipelineUserAttributes.
	FieldTransformationID string `json:"field_transformation_id,omitempty"`
	DataModelID           string `json:"data_model_id"`
	// PartnerFeedID and PartnerFeedKey name the feed the data is routed to; either may be given.
	PartnerFeedID   *int64         `json:"partner_feed_id,omitempty"`
	PartnerFeedKey  string         `json:"partner_feed_key,omitempty"`
	State           State          `json:"state"`            // StateNew, StateActive or StatePaused
	Status          PipelineStatus `json:"status,omitempty"` // read-only
	Errors          []ErrorDetail  `json:"errors,omitempty"` // read-only
	SyncMode        SyncMode       `json:"sync_mode"`
	Schedule        Schedule       `json:"schedule"`
	Environment     Environment    `json:"environment"`
	DataPlanID      string         `json:"data_plan_id,omitempty"`
	DataPlanVersion *int64         `json:"data_plan_version,omitempty"`
	CreatedOn       Timestamp      `json:"created_on"`                 // read-only
	CreatedBy       string         `json:"created_by,omitempty"`       // read-only
	LastModifiedOn  Timestamp      `json:"last_modified_on"`           // read-only; null until the first update
	LastModifiedBy  string         `json:"last_modified_by,omitempty"` // read-only
}

// UnmarshalJSON decodes p, accepting partner_feed_id and data_plan_version as numbers or strings.
func (p *Pipeline) UnmarshalJSON(b []byte) error {
	type plain Pipeline
	aux := struct {
		*plain
		PartnerFeedID   flexInt64Ptr `json:"partner_feed_id"`
		DataPlanVersion flexInt64Ptr `json:"data_plan_version"`
	}{plain: (*plain)(p), PartnerFeedID: flexInt64Ptr{&p.PartnerFeedID}, DataPlanVersion: flexInt64Ptr{&p.DataPlanVersion}}
	return json.Unmarshal(b, &aux)
}

// SyncMode says which rows each run syncs.
type SyncMode struct {
	Type SyncModeType `json:"type"`
	// IteratorField and IteratorDataType are required for SyncIncremental.
	IteratorField    string           `json:"iterator_field,omitempty"`
	IteratorDataType IteratorDataType `json:"iterator_data_type,omitempty"`
	// From is the first instant of data to sync (zero: unbounded). It cannot change after creation.
	From Timestamp `json:"from,omitzero"`
	// Until is the instant after the last data to sync (zero: unbounded).
	Until Timestamp `json:"until,omitzero"`
}

// Schedule says when a pipeline runs.
type Schedule struct {
	Type ScheduleType `json:"type"`
	// Frequency and Start are required for ScheduleInterval.
	Frequency Frequency `json:"frequency,omitempty"`
	// Delay postpones each interval's run after the interval ends.
	Delay Delay     `json:"delay,omitzero"`
	Start Timestamp `json:"start,omitzero"`
	End   Timestamp `json:"end,omitzero"`
}

// TriggerResponse is the answer of Pipelines.Trigger.
type TriggerResponse struct {
	PipelineRunID int64         `json:"pipeline_run_id"`
	Status        TriggerStatus `json:"status"` // TriggerAttemptRequested
}

// UnmarshalJSON decodes r, accepting pipeline_run_id as a number or a string.
func (r *TriggerResponse) UnmarshalJSON(b []byte) error {
	type plain TriggerResponse
	aux := struct {
		*plain
		PipelineRunID *flexInt64 `json:"pipeline_run_id"`
	}{plain: (*plain)(r), PipelineRunID: (*flexInt64)(&r.PipelineRunID)}
	return json.Unmarshal(b, &aux)
}

// Report is the status report of a pipeline, with its connection and data model and its latest run.
type Report struct {
	PipelineID       string           `json:"pipeline_id"`
	Status           PipelineStatus   `json:"status"`
	Errors           []ErrorDetail    `json:"errors,omitempty"`
	ConnectionStatus ConnectionStatus `json:"connection_status"`
	ConnectionErrors []ErrorDetail    `json:"connection_errors,omitempty"`
	DataModelStatus  DataModelStatus  `json:"data_model_status"`
	DataModelErrors  []ErrorDetail    `json:"data_model_errors,omitempty"`
	// LatestSuccessfulPipelineRunID is the successful run with the greatest range end; nil when none.
	LatestSuccessfulPipelineRunID *int64 `json:"latest_successful_pipeline_run_id"`
	// LatestPipelineRun is the run with the greatest logical date; nil when there is none.
	LatestPipelineRun *Run `json:"latest_pipeline_run"`
}

// UnmarshalJSON decodes r, accepting latest_successful_pipeline_run_id as a number or a string.
func (r *Report) UnmarshalJSON(b []byte) error {
	type plain Report
	aux := struct {
		*plain
		LatestSuccessfulPipelineRunID flexInt64Ptr `json:"latest_successful_pipeline_run_id"`
	}{plain: (*plain)(r), LatestSuccessfulPipelineRunID: flexInt64Ptr{&r.LatestSuccessfulPipelineRunID}}
	return json.Unmarshal(b, &aux)
}

// PipelinesService manages the workspace's pipelines (/inputs/data-pipelines), triggers runs and reads
// status reports.
type PipelinesService service

// ListPipelinesOptions filters Pipelines.List. The API has no filter for pipelines yet: the type exists
// so that one can be added without changing List's signature.
type ListPipelinesOptions struct{}

// List returns the workspace's pipelines; opts may be nil.
func (s *PipelinesService) List(ctx context.Context, opts *ListPipelinesOptions) ([]*Pipeline, error) {
	pipelines, err := call[[]*Pipeline](ctx, s.client, route{"Pipelines.List", "/inputs/data-pipelines"}, http.MethodGet, "inputs/data-pipelines", opts, nil)
	if err != nil {
		return nil, err
	}
	return *pipelines, nil
}

// Get returns the pipeline pipelineID.
func (s *PipelinesService) Get(ctx context.Context, pipelineID string) (*Pipeline, error) {
	if err := validateID("pipelineID", pipelineID); err != nil {
		return nil, err
	}
	return call[Pipeline](ctx, s.client, routePipeline("Pipelines.Get", ""), http.MethodGet, pipelinePath(pipelineID), nil, nil)
}

// Create creates p (POST) and returns the stored pipeline. Its connection and data model must exist.
// A Create retried after a lost answer (a 5xx or network error) that meets "already exists" reads the
// resource back and succeeds if it matches; see ErrOutcomeUnknown and ErrAlreadyExists.
func (s *PipelinesService) Create(ctx context.Context, p *Pipeline) (*Pipeline, error) {
	if err := validatePipeline(p); err != nil {
		return nil, err
	}
	return create(ctx, s.client, route{"Pipelines.Create", "/inputs/data-pipelines"}, routePipeline("Pipelines.Create", ""), "inputs/data-pipelines", pipelinePath(p.ID), "pipeline", p, p.request())
}

// Update replaces the pipeline p.ID with p (PUT) and returns the stored pipeline. SyncMode.From cannot
// change. An update clears a fault of the pipeline.
func (s *PipelinesService) Update(ctx context.Context, p *Pipeline) (*Pipeline, error) {
	if err := validatePipeline(p); err != nil {
		return nil, err
	}
	return call[Pipeline](ctx, s.client, routePipeline("Pipelines.Update", ""), http.MethodPut, pipelinePath(p.ID), nil, p.request())
}

// Delete deletes the pipeline pipelineID.
func (s *PipelinesService) Delete(ctx context.Context, pipelineID string) error {
	if err := validateID("pipelineID", pipelineID); err != nil {
		return err
	}
	return s.client.delete(ctx, routePipeline("Pipelines.Delete", ""), pipelinePath(pipelineID))
}

// Trigger starts a run of the pipeline pipelineID now (POST /inputs/data-pipelines/trigger) and returns
// the new run's ID; use Runs.Wait to wait for it. A pipeline that already has a run in progress gives an
// error matching ErrPipelineBusy. Trigger is never sent twice when its first attempt may have started a
// run: it is retried only after a 429 or a refused connection, and a 5xx or network error gives an
// error matching ErrOutcomeUnknown (look at Runs.List before triggering again), never a second run.
func (s *PipelinesService) Trigger(ctx context.Context, pipelineID string) (*TriggerResponse, error) {
	if err := validateID("pipelineID", pipelineID); err != nil {
		return nil, err
	}
	body := triggerRequest{PipelineID: pipelineID}
	return call[TriggerResponse](ctx, s.client, route{"Pipelines.Trigger", "/inputs/data-pipelines/trigger"}, http.MethodPost, "inputs/data-pipelines/trigger", nil, body)
}

// Report returns the status report of the pipeline pipelineID: its status, the status of its
// connection and data model, and its latest run.
func (s *PipelinesService) Report(ctx context.Context, pipelineID string) (*Report, error) {
	if err := validateID("pipelineID", pipelineID); err != nil {
		return nil, err
	}
	return call[Report](ctx, s.client, routePipeline("Pipelines.Report", "/report"), http.MethodGet, pipelinePath(pipelineID)+"/report", nil, nil)
}

// triggerRequest is the body of a trigger.
type triggerRequest struct {
	PipelineID string `json:"pipeline_id"`
}

// pipelinePath is the path of one pipeline; id must be valid.
func pipelinePath(id string) string { return "inputs/data-pipelines/" + url.PathEscape(id) }

// validatePipeline checks a pipeline about to be sent: not nil, a valid ID, and a valid delay (one built
// with a constructor such as Minutes may be negative or too long).
func validatePipeline(p *Pipeline) error {
	if err := validateBody("pipeline", p); err != nil {
		return err
	}
	return p.Schedule.Delay.validate("pipeline.Schedule.Delay")
}

// identity returns p's ID and whether p is not nil, for validateBody.
func (p *Pipeline) identity() (string, bool) {
	if p == nil {
		return "", false
	}
	return p.ID, true
}
