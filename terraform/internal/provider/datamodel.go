package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// dataModelResource is warehousesync_data_model.
type dataModelResource struct{ client *ws.Client }

var (
	_ resource.ResourceWithConfigure   = (*dataModelResource)(nil)
	_ resource.ResourceWithImportState = (*dataModelResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*dataModelResource)(nil)
)

func newDataModelResource() resource.Resource { return &dataModelResource{} }

// dataModelModel is a data model in Terraform's terms.
type dataModelModel struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	State    types.String `tfsdk:"state"`
	Type     types.String `tfsdk:"type"`
	SQLQuery types.String `tfsdk:"sql_query"`
	serverFilled
}

// Metadata names the resource.
func (r *dataModelResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_data_model"
}

// dataModelAttributes are the attributes of a data model that the configuration sets.
func dataModelAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": idAttribute("data model"),
		"name": schema.StringAttribute{Required: true, Description: "The data model's name.",
			Validators: []validator.String{nonEmptyValidator()}},
		"state": schema.StringAttribute{Required: true,
			Description: "The data model's state: one of " + enumList(wire.DataModelState) + ".",
			Validators:  []validator.String{enumValidator(wire.DataModelState)}},
		"type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(string(ws.DataModelSQL)),
			Description: "The data model's type: " + enumList(wire.DataModelType) + " (the default and only type).",
			Validators:  []validator.String{enumValidator(wire.DataModelType)}},
		"sql_query": schema.StringAttribute{Required: true,
			Description: "The SQL query that selects the rows to sync: one SELECT statement, which the API checks.",
			Validators:  []validator.String{nonEmptyValidator()}},
	}
}

// Schema describes the resource.
func (r *dataModelResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A data model: the SQL query that selects what a pipeline syncs from a warehouse. " +
			"Import it by its id.",
		Attributes: mergeAttributes(dataModelAttributes(), serverFilledAttributes("data model", wire.DataModelStatus)),
	}
}

// Configure takes the provider's client.
func (r *dataModelResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ModifyPlan plans the server-filled attributes.
func (r *dataModelResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planVolatile(ctx, req, resp)
}

// toAPI converts the model to the client's type.
func (m *dataModelModel) toAPI() *ws.DataModel {
	return &ws.DataModel{
		ID:     m.ID.ValueString(),
		Name:   m.Name.ValueString(),
		State:  ws.State(m.State.ValueString()),
		Type:   ws.DataModelType(m.Type.ValueString()),
		Config: ws.DataModelConfig{SQLQuery: m.SQLQuery.ValueString()},
	}
}

// dataModelFromAPI converts a data model read from the API.
func dataModelFromAPI(d *ws.DataModel) dataModelModel {
	return dataModelModel{
		ID:       types.StringValue(d.ID),
		Name:     types.StringValue(d.Name),
		State:    types.StringValue(string(d.State)),
		Type:     types.StringValue(string(d.Type)),
		SQLQuery: types.StringValue(d.Config.SQLQuery),
		serverFilled: newServerFilled(string(d.Status), d.Errors, d.CreatedOn, d.CreatedBy,
			d.LastModifiedOn, d.LastModifiedBy),
	}
}

// Create creates the data model.
func (r *dataModelResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	r.write(ctx, "Creating", r.client.DataModels.Create, req.Plan, &resp.State, &resp.Diagnostics)
}

// write sends the planned data model with send (Create or Update) and saves the answer to state;
// verb names the call in an error.
func (r *dataModelResource) write(ctx context.Context, verb string,
	send func(context.Context, *ws.DataModel) (*ws.DataModel, error),
	planned tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics) {
	var plan dataModelModel
	diags.Append(planned.Get(ctx, &plan)...)
	if diags.HasError() {
		return
	}
	got, err := send(ctx, plan.toAPI())
	if err != nil {
		addAPIError(diags, verb+" data model "+plan.ID.ValueString(), err)
		return
	}
	out := dataModelFromAPI(got)
	diags.Append(state.Set(ctx, &out)...)
}

// Read refreshes the data model; one that no longer exists leaves the state.
func (r *dataModelResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	var state dataModelModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := r.client.DataModels.Get(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading data model "+state.ID.ValueString(), err)
		return
	}
	out := dataModelFromAPI(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// Update replaces the data model's settings.
func (r *dataModelResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	r.write(ctx, "Updating", r.client.DataModels.Update, req.Plan, &resp.State, &resp.Diagnostics)
}

// Delete deletes the data model; one already gone is no error.
func (r *dataModelResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	var state dataModelModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DataModels.Delete(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting data model "+state.ID.ValueString(), err)
	}
}

// ImportState imports a data model by its id.
func (r *dataModelResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByID(ctx, req, resp)
}
