package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// pipelineResource is warehousesync_pipeline.
type pipelineResource struct{ client *ws.Client }

var (
	_ resource.ResourceWithConfigure      = (*pipelineResource)(nil)
	_ resource.ResourceWithImportState    = (*pipelineResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*pipelineResource)(nil)
	_ resource.ResourceWithValidateConfig = (*pipelineResource)(nil)
)

func newPipelineResource() resource.Resource { return &pipelineResource{} }

// pipelineModel is a pipeline in Terraform's terms.
type pipelineModel struct {
	ID                    types.String   `tfsdk:"id"`
	Name                  types.String   `tfsdk:"name"`
	PipelineType          types.String   `tfsdk:"pipeline_type"`
	ConnectionID          types.String   `tfsdk:"connection_id"`
	DataModelID           types.String   `tfsdk:"data_model_id"`
	FieldTransformationID types.String   `tfsdk:"field_transformation_id"`
	PartnerFeedID         types.Int64    `tfsdk:"partner_feed_id"`
	PartnerFeedKey        types.String   `tfsdk:"partner_feed_key"`
	State                 types.String   `tfsdk:"state"`
	Environment           types.String   `tfsdk:"environment"`
	DataPlanID            types.String   `tfsdk:"data_plan_id"`
	DataPlanVersion       types.Int64    `tfsdk:"data_plan_version"`
	SyncMode              *syncModeModel `tfsdk:"sync_mode"`
	Schedule              *scheduleModel `tfsdk:"schedule"`
	serverFilled
}

// syncModeModel is a pipeline's sync_mode.
type syncModeModel struct {
	Type             types.String    `tfsdk:"type"`
	IteratorField    types.String    `tfsdk:"iterator_field"`
	IteratorDataType types.String    `tfsdk:"iterator_data_type"`
	From             normalizedValue `tfsdk:"from"`
	Until            normalizedValue `tfsdk:"until"`
}

// scheduleModel is a pipeline's schedule.
type scheduleModel struct {
	Type      normalizedValue `tfsdk:"type"`
	Frequency types.String    `tfsdk:"frequency"`
	Delay     normalizedValue `tfsdk:"delay"`
	Start     normalizedValue `tfsdk:"start"`
	End       normalizedValue `tfsdk:"end"`
}

// Metadata names the resource.
func (r *pipelineResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline"
}

// normalizedAttribute is an optional attribute of a normalized type: computed only so that a value
// spelled differently from the state's but meaning the same plans as no change (see keepStateSpelling).
func normalizedAttribute(t normalizedType, description string, v validator.String, extra ...planmodifier.String) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true, Computed: true, CustomType: t, Description: description,
		Validators:    []validator.String{v},
		PlanModifiers: append([]planmodifier.String{keepStateSpelling{kind: t.kind}}, extra...),
	}
}

// replaceIfFromChanges replaces a pipeline whose sync_mode.from changes meaning: the API refuses to
// change it.
func replaceIfFromChanges() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		if req.State.Raw.IsNull() || req.PlanValue.IsUnknown() || req.StateValue.IsUnknown() {
			return
		}
		if req.PlanValue.IsNull() != req.StateValue.IsNull() {
			resp.RequiresReplace = true
			return
		}
		if !req.PlanValue.IsNull() && !kindTimestamp.sameValue(req.PlanValue.ValueString(), req.StateValue.ValueString()) {
			resp.RequiresReplace = true
		}
	}, "Changing sync_mode.from replaces the pipeline: the API cannot change it.",
		"Changing `sync_mode.from` replaces the pipeline: the API cannot change it.")
}

