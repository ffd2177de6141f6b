package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// connectionResource is warehousesync_connection.
type connectionResource struct{ client *ws.Client }

var (
	_ resource.ResourceWithConfigure      = (*connectionResource)(nil)
	_ resource.ResourceWithImportState    = (*connectionResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*connectionResource)(nil)
	_ resource.ResourceWithValidateConfig = (*connectionResource)(nil)
)

func newConnectionResource() resource.Resource { return &connectionResource{} }

// connectionModel is a connection in Terraform's terms: one nested object per kind of warehouse, of
// which exactly one is set. The objects' attributes are the config keys of the API's provider table.
type connectionModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	State           types.String `tfsdk:"state"`
	ServiceProvider types.String `tfsdk:"service_provider"`
	Snowflake       types.Object `tfsdk:"snowflake"`
	BigQuery        types.Object `tfsdk:"bigquery"`
	Redshift        types.Object `tfsdk:"redshift"`
	Databricks      types.Object `tfsdk:"databricks"`
	serverFilled
}

// blocks returns the model's warehouse objects by attribute name. Every provider of the API's table
// has one (a test checks it).
func (m *connectionModel) blocks() map[string]*types.Object {
	return map[string]*types.Object{
		"snowflake": &m.Snowflake, "bigquery": &m.BigQuery, "redshift": &m.Redshift, "databricks": &m.Databricks,
	}
}

// blockName is the attribute name of a provider's nested object, as in "snowflake".
func blockName(p wire.Provider) string { return strings.ToLower(p.Name) }

// configAttrTypes returns the object type of a provider's config: every key a string.
func configAttrTypes(p wire.Provider) map[string]attr.Type {
	out := make(map[string]attr.Type, len(p.Config))
	for _, k := range p.Config {
		out[k.Name] = types.StringType
	}
	return out
}

// configKeyDescription describes one config key.
func configKeyDescription(p wire.Provider, k wire.ConfigKey) string {
	d := fmt.Sprintf("The %s setting %s.", p.Name, k.Name)
	switch {
	case k.Secret:
		d += " A secret: sensitive, never shown in plans. The API masks it on every read, so the provider" +
			" keeps the configured value in the state and cannot see it changed outside Terraform; changing it" +
			" in the configuration updates it."
	case k.Default != "":
		d += fmt.Sprintf(" Default: %q, which the API stores when it is left out.", k.Default)
	case !k.Required:
		d += " When left out the API may fill it in; the value it chose is kept."
	}
	return d
}

// connectionAttributes are the attributes of a connection that the configuration sets.
func connectionAttributes() map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"id": idAttribute("connection"),
		"name": schema.StringAttribute{Required: true, Description: "The connection's name.",
			Validators: []validator.String{nonEmptyValidator()}},
		"state": schema.StringAttribute{Required: true,
			Description: "The connection's state: one of " + enumList(wire.ConnectionState) + ".",
			Validators:  []validator.String{enumValidator(wire.ConnectionState)}},
	}
	for _, p := range wire.Providers() {
		inner := map[string]schema.Attribute{}
		for _, k := range p.Config {
			a := schema.StringAttribute{Description: configKeyDescription(p, k), Sensitive: k.Secret,
				Validators: []validator.String{nonEmptyValidator()}}
			if k.Name == "port" {
				a.Validators = append(a.Validators, portValidator())
				a.Description += " A port number, 1 to 65535, written as a string."
			}
			switch {
			case k.Required:
				a.Required = true
			case k.Default != "":
				a.Optional, a.Computed, a.Default = true, true, stringdefault.StaticString(k.Default)
			default:
				a.Optional, a.Computed = true, true
				a.PlanModifiers = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
			}
			inner[k.Name] = a
		}
		attrs[blockName(p)] = schema.SingleNestedAttribute{
			Optional:    true,
			Attributes:  inner,
			Description: "The settings of a " + p.Name + " warehouse (service_provider " + p.Name + ").",
		}
	}
	attrs["service_provider"] = schema.StringAttribute{Computed: true,
		Description: "The kind of warehouse, from the nested object that is set: one of " +
			enumList(wire.ServiceProvider) + ". Changing the kind replaces the connection: the API cannot change it."}
	return attrs
}

// Metadata names the resource.
func (r *connectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connection"
}

