package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// validSlug reports whether s is a slug, by the API's one slug rule (wire.CheckSlug).
func validSlug(s string) bool { return wire.ValidSlug(s) }

// fieldErrors collects validation messages, each naming its field and the rule it breaks.
type fieldErrors []string

func (e *fieldErrors) add(field, format string, args ...any) {
	*e = append(*e, field+": "+fmt.Sprintf(format, args...))
}

// object is a JSON object being validated: its members undecoded, and its path for messages.
type object struct {
	path string
	m    map[string]json.RawMessage
	errs *fieldErrors
}

// decodeObject decodes a request body that must be a JSON object.
func decodeObject(body []byte, errs *fieldErrors) (object, bool) {
	o := object{m: map[string]json.RawMessage{}, errs: errs}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		errs.add("request body", "is required: send a JSON object")
		return o, false
	}
	if trimmed[0] != '{' {
		errs.add("request body", "must be a JSON object")
		return o, false
	}
	if err := json.Unmarshal(trimmed, &o.m); err != nil {
		errs.add("request body", "%s", jsonProblem(err))
		return o, false
	}
	return o, true
}

// jsonProblem describes a decoding error without repeating the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("%s must be a %s, not a JSON %s", typ.Field, typ.Type, typ.Value)
		}
		return fmt.Sprintf("must be a %s, not a JSON %s", typ.Type, typ.Value)
	}
	return "malformed JSON: " + err.Error()
}

func (o object) name(field string) string {
	if o.path == "" {
		return field
	}
	return o.path + "." + field
}

// raw returns a member, or false when it is absent or null.
func (o object) raw(field string) (json.RawMessage, bool) {
	r, found := o.m[field]
	if !found || string(bytes.TrimSpace(r)) == "null" {
		return nil, false
	}
	return r, true
}

// str returns a string member; absent and null are "".
func (o object) str(field string) string {
	s, _ := o.strOK(field)
	return s
}

// strOK is str that also reports false when the member is not a string (the error is recorded).
func (o object) strOK(field string) (string, bool) {
	r, found := o.raw(field)
	if !found {
		return "", true
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		o.errs.add(o.name(field), "must be a string")
		return "", false
	}
	return s, true
}

// required returns a string member that must be present and non-empty; what ends the message.
func (o object) required(field, what string) string {
	s, isString := o.strOK(field)
	if s == "" && isString {
		o.errs.add(o.name(field), "is required%s", what)
	}
	return s
}

// oneOf returns a string member that must be one of allowed; required says whether it may be absent.
func (o object) oneOf(field string, required bool, allowed ...string) string {
	s, isString := o.strOK(field)
	if s == "" {
		if required && isString {
			o.errs.add(o.name(field), "is required; valid values: %s", strings.Join(allowed, ", "))
		}
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	o.errs.add(o.name(field), "%q is not a valid value; valid values: %s", truncate(s, 40), strings.Join(allowed, ", "))
	return ""
}

// slug returns a member that must be a slug (if required, or when present).
func (o object) slug(field string, required bool) string {
	s, isString := o.strOK(field)
	switch {
	case s == "" && required && isString:
		o.errs.add(o.name(field), "is required: a slug of letters, digits, _ and - (at most %d characters)", wire.MaxIDLength)
	case s != "" && !validSlug(s):
		o.errs.add(o.name(field), "%q is not a valid slug: use only letters, digits, _ and -, at most %d characters",
			truncate(s, 40), wire.MaxIDLength)
	}
	return s
}

// obj returns a nested object member, or false when it is absent, null or not an object.
func (o object) obj(field string) (object, bool) {
	n := object{path: o.name(field), m: map[string]json.RawMessage{}, errs: o.errs}
	r, found := o.raw(field)
	if !found {
		return n, false
	}
	if err := json.Unmarshal(r, &n.m); err != nil || bytes.TrimSpace(r)[0] != '{' {
		o.errs.add(o.name(field), "must be a JSON object")
		return n, false
	}
	return n, true
}

// int64 returns an optional integer member, given as a JSON number or a string of digits.
func (o object) int64(field string) *int64 {
	r, found := o.raw(field)
	if !found {
		return nil
	}
	text := string(bytes.TrimSpace(r))
	if strings.HasPrefix(text, `"`) {
		if err := json.Unmarshal(r, &text); err != nil {
			o.errs.add(o.name(field), "must be an integer")
			return nil
		}
		if text == "" {
			return nil
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		o.errs.add(o.name(field), "must be an integer")
		return nil
	}
	return &n
}

// timestamp returns an optional RFC 3339 timestamp member (zero when absent).
func (o object) timestamp(field string) time.Time {
	s := o.str(field)
	if s == "" {
		return time.Time{}
	}
	t, err := parseRFC3339(s)
	if err != nil {
		o.errs.add(o.name(field), "%q is not an RFC 3339 timestamp (for example 2023-03-01T12:00:00Z)", truncate(s, 40))
		return time.Time{}
	}
	return t
}

// parseRFC3339 parses a timestamp with a date, a time and a zone, as RFC 3339 requires, within the
// years 0000 to 9999 in UTC (the timestamps the fake writes back must be RFC 3339 too).
func parseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	t = t.UTC()
	if err := wire.CheckYears(s, t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
