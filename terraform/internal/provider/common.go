package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// volatileComputed returns the attributes that the API fills in and changes when the resource is
// updated: a plan that updates the resource plans them as unknown, and a plan that does not keeps them
// from the state. created_on and created_by never change.
func volatileComputed() []string {
	return []string{"status", "errors", "last_modified_on", "last_modified_by"}
}

// serverFilledAttributes returns the schema of the attributes the API fills in, the status taking
// the values of statusEnum.
func serverFilledAttributes(kind string, statusEnum wire.Enum) map[string]schema.Attribute {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	return map[string]schema.Attribute{
		"status": schema.StringAttribute{Computed: true, PlanModifiers: keep,
			Description: "The " + kind + "'s status, set by the API: one of " + strings.Join(statusEnum.Values(), ", ") + "."},
		"errors": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			Description:   "The messages of the " + kind + "'s errors, when its status says it is faulted or invalid."},
		"created_on": schema.StringAttribute{Computed: true, PlanModifiers: keep,
			Description: "When the " + kind + " was created, RFC 3339 in UTC."},
		"created_by": schema.StringAttribute{Computed: true, PlanModifiers: keep,
			Description: "Who created the " + kind + "."},
		"last_modified_on": schema.StringAttribute{Computed: true, PlanModifiers: keep,
			Description: "When the " + kind + " was last updated, RFC 3339 in UTC; null until the first update."},
		"last_modified_by": schema.StringAttribute{Computed: true, PlanModifiers: keep,
			Description: "Who last updated the " + kind + "."},
	}
}

// idAttribute is the schema of a resource's id: chosen by the configuration, a slug, and changing it
// replaces the resource.
func idAttribute(kind string) schema.StringAttribute {
	return schema.StringAttribute{
		Required: true,
		Description: "The " + kind + "'s id, chosen by you: 1 to 128 letters, digits, _ or -. " +
			"Changing it replaces the " + kind + ".",
		Validators:    []validator.String{slugValidator()},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

// planVolatile plans the volatile server-filled attributes as unknown when the plan updates the
// resource in place; otherwise they keep their state, as their UseStateForUnknown modifiers made them.
func planVolatile(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || resp.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	for _, name := range volatileComputed() {
		var v attr.Value = types.StringUnknown()
		if name == "errors" {
			v = types.ListUnknown(types.StringType)
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), v)...)
	}
}

// serverFilled holds the values of the server-filled attributes of a resource read from the API.
type serverFilled struct {
	Status         types.String `tfsdk:"status"`
	Errors         types.List   `tfsdk:"errors"`
	CreatedOn      types.String `tfsdk:"created_on"`
	CreatedBy      types.String `tfsdk:"created_by"`
	LastModifiedOn types.String `tfsdk:"last_modified_on"`
	LastModifiedBy types.String `tfsdk:"last_modified_by"`
}

// newServerFilled converts the server-filled fields of a resource.
func newServerFilled(status string, errs []ws.ErrorDetail, createdOn ws.Timestamp, createdBy string,
	modifiedOn ws.Timestamp, modifiedBy string) serverFilled {
	return serverFilled{
		Status:         optionalString(status),
		Errors:         errorList(errs),
		CreatedOn:      timestampString(createdOn),
		CreatedBy:      optionalString(createdBy),
		LastModifiedOn: timestampString(modifiedOn),
		LastModifiedBy: optionalString(modifiedBy),
	}
}

// errorList converts error details to the list of their messages (empty, not null, when there are none).
func errorList(errs []ws.ErrorDetail) types.List {
	msgs := make([]attr.Value, len(errs))
	for i, e := range errs {
		msgs[i] = types.StringValue(e.Message)
	}
	return types.ListValueMust(types.StringType, msgs)
}

// timestampString converts a timestamp as the API writes it, null when it is unset.
func timestampString(t ws.Timestamp) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.String())
}

// optionalString converts a string the API leaves empty when unset: "" is null.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// optionalInt64 converts an optional integer.
func optionalInt64(p *int64) types.Int64 {
	if p == nil {
		return types.Int64Null()
	}
	return types.Int64Value(*p)
}

// int64Ptr converts an optional integer attribute.
func int64Ptr(v types.Int64) *int64 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	n := v.ValueInt64()
	return &n
}

// isNotFound reports whether err says that the resource does not exist.
func isNotFound(err error) bool { return errors.Is(err, ws.ErrNotFound) }

// addAPIError reports a failed call.
func addAPIError(diags *diag.Diagnostics, what string, err error) {
	addError(diags, what+" failed", err)
}

// addError reports err under summary, its text escaped (safeText): an error can quote a server's
// answer, and Terraform prints diagnostics to a terminal as they are.
func addError(diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, safeText(err.Error()))
}

// safeText escapes, as \uXXXX, every character of s that could change how a terminal shows the text
// around it: control characters other than a line break (C0, DEL, C1), bidirectional and other format
// characters (U+202E reverses a line), line and paragraph separators, and invalid UTF-8 (as \xXX).
func safeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case c != '\n' && unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || c == '\u2028' || c == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
		i += n
	}
	return b.String()
}

// importByID is the ImportState of every resource: the import id is the resource's id.
func importByID(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if wire.CheckSlug(req.ID) != wire.SlugOK {
		resp.Diagnostics.AddError("Invalid import id",
			"the import id must be the resource's id: 1 to 128 letters, digits, _ or -")
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// mergeAttributes returns the union of attribute maps.
func mergeAttributes(maps ...map[string]schema.Attribute) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// enumList writes the values of e for a description.
func enumList(e wire.Enum) string { return strings.Join(e.Values(), ", ") }

// diagError turns error diagnostics into an error.
func diagError(diags diag.Diagnostics) error {
	var msgs []string
	for _, d := range diags.Errors() {
		msgs = append(msgs, d.Summary()+": "+d.Detail())
	}
	return errors.New(strings.Join(msgs, "; "))
}

// unconfigured reports, with an error, a resource or data source used before the provider was
// configured (which Terraform and OpenTofu never do), instead of failing on a nil client.
func unconfigured(c *ws.Client, diags *diag.Diagnostics) bool {
	if c != nil {
		return false
	}
	diags.AddError("Provider not configured", "the warehousesync provider was not configured before use")
	return true
}