// Schema describes the resource.
func (r *connectionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	var names []string
	for _, p := range wire.Providers() {
		names = append(names, "`"+blockName(p)+"`")
	}
	resp.Schema = schema.Schema{
		Description: "A connection: where a warehouse is and how to log in to it. Set exactly one of " +
			strings.Join(names, ", ") + " with the warehouse's settings. Import it by its id; the secrets " +
			"(which the API never reveals) are then unknown to the state, so the first apply after an import " +
			"writes the configured ones.",
		Attributes: mergeAttributes(connectionAttributes(), serverFilledAttributes("connection", wire.ConnectionStatus)),
	}
}

// Configure takes the provider's client.
func (r *connectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ValidateConfig checks that exactly one warehouse object is set.
func (r *connectionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	set, unknown := 0, false
	var names []string
	for _, p := range wire.Providers() {
		names = append(names, blockName(p))
		var o types.Object
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(blockName(p)), &o)...)
		switch {
		case o.IsUnknown():
			unknown = true
		case !o.IsNull():
			set++
		}
	}
	if set > 1 || (set == 0 && !unknown) {
		resp.Diagnostics.AddError("Invalid connection",
			fmt.Sprintf("exactly one of %s must be set, got %d", strings.Join(names, ", "), set))
	}
}

// ModifyPlan fills service_provider from the warehouse object that is set, replaces the connection
// when it changes (the API cannot change a connection's provider), and plans the server-filled
// attributes.
func (r *connectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sp := plannedProvider(&plan)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("service_provider"), sp)...)
	if !req.State.Raw.IsNull() {
		var prior types.String
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("service_provider"), &prior)...)
		if !sp.IsUnknown() && !prior.IsNull() && !sp.Equal(prior) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("service_provider"))
		}
	}
	planVolatile(ctx, req, resp)
}

// plannedProvider returns the service_provider of the warehouse object that is set (unknown while
// one of them is unknown).
func plannedProvider(m *connectionModel) types.String {
	blocks := m.blocks()
	out := types.StringNull()
	for _, p := range wire.Providers() {
		o := blocks[blockName(p)]
		switch {
		case o.IsUnknown():
			return types.StringUnknown()
		case !o.IsNull():
			out = types.StringValue(p.Name)
		}
	}
	return out
}

// toAPI converts the model to the client's type, with the configured secrets.
func (m *connectionModel) toAPI() (*ws.Connection, error) {
	blocks := m.blocks()
	for _, p := range wire.Providers() {
		o := blocks[blockName(p)]
		if o.IsNull() || o.IsUnknown() {
			continue
		}
		config := map[string]string{}
		for name, v := range o.Attributes() {
			s, ok := v.(types.String)
			if ok && !s.IsNull() && !s.IsUnknown() {
				config[name] = s.ValueString()
			}
		}
		body, err := json.Marshal(map[string]any{
			"id": m.ID.ValueString(), "name": m.Name.ValueString(), "state": m.State.ValueString(),
			"service_provider": p.Name, "config": config,
		})
		if err != nil {
			return nil, err
		}
		var c ws.Connection
		if err := json.Unmarshal(body, &c); err != nil {
			return nil, fmt.Errorf("%s: %w", blockName(p), err)
		}
		return &c, nil
	}
	return nil, fmt.Errorf("exactly one of the warehouse objects must be set")
}