// pipelineAttributes are the attributes of a pipeline that the configuration sets.
func pipelineAttributes() map[string]schema.Attribute {
	optionalSlug := []validator.String{slugValidator()}
	optional := []validator.String{nonEmptyValidator()}
	return map[string]schema.Attribute{
		"id": idAttribute("pipeline"),
		"name": schema.StringAttribute{Required: true, Description: "The pipeline's name.",
			Validators: optional},
		"pipeline_type": schema.StringAttribute{Required: true,
			Description: "What the pipeline ingests: one of " + enumList(wire.PipelineType) + ".",
			Validators:  []validator.String{enumValidator(wire.PipelineType)}},
		"connection_id": schema.StringAttribute{Required: true,
			Description: "The id of the connection the pipeline reads from.", Validators: optionalSlug},
		"data_model_id": schema.StringAttribute{Required: true,
			Description: "The id of the data model whose rows the pipeline syncs.", Validators: optionalSlug},
		"field_transformation_id": schema.StringAttribute{Optional: true,
			Description: "The id of the field transformation that maps the rows to events: required for " +
				"events pipelines, and must be left out for user_attributes pipelines.", Validators: optionalSlug},
		"partner_feed_id": schema.Int64Attribute{Optional: true,
			Description: "The id of the partner feed the data is sent as."},
		"partner_feed_key": schema.StringAttribute{Optional: true,
			Description: "The key of the partner feed the data is sent as.", Validators: optional},
		"state": schema.StringAttribute{Required: true,
			Description: "The pipeline's state: one of " + enumList(wire.PipelineState) + ". Only active pipelines run on their schedule.",
			Validators:  []validator.String{enumValidator(wire.PipelineState)}},
		"environment": schema.StringAttribute{Required: true,
			Description: "The mParticle environment the data is sent to: one of " + enumList(wire.Environment) + ".",
			Validators:  []validator.String{enumValidator(wire.Environment)}},
		"data_plan_id": schema.StringAttribute{Optional: true,
			Description: "The id of the data plan the data is checked against.", Validators: optional},
		"data_plan_version": schema.Int64Attribute{Optional: true,
			Description: "The version of the data plan, 1 or more.", Validators: []validator.Int64{atLeast(1)}},
		"sync_mode": schema.SingleNestedAttribute{Required: true,
			Description: "Which rows each run syncs.",
			Attributes: map[string]schema.Attribute{
				"type": schema.StringAttribute{Required: true,
					Description: "One of " + enumList(wire.SyncModeType) + ": incremental syncs the rows whose iterator " +
						"lies in the run's range, full syncs every row on each run.",
					Validators: []validator.String{enumValidator(wire.SyncModeType)}},
				"iterator_field": schema.StringAttribute{Optional: true,
					Description: "The column that orders the rows; required for incremental sync.", Validators: optional},
				"iterator_data_type": schema.StringAttribute{Optional: true,
					Description: "The type of the iterator column, required for incremental sync: one of " +
						enumList(wire.IteratorDataType) + ".",
					Validators: []validator.String{enumValidator(wire.IteratorDataType)}},
				"from": normalizedAttribute(timestampType(),
					"The earliest data to sync, an RFC 3339 timestamp with a zone. Changing it replaces the "+
						"pipeline: the API cannot change it. Any spelling of the same instant is no change.",
					timestampValidator(), replaceIfFromChanges()),
				"until": normalizedAttribute(timestampType(),
					"The end of the data to sync, an RFC 3339 timestamp with a zone, after from.", timestampValidator()),
			},
		},
		"schedule": schema.SingleNestedAttribute{Required: true,
			Description: "When the pipeline runs.",
			Attributes: map[string]schema.Attribute{
				"type": normalizedAttribute(scheduleTypeType(),
					"Must be set: one of "+enumList(wire.ScheduleType)+" (on-demand is taken too, and is the same "+
						"as on_demand).", enumValidator(wire.ScheduleType, wire.ScheduleOnDemandAlias)),
				"frequency": schema.StringAttribute{Optional: true,
					Description: "How often an interval schedule runs, required for interval: one of " +
						enumList(wire.Frequency) + ".",
					Validators: []validator.String{enumValidator(wire.Frequency)}},
				"delay": normalizedAttribute(delayType(),
					"How long after the end of each interval a run starts: a whole number and a unit s, m, h, d, w "+
						"or y, as in 15m.", delayValidator()),
				"start": normalizedAttribute(timestampType(),
					"When the schedule starts, an RFC 3339 timestamp with a zone; required for interval.",
					timestampValidator()),
				"end": normalizedAttribute(timestampType(),
					"When the schedule ends, an RFC 3339 timestamp with a zone, after start.", timestampValidator()),
			},
		},
	}
}

// Schema describes the resource.
func (r *pipelineResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A pipeline: syncs the rows of a data model, read through a connection, into mParticle on " +
			"a schedule. Import it by its id.",
		Attributes: mergeAttributes(pipelineAttributes(), serverFilledAttributes("pipeline", wire.PipelineStatus)),
	}
}

// Configure takes the provider's client.
func (r *pipelineResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ValidateConfig applies the API's rules that tie attributes together, so that a plan catches a
// pipeline the API would refuse.
func (r *pipelineResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	get := func(p path.Path) types.String {
		var v types.String
		if d := req.Config.GetAttribute(ctx, p, &v); !d.HasError() {
			return v
		}
		// The normalized attributes have a type of their own.
		var n normalizedValue
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, p, &n)...)
		return n.StringValue
	}
	for _, problem := range pipelineRules(get) {
		resp.Diagnostics.AddAttributeError(problem.path, "Invalid pipeline", problem.rule)
	}
}

