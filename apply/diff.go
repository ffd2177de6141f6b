package apply

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// FieldDiff is one field of a change, as a dotted JSON path with its old and new values as JSON text.
type FieldDiff struct {
	Path string
	// Old is the stored value ("" when the field is new); New the declared one ("" on a delete).
	Old, New string
	// Sensitive marks a secret: Old and New are empty, and the declared value will be sent.
	Sensitive bool
	// Cleared marks a field declared empty (null or "") that the workspace holds: the update clears it.
	// Old is the stored value, New is empty.
	Cleared bool
}

// secretField is a secret of a connection config: its path and a pointer to its value.
type secretField struct {
	path string
	val  *ws.Secret
}

// secretsOf returns the secrets of c's config: every field of type ws.Secret, named by its JSON key, so
// that a config type of a new provider needs no change here. A RawConfig has none.
func secretsOf(c *ws.Connection) []secretField {
	if c == nil {
		return nil
	}
	v := reflect.ValueOf(c.Config)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	var out []secretField
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Type != reflect.TypeFor[ws.Secret]() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, secretField{"config." + name, v.Field(i).Addr().Interface().(*ws.Secret)})
	}
	return out
}

// rawConfig returns c's config when it is of a shape the module does not know (a *ws.RawConfig with
// bytes): all of it is treated as a secret.
func rawConfig(c *ws.Connection) *ws.RawConfig {
	if c == nil {
		return nil
	}
	if raw, isRaw := c.Config.(*ws.RawConfig); isRaw && raw != nil && len(raw.JSON) > 0 {
		return raw
	}
	return nil
}

// foreignConfig reports whether c's config is of a type the module does not define (not one of its
// providers' config types nor a RawConfig): which of its fields are secrets cannot be known.
func foreignConfig(c *ws.Connection) bool {
	if c == nil || c.Config == nil {
		return false
	}
	t := reflect.TypeOf(c.Config)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() != reflect.TypeFor[ws.Connection]().PkgPath()
}

// declaredSecrets returns the paths of the secrets c declares with a value (not left out or masked); a
// config of unknown shape (a RawConfig, or a config type the module does not define) is one secret,
// "config".
func declaredSecrets(c *ws.Connection) []string {
	if rawConfig(c) != nil || foreignConfig(c) {
		return []string{"config"}
	}
	var out []string
	for _, s := range secretsOf(c) {
		if *s.val != "" && !s.val.IsMasked() {
			out = append(out, s.path)
		}
	}
	return out
}

// toMap encodes v as the client does and decodes it as a generic JSON object, numbers kept as text.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// declared returns what v declares, by the rules of wire.Declared (the comparator the client's
// read-back after a lost answer uses too): its JSON without read-only fields, secrets, a config of
// unknown shape and empty values, with the API's spellings normalized.
func declared(v any) (map[string]any, error) {
	m, err := toMap(v)
	if err != nil {
		return nil, err
	}
	if c, isConn := v.(*ws.Connection); isConn && c != nil {
		if _, isRaw := c.Config.(*ws.RawConfig); isRaw {
			delete(m, "config")
		}
		keepKnownConfig(m)
	}
	wire.Declared(m)
	return m, nil
}

// keepKnownConfig keeps, of the config of the connection m, only the keys its provider documents and
// that are not secrets: an allowlist, so that a config type of a Go caller's own (a key the module
// does not know, such as a token of a new sign-in method) is never printed or compared. Keys outside
// it are a config of unknown shape: the plan shows them as sensitive, as a RawConfig.
func keepKnownConfig(m map[string]any) {
	cfg, isMap := m["config"].(map[string]any)
	if !isMap {
		return
	}
	sp, _ := m["service_provider"].(string)
	p, known := wire.LookupProvider(sp)
	for k := range cfg {
		if !known || !slices.ContainsFunc(p.Config, func(c wire.ConfigKey) bool { return c.Name == k && !c.Secret }) {
			delete(cfg, k)
		}
	}
}