// connectionFromAPI converts a connection read from the API. The API masks secrets, so each secret
// comes from prior (the plan or the state), or is null when prior has none (after an import).
// With masked set, secrets keep the API's mask instead (for the data source).
func connectionFromAPI(c *ws.Connection, prior *connectionModel, masked bool) (connectionModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := connectionModel{
		ID:              types.StringValue(c.ID),
		Name:            types.StringValue(c.Name),
		State:           types.StringValue(string(c.State)),
		ServiceProvider: types.StringValue(string(c.ServiceProvider)),
		serverFilled: newServerFilled(string(c.Status), c.Errors, c.CreatedOn, c.CreatedBy,
			c.LastModifiedOn, c.LastModifiedBy),
	}
	var priorBlocks map[string]*types.Object
	if prior != nil {
		priorBlocks = prior.blocks()
	}
	found := false
	for _, p := range wire.Providers() {
		dst := out.blocks()[blockName(p)]
		*dst = types.ObjectNull(configAttrTypes(p))
		if ws.ServiceProvider(p.Name) != c.ServiceProvider {
			continue
		}
		found = true
		values, err := configValues(c.Config)
		if err != nil {
			addError(&diags, "Unreadable connection config", fmt.Errorf("connection %s: %w", c.ID, err))
			return out, diags
		}
		var priorAttrs map[string]attr.Value
		if priorBlocks != nil {
			if o := priorBlocks[blockName(p)]; !o.IsNull() && !o.IsUnknown() {
				priorAttrs = o.Attributes()
			}
		}
		attrs := map[string]attr.Value{}
		for _, k := range p.Config {
			v, isString := values[k.Name].(string)
			if n, isNumber := values[k.Name].(json.Number); isNumber {
				// A setting documented as a string that comes as a number (a port, say) is its digits.
				v, isString = n.String(), true
			}
			switch {
			case k.Secret && !masked:
				attrs[k.Name] = types.StringNull()
				if pv, ok := priorAttrs[k.Name].(types.String); ok && !pv.IsUnknown() {
					attrs[k.Name] = pv
				}
			case !isString || (v == "" && !k.Required):
				attrs[k.Name] = types.StringNull()
			default:
				attrs[k.Name] = types.StringValue(v)
			}
		}
		obj, d := types.ObjectValue(configAttrTypes(p), attrs)
		diags.Append(d...)
		*dst = obj
	}
	if !found {
		diags.AddError("Unsupported warehouse",
			fmt.Sprintf("connection %s has service_provider %q, which this version of the provider does not know",
				c.ID, c.ServiceProvider))
	}
	return out, diags
}

// configValues returns a connection config's keys and values as the API writes them (secrets masked).
func configValues(cfg ws.ConnectionConfig) (map[string]any, error) {
	if cfg == nil {
		return map[string]any{}, nil
	}
	var b []byte
	switch raw := cfg.(type) {
	case *ws.RawConfig:
		// A config the client kept as bytes marshals as one mask, so its keys are read from its bytes
		// (connectionFromAPI reads only the documented keys of them).
		b = raw.JSON
	case ws.RawConfig:
		b = raw.JSON
	default:
		var err error
		if b, err = json.Marshal(cfg); err != nil {
			return nil, err
		}
	}
	out := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// Create creates the connection.
func (r *connectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	r.write(ctx, "Creating", r.client.Connections.Create, req.Plan, &resp.State, &resp.Diagnostics)
}

// write sends the planned connection with send (Create or Update) and saves the answer to state;
// verb names the call in an error.
func (r *connectionResource) write(ctx context.Context, verb string,
	send func(context.Context, *ws.Connection) (*ws.Connection, error),
	planned tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics) {
	var plan connectionModel
	diags.Append(planned.Get(ctx, &plan)...)
	if diags.HasError() {
		return
	}
	conn, err := plan.toAPI()
	if err != nil {
		addError(diags, "Invalid connection", err)
		return
	}
	got, err := send(ctx, conn)
	if err != nil {
		addAPIError(diags, verb+" connection "+plan.ID.ValueString(), err)
		return
	}
	r.save(ctx, got, &plan, state, diags)
}

// save converts got and writes it to state.
func (r *connectionResource) save(ctx context.Context, got *ws.Connection, prior *connectionModel,
	state *tfsdk.State, diags *diag.Diagnostics) {
	out, d := connectionFromAPI(got, prior, false)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, &out)...)
}

// Read refreshes the connection; one that no longer exists leaves the state.
func (r *connectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	var state connectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := r.client.Connections.Get(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading connection "+state.ID.ValueString(), err)
		return
	}
	r.save(ctx, got, &state, &resp.State, &resp.Diagnostics)
}

// Update replaces the connection's settings.
func (r *connectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	r.write(ctx, "Updating", r.client.Connections.Update, req.Plan, &resp.State, &resp.Diagnostics)
}

// Delete deletes the connection; one already gone is no error.
func (r *connectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if unconfigured(r.client, &resp.Diagnostics) {
		return
	}
	var state connectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.Connections.Delete(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting connection "+state.ID.ValueString(), err)
	}
}

// ImportState imports a connection by its id.
func (r *connectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByID(ctx, req, resp)
}