// ruleProblem is a broken rule at an attribute.
type ruleProblem struct {
	path path.Path
	rule string
}

// pipelineRules checks the rules that tie a pipeline's attributes together, reading them with get
// (unknown values break no rule).
func pipelineRules(get func(path.Path) types.String) []ruleProblem {
	var out []ruleProblem
	add := func(p path.Path, format string, args ...any) {
		out = append(out, ruleProblem{p, p.String() + " " + fmt.Sprintf(format, args...)})
	}
	known := func(v types.String) bool { return !v.IsUnknown() }
	set := func(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }
	pt, ft := get(path.Root("pipeline_type")), get(path.Root("field_transformation_id"))
	switch {
	case pt.ValueString() == string(ws.PipelineEvents) && ft.IsNull():
		add(path.Root("field_transformation_id"), "is required for events pipelines")
	case pt.ValueString() == string(ws.PipelineUserAttributes) && set(ft):
		add(path.Root("field_transformation_id"), "must be left out for user_attributes pipelines")
	}
	sm := path.Root("sync_mode")
	if get(sm.AtName("type")).ValueString() == string(ws.SyncIncremental) {
		for _, name := range []string{"iterator_field", "iterator_data_type"} {
			if v := get(sm.AtName(name)); known(v) && v.IsNull() {
				add(sm.AtName(name), "is required for incremental sync mode")
			}
		}
	}
	if before(get(sm.AtName("until")), get(sm.AtName("from"))) {
		add(sm.AtName("until"), "must be after sync_mode.from")
	}
	sc := path.Root("schedule")
	st := get(sc.AtName("type"))
	if known(st) && st.IsNull() {
		add(sc.AtName("type"), "is required: one of %s", enumList(wire.ScheduleType))
	}
	if st.ValueString() == string(ws.ScheduleInterval) {
		for _, name := range []string{"frequency", "start"} {
			if v := get(sc.AtName(name)); known(v) && v.IsNull() {
				add(sc.AtName(name), "is required for interval schedules")
			}
		}
	}
	if before(get(sc.AtName("end")), get(sc.AtName("start"))) {
		add(sc.AtName("end"), "must be after schedule.start")
	}
	return out
}

// before reports whether a and b are both known timestamps and a is not after b.
func before(a, b types.String) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return false
	}
	ta, errA := ws.ParseTimestamp(a.ValueString())
	tb, errB := ws.ParseTimestamp(b.ValueString())
	return errA == nil && errB == nil && !ta.After(tb.Time)
}

// ModifyPlan plans the server-filled attributes.
func (r *pipelineResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planVolatile(ctx, req, resp)
}

// toAPI converts the model to the client's type.
func (m *pipelineModel) toAPI() (*ws.Pipeline, error) {
	p := &ws.Pipeline{
		ID:                    m.ID.ValueString(),
		Name:                  m.Name.ValueString(),
		PipelineType:          ws.PipelineType(m.PipelineType.ValueString()),
		ConnectionID:          m.ConnectionID.ValueString(),
		DataModelID:           m.DataModelID.ValueString(),
		FieldTransformationID: m.FieldTransformationID.ValueString(),
		PartnerFeedID:         int64Ptr(m.PartnerFeedID),
		PartnerFeedKey:        m.PartnerFeedKey.ValueString(),
		State:                 ws.State(m.State.ValueString()),
		Environment:           ws.Environment(m.Environment.ValueString()),
		DataPlanID:            m.DataPlanID.ValueString(),
		DataPlanVersion:       int64Ptr(m.DataPlanVersion),
	}
	var err error
	ts := func(field string, v normalizedValue) ws.Timestamp {
		if v.IsNull() || v.IsUnknown() || err != nil {
			return ws.Timestamp{}
		}
		t, e := ws.ParseTimestamp(v.ValueString())
		if e != nil {
			// The value is not quoted: it may come from a sensitive variable, known only at apply.
			err = fmt.Errorf("%s: must be an RFC 3339 timestamp with a zone in the years the API can write (for example 2024-01-31T00:00:00Z)", field)
		}
		return t
	}
	if sm := m.SyncMode; sm != nil {
		p.SyncMode = ws.SyncMode{
			Type:             ws.SyncModeType(sm.Type.ValueString()),
			IteratorField:    sm.IteratorField.ValueString(),
			IteratorDataType: ws.IteratorDataType(sm.IteratorDataType.ValueString()),
			From:             ts("sync_mode.from", sm.From),
			Until:            ts("sync_mode.until", sm.Until),
		}
	}
	if sc := m.Schedule; sc != nil {
		canonicalType, _ := kindScheduleType.canonical(sc.Type.ValueString())
		p.Schedule = ws.Schedule{
			Type:      ws.ScheduleType(canonicalType),
			Frequency: ws.Frequency(sc.Frequency.ValueString()),
			Start:     ts("schedule.start", sc.Start),
			End:       ts("schedule.end", sc.End),
		}
		if !sc.Delay.IsNull() && !sc.Delay.IsUnknown() {
			d, e := ws.ParseDelay(sc.Delay.ValueString())
			if e != nil && err == nil {
				err = errors.New("schedule.delay: must be a whole number followed by s, m, h, d, w or y (for example 15m), at most 100 years")
			}
			p.Schedule.Delay = d
		}
	}
	return p, err
}

