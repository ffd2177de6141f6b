package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf16"

	yaml "sigs.k8s.io/yaml/goyaml.v3"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// exportState turns resources read from the workspace into an apply file: read-only fields left out,
// every secret replaced by a ${VAR} reference. A reference is named by names (the variable the same
// field has in existing files; nil or "" for none), else after the connection and the field. It
// returns the variables the file names, sorted.
func exportState(s *apply.State, names func(r apply.Ref, field string) string) (map[string]any, []string, error) {
	out, err := toMap(s)
	if err != nil {
		return nil, nil, err
	}
	vars := map[string]bool{}
	for key, list := range out {
		items, _ := list.([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			for _, k := range wire.ReadOnlyFields() {
				delete(m, k)
			}
			cfg, isMap := m["config"].(map[string]any)
			if !isMap || key != "connections" {
				continue
			}
			id, _ := m["id"].(string)
			name := func(field, fallback string) string {
				if names != nil {
					if n := names(apply.Ref{Kind: apply.KindConnection, ID: id}, field); n != "" {
						vars[n] = true
						return "${" + n + "}"
					}
				}
				vars[fallback] = true
				return "${" + fallback + "}"
			}
			sp, _ := m["service_provider"].(string)
			if _, known := wire.LookupProvider(sp); !known {
				// A config of unknown shape is all secret: every value becomes a reference.
				allReferences(cfg, "config", id, name)
				continue
			}
			for _, f := range wire.ConfigSecretKeys() {
				if _, has := cfg[f]; has {
					cfg[f] = name("config."+f, envName(id, f))
				}
			}
		}
	}
	return out, slices.Sorted(maps.Keys(vars)), nil
}

// allReferences replaces every value of cfg (at path), nested ones included, with a ${VAR} reference.
func allReferences(cfg map[string]any, path, id string, name func(field, fallback string) string) {
	for k, v := range cfg {
		field := path + "." + k
		if sub, isMap := v.(map[string]any); isMap {
			allReferences(sub, field, id, name)
			continue
		}
		if v != nil {
			cfg[k] = name(field, envName(id, strings.ReplaceAll(strings.TrimPrefix(field, "config."), ".", "_")))
		}
	}
}

// toMap is v encoded as JSON and decoded as a generic object, numbers kept as text.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// envName is the variable an export names for a secret: SNOWFLAKE_PROD_PASSWORD for the password of
// connection snowflake-prod.
func envName(id, field string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(id + "_" + field) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name[0] >= '0' && name[0] <= '9' {
		name = "WSYNC_" + name
	}
	return name
}

// writeData writes v as indented JSON or as YAML. A character that SafeText would escape (a control,
// bidirectional or other format character, which can make a file read differently from what it holds)
// is written as an escape of the format, never raw: data from the server lands in files people review.
func writeData(w io.Writer, format string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if format == "json" {
		// Outside strings JSON holds only ASCII punctuation, so every such character is in a string.
		_, err := io.WriteString(w, escapeInvisible(buf.String(), true))
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(buf.Bytes(), &doc); err != nil {
		return err
	}
	restyle(&doc)
	var out bytes.Buffer
	ye := yaml.NewEncoder(&out)
	ye.SetIndent(2)
	if err := ye.Encode(&doc); err != nil {
		return err
	}
	if err := ye.Close(); err != nil {
		return err
	}
	// restyle double-quoted every scalar holding such a character, where YAML takes escapes.
	_, err := io.WriteString(w, escapeInvisible(out.String(), false))
	return err
}

// invisible reports whether r is a character apply.SafeText escapes, other than a line break (which
// JSON escapes itself and YAML may print as a block).
func invisible(r rune) bool {
	return unicode.IsControl(r) && r != '\n' || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// restyle gives the nodes parsed from JSON the styles YAML would choose (plain, block), except for a
// scalar holding a character invisible reports: it is double-quoted, so that it can be escaped.
func restyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && strings.IndexFunc(n.Value, invisible) >= 0 {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		restyle(c)
	}
}

// escapeInvisible replaces every character of s that invisible reports with an escape: \uXXXX, and
// above U+FFFF a UTF-16 surrogate pair (JSON) or \UXXXXXXXX (YAML).
func escapeInvisible(s string, surrogates bool) string {
	if strings.IndexFunc(s, invisible) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !invisible(r):
			b.WriteRune(r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		case surrogates:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}

// checkFormat validates -o.
func checkFormat(f string) error {
	switch f {
	case "table", "json", "yaml":
		return nil
	}
	return fmt.Errorf("-o %q: use table, json or yaml", f)
}

// table writes rows under a header, aligned. Cells that hold text from the server must be escaped by
// the caller (safeText), which leaves wsync's own colours intact.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// stateTable writes the resources of kind only in s as a table.
func stateTable(w io.Writer, s *apply.State, only apply.Kind) error {
	switch only {
	case apply.KindConnection:
		rows := make([][]string, 0, len(s.Connections))
		for _, c := range s.Connections {
			rows = append(rows, safeRow(c.ID, c.Name, string(providerName(c)), string(c.State), dash(string(c.Status))))
		}
		return table(w, []string{"ID", "NAME", "PROVIDER", "STATE", "STATUS"}, rows)
	case apply.KindDataModel:
		rows := make([][]string, 0, len(s.DataModels))
		for _, m := range s.DataModels {
			rows = append(rows, safeRow(m.ID, m.Name, string(m.State), dash(string(m.Status)), oneLine(m.Config.SQLQuery, 40)))
		}
		return table(w, []string{"ID", "NAME", "STATE", "STATUS", "QUERY"}, rows)
	case apply.KindPipeline:
		rows := make([][]string, 0, len(s.Pipelines))
		for _, p := range s.Pipelines {
			rows = append(rows, safeRow(p.ID, p.Name, p.ConnectionID, p.DataModelID, string(p.State), dash(string(p.Status)), schedule(p.Schedule)))
		}
		return table(w, []string{"ID", "NAME", "CONNECTION", "DATA MODEL", "STATE", "STATUS", "SCHEDULE"}, rows)
	}
	return fmt.Errorf("no table for kind %q", only)
}

func providerName(c *ws.Connection) ws.ServiceProvider {
	if c.ServiceProvider != "" || c.Config == nil {
		return c.ServiceProvider
	}
	return c.Config.ServiceProvider()
}

func schedule(s ws.Schedule) string {
	out := string(s.Type)
	if s.Frequency != "" {
		out += " " + string(s.Frequency)
	}
	if !s.Delay.IsZero() {
		out += " +" + s.Delay.String()
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine shortens s to n runes on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// safeText is text from the server or a file with control and bidirectional characters escaped.
func safeText(s string) string { return apply.SafeText(s) }

// safeRow is a table row of text from the server, escaped.
func safeRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = safeText(c)
	}
	return cells
}
