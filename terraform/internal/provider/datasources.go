package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// computedFrom turns a resource's attributes into a data source's: every one computed, except id,
// which the configuration sets to choose what to read. Descriptions and sensitivity are kept.
func computedFrom(attrs map[string]schema.Attribute) map[string]dsschema.Attribute {
	out := make(map[string]dsschema.Attribute, len(attrs))
	for name, a := range attrs {
		if name == "id" {
			out[name] = dsschema.StringAttribute{Required: true, Description: "The id of the resource to read.",
				Validators: []validator.String{slugValidator()}}
			continue
		}
		out[name] = computedAttribute(a)
	}
	return out
}

// computedAttribute converts one resource attribute into a computed data source attribute.
func computedAttribute(a schema.Attribute) dsschema.Attribute {
	desc, sensitive := a.GetDescription(), a.IsSensitive()
	switch a := a.(type) {
	case schema.SingleNestedAttribute:
		inner := make(map[string]dsschema.Attribute, len(a.Attributes))
		for n, ia := range a.Attributes {
			inner[n] = computedAttribute(ia)
		}
		return dsschema.SingleNestedAttribute{Computed: true, Attributes: inner, Description: desc}
	case schema.Int64Attribute:
		return dsschema.Int64Attribute{Computed: true, Description: desc}
	case schema.ListAttribute:
		return dsschema.ListAttribute{Computed: true, ElementType: a.ElementType, Description: desc}
	case schema.StringAttribute:
		return dsschema.StringAttribute{Computed: true, Sensitive: sensitive, Description: desc, CustomType: a.CustomType}
	}
	return dsschema.StringAttribute{Computed: true, Sensitive: sensitive, Description: desc}
}

// readerDataSource is a data source that reads one resource by id: name is its type name's suffix,
// and read fetches it and returns its model.
type readerDataSource struct {
	name        string
	description string
	attrs       func() map[string]schema.Attribute
	read        func(ctx context.Context, c *ws.Client, id string) (any, error)
	client      *ws.Client
}

var _ datasource.DataSourceWithConfigure = (*readerDataSource)(nil)

// Metadata names the data source.
func (d *readerDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.name
}

// Schema describes the data source.
func (d *readerDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dsschema.Schema{Description: d.description, Attributes: computedFrom(d.attrs())}
}