// pipelineFromAPI converts a pipeline read from the API, in the API's spellings (the normalized
// types' semantic equality keeps a configured spelling that means the same).
func pipelineFromAPI(p *ws.Pipeline) pipelineModel {
	return pipelineModel{
		ID:                    types.StringValue(p.ID),
		Name:                  types.StringValue(p.Name),
		PipelineType:          types.StringValue(string(p.PipelineType)),
		ConnectionID:          types.StringValue(p.ConnectionID),
		DataModelID:           types.StringValue(p.DataModelID),
		FieldTransformationID: optionalString(p.FieldTransformationID),
		PartnerFeedID:         optionalInt64(p.PartnerFeedID),
		PartnerFeedKey:        optionalString(p.PartnerFeedKey),
		State:                 types.StringValue(string(p.State)),
		Environment:           types.StringValue(string(p.Environment)),
		DataPlanID:            optionalString(p.DataPlanID),
		DataPlanVersion:       optionalInt64(p.DataPlanVersion),
		SyncMode: &syncModeModel{
			Type:             types.StringValue(string(p.SyncMode.Type)),
			IteratorField:    optionalString(p.SyncMode.IteratorField),
			IteratorDataType: optionalString(string(p.SyncMode.IteratorDataType)),
			From:             newNormalized(kindTimestamp, p.SyncMode.From.String()),
			Until:            newNormalized(kindTimestamp, p.SyncMode.Until.String()),
		},
		Schedule: &scheduleModel{
			Type:      newNormalized(kindScheduleType, string(p.Schedule.Type)),
			Frequency: optionalString(string(p.Schedule.Frequency)),
			Delay:     newNormalized(kindDelay, p.Schedule.Delay.String()),
			Start:     newNormalized(kindTimestamp, p.Schedule.Start.String()),
			End:       newNormalized(kindTimestamp, p.Schedule.End.String()),
		},
		serverFilled: newServerFilled(string(p.Status), p.Errors, p.CreatedOn, p.CreatedBy,
			p.LastModifiedOn, p.LastModifiedBy),
	}
}

// Create creates the pipeline.
func (r *pipelineResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	r.write(ctx, "Creating", r.client.Pipelines.Create, req.Plan, &resp.State, &resp.Diagnostics)
}

// write sends the planned pipeline with send (Create or Update) and saves the answer to state;
// verb names the call in an error.
func (r *pipelineResource) write(ctx context.Context, verb string,
	send func(context.Context, *ws.Pipeline) (*ws.Pipeline, error),
	planned tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics) {
	var plan pipelineModel
	diags.Append(planned.Get(ctx, &plan)...)
	if diags.HasError() {
		return
	}
	p, err := plan.toAPI()
	if err != nil {
		addError(diags, "Invalid pipeline", err)
		return
	}
	got, err := send(ctx, p)
	if err != nil {
		addAPIError(diags, verb+" pipeline "+plan.ID.ValueString(), err)
		return
	}
	out := pipelineFromAPI(got)
	diags.Append(state.Set(ctx, &out)...)
}

// Read refreshes the pipeline; one that no longer exists leaves the state.
func (r *pipelineResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	var state pipelineModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := r.client.Pipelines.Get(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading pipeline "+state.ID.ValueString(), err)
		return
	}
	out := pipelineFromAPI(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// Update replaces the pipeline's settings.
func (r *pipelineResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	r.write(ctx, "Updating", r.client.Pipelines.Update, req.Plan, &resp.State, &resp.Diagnostics)
}

// Delete deletes the pipeline; one already gone is no error.
func (r *pipelineResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	var state pipelineModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.Pipelines.Delete(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting pipeline "+state.ID.ValueString(), err)
	}
}

// ImportState imports a pipeline by its id.
func (r *pipelineResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByID(ctx, req, resp)
}
