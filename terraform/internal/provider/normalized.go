package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// normKind is a kind of string that the API writes back in a canonical spelling of its own.
type normKind int

// The kinds of normalized strings.
const (
	// kindTimestamp is an RFC 3339 instant: the API writes it in UTC with milliseconds, so
	// "2024-01-01T02:00:00+02:00" comes back as "2024-01-01T00:00:00.000Z".
	kindTimestamp normKind = iota + 1
	// kindScheduleType is a schedule type: the API takes "on-demand" and writes "on_demand".
	kindScheduleType
	// kindDelay is a schedule delay, as in "15m".
	kindDelay
)

// canonical returns the spelling the API writes for s, and false when s is not a valid value of k
// (then only identical strings are equal).
func (k normKind) canonical(s string) (string, bool) {
	switch k {
	case kindTimestamp:
		t, err := ws.ParseTimestamp(s)
		if err != nil {
			return "", false
		}
		return t.String(), true
	case kindScheduleType:
		if s == wire.ScheduleOnDemandAlias {
			return string(ws.ScheduleOnDemand), true
		}
		return s, wire.ScheduleType.Has(s)
	case kindDelay:
		d, err := ws.ParseDelay(s)
		if err != nil {
			return "", false
		}
		return d.String(), true
	}
	return "", false
}

// sameValue reports whether a and b are the same value of kind k, spelled either way.
func (k normKind) sameValue(a, b string) bool {
	if a == b {
		return true
	}
	ca, okA := k.canonical(a)
	cb, okB := k.canonical(b)
	return okA && okB && ca == cb
}

// normalizedType is a string attribute type whose values compare by what they mean, not by how
// they are spelled, so that the API's canonical spelling of a configured value is no change: no
// "inconsistent result after apply" and no diff on the next plan.
type normalizedType struct {
	basetypes.StringType
	kind normKind
}

var _ basetypes.StringTypable = normalizedType{}

// timestampType, scheduleTypeType and delayType are the normalized types the schemas use.
func timestampType() normalizedType    { return normalizedType{kind: kindTimestamp} }
func scheduleTypeType() normalizedType { return normalizedType{kind: kindScheduleType} }
func delayType() normalizedType        { return normalizedType{kind: kindDelay} }

// Equal reports whether o is a normalizedType of the same kind.
func (t normalizedType) Equal(o attr.Type) bool {
	other, ok := o.(normalizedType)
	return ok && other.kind == t.kind
}

// String names the type.
func (t normalizedType) String() string { return fmt.Sprintf("normalizedType(%d)", t.kind) }

// ValueFromString wraps a string value.
func (t normalizedType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return normalizedValue{StringValue: in, kind: t.kind}, nil
}

// ValueFromTerraform decodes a Terraform value.
func (t normalizedType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	sv, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return normalizedValue{StringValue: sv, kind: t.kind}, nil
}

// ValueType returns the value type of t.
func (t normalizedType) ValueType(context.Context) attr.Value { return normalizedValue{kind: t.kind} }

// normalizedValue is a value of a normalizedType.
type normalizedValue struct {
	basetypes.StringValue
	kind normKind
}

var _ basetypes.StringValuableWithSemanticEquals = normalizedValue{}

// newNormalized returns a known value of kind k, or null when s is empty.
func newNormalized(k normKind, s string) normalizedValue {
	if s == "" {
		return normalizedValue{StringValue: basetypes.NewStringNull(), kind: k}
	}
	return normalizedValue{StringValue: basetypes.NewStringValue(s), kind: k}
}

// Equal reports whether o is the same value, spelled the same.
func (v normalizedValue) Equal(o attr.Value) bool {
	other, ok := o.(normalizedValue)
	return ok && other.kind == v.kind && v.StringValue.Equal(other.StringValue)
}

// Type returns the value's type.
func (v normalizedValue) Type(context.Context) attr.Type { return normalizedType{kind: v.kind} }

// StringSemanticEquals reports whether n means the same as v.
func (v normalizedValue) StringSemanticEquals(_ context.Context, n basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := n.(normalizedValue)
	if !ok || v.IsNull() || v.IsUnknown() || other.IsNull() || other.IsUnknown() {
		return false, nil
	}
	return v.kind.sameValue(v.ValueString(), other.ValueString()), nil
}

// keepStateSpelling is the plan modifier of optional, computed normalized attributes: a configured
// value that means what the state holds is planned as the state's spelling (no diff after an import
// that read the API's canonical spelling), and a value left out of the configuration is planned as
// null (the attribute is computed only so that its plan may differ from the configuration).
type keepStateSpelling struct{ kind normKind }

// Description says what the modifier does.
func (m keepStateSpelling) Description(context.Context) string {
	return "A value that means what the state holds (another spelling of it) is no change."
}

// MarkdownDescription says what the modifier does.
func (m keepStateSpelling) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

// PlanModifyString plans the state's spelling of an equal value, and null for a value left out.
func (m keepStateSpelling) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	switch {
	case req.ConfigValue.IsNull():
		resp.PlanValue = req.ConfigValue
	case req.ConfigValue.IsUnknown() || req.StateValue.IsNull() || req.StateValue.IsUnknown():
	case m.kind.sameValue(req.ConfigValue.ValueString(), req.StateValue.ValueString()):
		resp.PlanValue = req.StateValue
	}
}
