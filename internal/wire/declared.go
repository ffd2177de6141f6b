package wire

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// This file is the one "declared fields match" comparator: the client's read-back after a lost answer
// and the apply package's plans use it, so both agree on what a resource declares.

// Declared reduces m, a connection, data model or pipeline as encoding/json decodes it (numbers as
// json.Number or float64), in place, to what it declares:
//   - read-only fields (ReadOnlyFields) are left out: the server fills them;
//   - config secrets (ConfigSecretKeys) are left out: the server masks them on every read;
//   - the whole config of a service_provider that Providers does not list is left out: which of its
//     keys are secrets cannot be known, so it is all secret;
//   - members that are null, "", 0, false or empty objects or lists are left out: not declared;
//   - a spelling the API accepts for a value is replaced by the one it writes back (schedule.type
//     "on-demand" is "on_demand").
func Declared(m map[string]any) {
	for _, k := range ReadOnlyFields() {
		delete(m, k)
	}
	if cfg, isMap := m["config"].(map[string]any); isMap {
		sp, hasSP := m["service_provider"].(string)
		if _, known := LookupProvider(sp); hasSP && !known {
			delete(m, "config")
		} else {
			for _, k := range ConfigSecretKeys() {
				delete(cfg, k)
			}
		}
	}
	pruneEmpty(m)
	if sc, isMap := m["schedule"].(map[string]any); isMap && sc["type"] == ScheduleOnDemandAlias {
		sc["type"] = "on_demand"
	}
}

// DiffDeclared returns, sorted, the dotted paths of the members of want (reduced by Declared) whose
// values got (reduced too) does not hold; nested objects are compared member by member, other values
// as JSON text.
func DiffDeclared(want, got map[string]any) []string {
	var out []string
	diffDeclared("", want, got, &out)
	return out
}

func diffDeclared(prefix string, want, got map[string]any, out *[]string) {
	for _, k := range slices.Sorted(maps.Keys(want)) {
		wm, wIsMap := want[k].(map[string]any)
		gm, gIsMap := got[k].(map[string]any)
		if wIsMap && gIsMap {
			diffDeclared(prefix+k+".", wm, gm, out)
			continue
		}
		if JSONText(want[k]) != JSONText(got[k]) {
			*out = append(*out, prefix+k)
		}
	}
}

// JSONText is v as compact JSON, without HTML escapes.
func JSONText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// pruneEmpty deletes the members of m that are empty (see isEmpty), after pruning nested objects.
func pruneEmpty(m map[string]any) {
	for k, v := range m {
		if sub, isMap := v.(map[string]any); isMap {
			pruneEmpty(sub)
		}
		if IsEmpty(v) {
			delete(m, k)
		}
	}
}

// IsEmpty reports whether a JSON value (as decoded with UseNumber) declares nothing: null, "", 0,
// false or an empty object or list.
func IsEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case float64:
		return x == 0
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