// diffDeclared compares the declared fields want with got and appends the differing ones, sorted by
// path, with their values.
func diffDeclared(want, got map[string]any, out *[]FieldDiff) {
	for _, path := range wire.DiffDeclared(want, got) {
		w, _ := lookupPath(want, path)
		g, has := lookupPath(got, path)
		old := ""
		if has && g != nil {
			old = jsonText(g)
		}
		*out = append(*out, FieldDiff{Path: path, Old: old, New: jsonText(w)})
	}
}

// flatten lists the declared fields of m as additions, sorted by path.
func flatten(prefix string, m map[string]any, out *[]FieldDiff) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if sub, isMap := m[k].(map[string]any); isMap {
			flatten(prefix+k+".", sub, out)
			continue
		}
		*out = append(*out, FieldDiff{Path: prefix + k, New: jsonText(m[k])})
	}
}

// jsonText is v as compact JSON, without HTML escapes (a query's < prints as <).
func jsonText(v any) string { return wire.JSONText(v) }

// lookupPath returns the member of m at the dotted path.
func lookupPath(m map[string]any, path string) (any, bool) {
	head, rest, nested := strings.Cut(path, ".")
	v, has := m[head]
	if !has || !nested {
		return v, has
	}
	sub, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	return lookupPath(sub, rest)
}

// deletePath deletes the member of m at the dotted path.
func deletePath(m map[string]any, path string) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		delete(m, head)
		return
	}
	if sub, isMap := m[head].(map[string]any); isMap {
		deletePath(sub, rest)
	}
}

// overlay copies the members of src into dst, recursing into objects present in both.
func overlay(dst, src map[string]any) {
	for k, v := range src {
		if sm, isMap := v.(map[string]any); isMap {
			if dm, isMap := dst[k].(map[string]any); isMap {
				overlay(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// updateBody builds what an update sends: the stored resource (without read-only fields) with the
// declared fields laid over it, and for a connection the declared secrets (the mask for the others,
// which keeps the stored values). want and got have the same type.
func updateBody(want, got any, cleared []string) (any, error) {
	base, err := toMap(got)
	if err != nil {
		return nil, err
	}
	for _, k := range wire.ReadOnlyFields() {
		delete(base, k)
	}
	decl, err := declared(want)
	if err != nil {
		return nil, err
	}
	overlay(base, decl)
	for _, path := range cleared {
		deletePath(base, path)
	}
	b, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	switch w := want.(type) {
	case *ws.Connection:
		body := &ws.Connection{}
		if err := json.Unmarshal(b, body); err != nil {
			return nil, err
		}
		wantSecrets := map[string]ws.Secret{}
		for _, s := range secretsOf(w) {
			wantSecrets[s.path] = *s.val
		}
		for _, s := range secretsOf(body) {
			if v := wantSecrets[s.path]; v != "" {
				*s.val = v
			} else {
				*s.val = ws.MaskedSecret
			}
		}
		// A config of unknown shape is sent whole: the declared one, else the stored one as it was read
		// (its secrets masked by the API, which keeps them).
		if raw := rawConfig(w); raw != nil {
			body.Config = raw
		} else if stored, isConn := got.(*ws.Connection); isConn && stored.Config != nil {
			if _, isRaw := stored.Config.(*ws.RawConfig); isRaw && w.Config == nil {
				body.Config = stored.Config
			}
		}
		return body, nil
	default:
		k, err := kindOfValue(want)
		if err != nil {
			return nil, err
		}
		body := k.New()
		return body, json.Unmarshal(b, body)
	}
}

// providerOf is the provider a connection declares, from ServiceProvider or else its config.
func providerOf(c *ws.Connection) ws.ServiceProvider {
	if c.ServiceProvider != "" {
		return c.ServiceProvider
	}
	if c.Config != nil {
		return c.Config.ServiceProvider()
	}
	return ""
}