// Configure takes the provider's client.
func (d *readerDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read reads the resource named by id.
func (d *readerDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if unconfigured(d.client, &resp.Diagnostics) {
		return
	}
	var id types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &id)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := d.read(ctx, d.client, id.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading "+d.name+" "+id.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}

func newConnectionDataSource() datasource.DataSource {
	return &readerDataSource{
		name: "connection",
		description: "Reads a connection by its id. Its secrets read as the API's mask, " + wire.MaskedSecret +
			", never as their values.",
		attrs: func() map[string]schema.Attribute {
			return mergeAttributes(connectionAttributes(), serverFilledAttributes("connection", wire.ConnectionStatus))
		},
		read: func(ctx context.Context, c *ws.Client, id string) (any, error) {
			got, err := c.Connections.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			out, diags := connectionFromAPI(got, nil, true)
			if diags.HasError() {
				return nil, diagError(diags)
			}
			return &out, nil
		},
	}
}

func newDataModelDataSource() datasource.DataSource {
	return &readerDataSource{
		name:        "data_model",
		description: "Reads a data model by its id.",
		attrs: func() map[string]schema.Attribute {
			return mergeAttributes(dataModelAttributes(), serverFilledAttributes("data model", wire.DataModelStatus))
		},
		read: func(ctx context.Context, c *ws.Client, id string) (any, error) {
			got, err := c.DataModels.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			out := dataModelFromAPI(got)
			return &out, nil
		},
	}
}

func newPipelineDataSource() datasource.DataSource {
	return &readerDataSource{
		name:        "pipeline",
		description: "Reads a pipeline by its id.",
		attrs: func() map[string]schema.Attribute {
			return mergeAttributes(pipelineAttributes(), serverFilledAttributes("pipeline", wire.PipelineStatus))
		},
		read: func(ctx context.Context, c *ws.Client, id string) (any, error) {
			got, err := c.Pipelines.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			out := pipelineFromAPI(got)
			return &out, nil
		},
	}
}

// runAttributes describes a run in the status report.
func runAttributes() map[string]dsschema.Attribute {
	s := func(desc string) dsschema.Attribute {
		return dsschema.StringAttribute{Computed: true, Description: desc}
	}
	n := func(desc string) dsschema.Attribute {
		return dsschema.Int64Attribute{Computed: true, Description: desc}
	}
	return map[string]dsschema.Attribute{
		"id":                 n("The run's id."),
		"type":               s("Why the run was made: one of " + enumList(wire.RunType) + "."),
		"status":             s("The run's status: one of " + enumList(wire.RunStatus) + "."),
		"errors":             dsschema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "The messages of the run's errors."},
		"logical_date":       s("The start of the run's schedule interval (for a manual run, when it was triggered), RFC 3339 in UTC."),
		"started_on":         s("When the run started; null until it does."),
		"ended_on":           s("When the run ended; null until it does."),
		"range_start":        s("The start of the data the run syncs; null for the beginning of the data."),
		"range_end":          s("The end (excluded) of the data the run syncs."),
		"successful_records": n("The rows the run synced."),
		"failed_records":     n("The rows the run failed to sync."),
	}
}

// runModel is a run in the status report.
type runModel struct {
	ID                types.Int64  `tfsdk:"id"`
	Type              types.String `tfsdk:"type"`
	Status            types.String `tfsdk:"status"`
	Errors            types.List   `tfsdk:"errors"`
	LogicalDate       types.String `tfsdk:"logical_date"`
	StartedOn         types.String `tfsdk:"started_on"`
	EndedOn           types.String `tfsdk:"ended_on"`
	RangeStart        types.String `tfsdk:"range_start"`
	RangeEnd          types.String `tfsdk:"range_end"`
	SuccessfulRecords types.Int64  `tfsdk:"successful_records"`
	FailedRecords     types.Int64  `tfsdk:"failed_records"`
}

// runFromAPI converts a run (nil: nil).
func runFromAPI(r *ws.Run) *runModel {
	if r == nil {
		return nil
	}
	return &runModel{
		ID:                types.Int64Value(r.ID),
		Type:              types.StringValue(string(r.Type)),
		Status:            types.StringValue(string(r.Status)),
		Errors:            errorList(r.Errors),
		LogicalDate:       timestampString(r.LogicalDate),
		StartedOn:         timestampString(r.StartedOn),
		EndedOn:           timestampString(r.EndedOn),
		RangeStart:        timestampString(r.RangeStart),
		RangeEnd:          timestampString(r.RangeEnd),
		SuccessfulRecords: types.Int64Value(r.SuccessfulRecords),
		FailedRecords:     types.Int64Value(r.FailedRecords),
	}
}

// pipelineStatusModel is the pipeline status report.
type pipelineStatusModel struct {
	PipelineID            types.String `tfsdk:"pipeline_id"`
	Status                types.String `tfsdk:"status"`
	Errors                types.List   `tfsdk:"errors"`
	ConnectionStatus      types.String `tfsdk:"connection_status"`
	ConnectionErrors      types.List   `tfsdk:"connection_errors"`
	DataModelStatus       types.String `tfsdk:"data_model_status"`
	DataModelErrors       types.List   `tfsdk:"data_model_errors"`
	LatestRun             *runModel    `tfsdk:"latest_run"`
	LatestSuccessfulRunID types.Int64  `tfsdk:"latest_successful_run_id"`
	LatestSuccessfulRun   *runModel    `tfsdk:"latest_successful_run"`
}

// pipelineStatusDataSource is warehousesync_pipeline_status.
type pipelineStatusDataSource struct{ client *ws.Client }

var _ datasource.DataSourceWithConfigure = (*pipelineStatusDataSource)(nil)

func newPipelineStatusDataSource() datasource.DataSource { return &pipelineStatusDataSource{} }

// Metadata names the data source.
func (d *pipelineStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_status"
}

// Schema describes the data source.
func (d *pipelineStatusDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	list := func(desc string) dsschema.Attribute {
		return dsschema.ListAttribute{Computed: true, ElementType: types.StringType, Description: desc}
	}
	s := func(desc string) dsschema.Attribute {
		return dsschema.StringAttribute{Computed: true, Description: desc}
	}
	resp.Schema = dsschema.Schema{
		Description: "Reads a pipeline's status report: its status and errors, those of its connection and data " +
			"model, its latest run and its latest successful run.",
		Attributes: map[string]dsschema.Attribute{
			"pipeline_id": dsschema.StringAttribute{Required: true, Description: "The pipeline's id.",
				Validators: []validator.String{slugValidator()}},
			"status":            s("The pipeline's status: one of " + enumList(wire.PipelineStatus) + "."),
			"errors":            list("The messages of the pipeline's errors."),
			"connection_status": s("The status of the pipeline's connection: one of " + enumList(wire.ConnectionStatus) + "."),
			"connection_errors": list("The messages of the connection's errors."),
			"data_model_status": s("The status of the pipeline's data model: one of " + enumList(wire.DataModelStatus) + "."),
			"data_model_errors": list("The messages of the data model's errors."),
			"latest_run": dsschema.SingleNestedAttribute{Computed: true, Attributes: runAttributes(),
				Description: "The pipeline's latest run; null before the first."},
			"latest_successful_run_id": dsschema.Int64Attribute{Computed: true,
				Description: "The id of the pipeline's latest successful run; null before the first."},
			"latest_successful_run": dsschema.SingleNestedAttribute{Computed: true, Attributes: runAttributes(),
				Description: "The pipeline's latest successful run; null before the first."},
		},
	}
}

// Configure takes the provider's client.
func (d *pipelineStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read reads the report, and the latest successful run when there is one.
func (d *pipelineStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if unconfigured(d.client, &resp.Diagnostics) {
		return
	}
	var id types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("pipeline_id"), &id)...)
	if resp.Diagnostics.HasError() {
		return
	}
	rep, err := d.client.Pipelines.Report(ctx, id.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading the report of pipeline "+id.ValueString(), err)
		return
	}
	out := pipelineStatusModel{
		PipelineID:            id,
		Status:                optionalString(string(rep.Status)),
		Errors:                errorList(rep.Errors),
		ConnectionStatus:      optionalString(string(rep.ConnectionStatus)),
		ConnectionErrors:      errorList(rep.ConnectionErrors),
		DataModelStatus:       optionalString(string(rep.DataModelStatus)),
		DataModelErrors:       errorList(rep.DataModelErrors),
		LatestRun:             runFromAPI(rep.LatestPipelineRun),
		LatestSuccessfulRunID: optionalInt64(rep.LatestSuccessfulPipelineRunID),
	}
	if n := rep.LatestSuccessfulPipelineRunID; n != nil {
		if rep.LatestPipelineRun != nil && rep.LatestPipelineRun.ID == *n {
			out.LatestSuccessfulRun = out.LatestRun
		} else {
			run, err := d.client.Runs.Get(ctx, id.ValueString(), *n)
			if err != nil {
				addAPIError(&resp.Diagnostics, "Reading the latest successful run of pipeline "+id.ValueString(), err)
				return
			}
			out.LatestSuccessfulRun = runFromAPI(run)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
