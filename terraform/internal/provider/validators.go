package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// stringCheck is a string validator made of a function: check returns "" for a valid value, or the
// rule the value breaks. Unknown and null values are not checked (Terraform checks them again once
// they are known; whether a value is required is the schema's business).
//
// A rule never quotes the value: in Terraform sensitivity belongs to values, not attributes (a
// sensitive variable can be given to any attribute), so a validator cannot know whether the value it
// refuses is a secret. The rule names the attribute and what a valid value is, and may give the
// value's length.
type stringCheck struct {
	desc  string
	check func(string) string
}

// Description says what a valid value is.
func (v stringCheck) Description(context.Context) string { return v.desc }

// MarkdownDescription says what a valid value is.
func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString adds an error naming the attribute and the rule when the value breaks it.
func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if rule := v.check(req.ConfigValue.ValueString()); rule != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s %s", req.Path, rule))
	}
}

// slugValidator checks an id against the API's slug rule.
func slugValidator() validator.String {
	return stringCheck{
		desc: fmt.Sprintf("1 to %d letters, digits, _ or -", wire.MaxIDLength),
		check: func(s string) string {
			switch wire.CheckSlug(s) {
			case wire.SlugOK:
				return ""
			case wire.SlugEmpty:
				return "must not be empty"
			case wire.SlugTooLong:
				return fmt.Sprintf("must be at most %d characters, got %d", wire.MaxIDLength, len(s))
			default:
				return "must hold only letters, digits, _ and -"
			}
		},
	}
}

// enumValidator checks a value against the values of e (and the extra spellings the API takes).
func enumValidator(e wire.Enum, extra ...string) validator.String {
	values := append(e.Values(), extra...)
	return stringCheck{
		desc: "one of " + strings.Join(values, ", "),
		check: func(s string) string {
			for _, v := range values {
				if s == v {
					return ""
				}
			}
			return "must be one of " + strings.Join(values, ", ")
		},
	}
}

// nonEmptyValidator refuses the empty string: the API treats an empty value as a missing one, so a
// configured "" would read back as null.
func nonEmptyValidator() validator.String {
	return stringCheck{desc: "not empty", check: func(s string) string {
		if s == "" {
			return "must not be empty (leave the attribute out instead)"
		}
		return ""
	}}
}

// timestampValidator checks an RFC 3339 timestamp in the years the API can write.
func timestampValidator() validator.String {
	return stringCheck{desc: "an RFC 3339 timestamp, as in 2024-01-31T00:00:00Z", check: func(s string) string {
		if _, err := ws.ParseTimestamp(s); err != nil {
			return "must be an RFC 3339 timestamp with a zone in the years the API can write (for example 2024-01-31T00:00:00Z)"
		}
		if !hasZone(s) {
			return "must name its zone (Z or an offset such as +02:00)"
		}
		return ""
	}}
}

// hasZone reports whether an RFC 3339 timestamp names its zone: a timestamp without one means UTC to
// the API but reads as local time to people, so configurations must say.
func hasZone(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// delayValidator checks a schedule delay.
func delayValidator() validator.String {
	return stringCheck{desc: "a whole number and a unit s, m, h, d, w or y, as in 15m", check: func(s string) string {
		if _, err := ws.ParseDelay(s); err != nil {
			return "must be a whole number followed by s, m, h, d, w or y (for example 15m), at most 100 years"
		}
		return ""
	}}
}

// durationValidator checks a Go duration that is not negative, as in "500ms".
func durationValidator() validator.String {
	return stringCheck{desc: "a duration, as in 500ms or 30s", check: func(s string) string {
		d, err := time.ParseDuration(s)
		if err != nil {
			return "must be a duration such as 500ms or 30s"
		}
		if d < 0 {
			return "must not be negative"
		}
		return ""
	}}
}

// portValidator checks a port number, 1 to 65535, written as a string as the API takes it.
func portValidator() validator.String {
	return stringCheck{desc: "a port number, 1 to 65535", check: func(s string) string {
		// Only the canonical spelling: "05439" or "+5439" would be stored as written by one API and
		// as 5439 by another, a diff after every apply.
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != s {
			return "must be a port number (1 to 65535)"
		}
		return ""
	}}
}

// int64AtLeast checks that an integer is at least min.
type int64AtLeast struct{ min int64 }

// atLeast returns a validator of integers of min or more.
func atLeast(min int64) validator.Int64 { return int64AtLeast{min} }

// Description says what a valid value is.
func (v int64AtLeast) Description(context.Context) string { return fmt.Sprintf("%d or more", v.min) }

// MarkdownDescription says what a valid value is.
func (v int64AtLeast) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateInt64 adds an error naming the attribute when the value is below min.
func (v int64AtLeast) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := req.ConfigValue.ValueInt64(); n < v.min {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s must be %d or more", req.Path, v.min))
	}
}
