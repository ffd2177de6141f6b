package apply

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// This file turns the text of an apply file into generic JSON values (map[string]any, []any, string,
// json.Number, bool, nil) with the position of every value. Its errors are built from an allowlist: a
// position and a fixed description of the kind of problem. The YAML parser's own messages can quote the
// input (an anchor's name, a value that does not match its tag), and an apply file can hold secrets, so
// they are never shown.

// Pos is a position in a file: a line and a column, both counted from 1 (0 when unknown).
type Pos struct {
	Line, Column int
}

// String returns "3:7", "3" when the column is unknown, "" when both are.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return ""
	case p.Column == 0:
		return strconv.Itoa(p.Line)
	}
	return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
}

// maxNodes bounds the values one file expands to, aliases included (a few aliases of aliases can
// otherwise stand for billions of values).
const maxNodes = 100_000

// maxDepth bounds how deeply values nest.
const maxDepth = 64

// syntaxProblems maps the problems the YAML parser reports (fixed texts of its scanner, parser and
// reader, never input) to the description wsync prints. A problem not listed prints as "is not valid
// YAML".
var syntaxProblems = map[string]string{
	"found character that cannot start any token":                   "a character that cannot start a value (a tab for indentation, or @ or ` at the start?)",
	"mapping values are not allowed in this context":                "a key: value where none may be (a missing space after :, or wrong indentation?)",
	"mapping keys are not allowed in this context":                  "a key where none may be",
	"did not find expected key":                                     "an entry that is not a key: value (wrong indentation?)",
	"did not find expected node content":                            "a missing value",
	"did not find expected '-' indicator":                           "a list entry without - (wrong indentation?)",
	"did not find expected ',' or '}'":                              "a { … } mapping that is not closed",
	"did not find expected ',' or ']'":                              "a [ … ] list that is not closed",
	"could not find expected ':'":                                   "a key without : after it",
	"found unexpected end of stream":                                "the file ends inside a value (an unclosed quote?)",
	"found unknown escape character":                                "an unknown escape sequence in a double-quoted string",
	"found invalid Unicode character escape code":                   "an invalid \\u escape in a double-quoted string",
	"did not find expected hexdecimal number":                       "an invalid \\x or \\u escape in a double-quoted string",
	"found a tab character that violates indentation":               "a tab used for indentation",
	"found a tab character where an indentation space is expected":  "a tab used for indentation",
	"found undefined tag handle":                                    "a tag with an undefined handle",
	"did not find expected tag URI":                                 "an invalid tag",
	"did not find expected whitespace or line break":                "a missing space or line break",
	"did not find expected comment or line break":                   "text after a value where only a comment may be",
	"did not find expected alphabetic or numeric character":         "an anchor or alias without a name",
	"found unexpected document indicator":                           "a --- or ... inside a value",
	"found an indentation indicator equal to 0":                     "a block scalar with an indentation indicator of 0",
	"block sequence entries are not allowed in this context":        "a list entry where none may be (wrong indentation?)",
	"found unknown directive name":                                  "an unknown % directive",
	"found incompatible YAML document":                              "a YAML version this parser does not read",
	"control characters are not allowed":                            "a control character",
	"invalid leading UTF-8 octet":                                   "text that is not UTF-8",
	"invalid trailing UTF-8 octet":                                  "text that is not UTF-8",
	"incomplete UTF-8 octet sequence":                               "text that is not UTF-8",
	"invalid length of a UTF-8 sequence":                            "text that is not UTF-8",
	"invalid Unicode character":                                     "an invalid Unicode character",
	"incomplete UTF-16 character":                                   "text that is not UTF-8",
	"incomplete UTF-16 surrogate pair":                              "text that is not UTF-8",
	"expected low surrogate area":                                   "text that is not UTF-8",
	"found an incorrect leading UTF-8 octet":                        "text that is not UTF-8",
	"found an incorrect trailing UTF-8 octet":                       "text that is not UTF-8",
	"did not find expected <document start>":                        "a second document without ---",
	"found duplicate %YAML directive":                               "a %YAML directive given twice",
	"found duplicate %TAG directive":                                "a %TAG directive given twice",
	"did not find the expected '>'":                                 "an invalid verbatim tag",
	"did not find expected '!'":                                     "an invalid tag",
	"found unexpected non-alphabetical character":                   "an invalid character in a directive",
	"did not find expected digit or '.' character":                  "an invalid %YAML version",
	"did not find expected version number":                          "an invalid %YAML version",
	"found extremely long version number":                           "an invalid %YAML version",
	"did not find expected whitespace":                              "a missing space",
	"document contains excessive aliasing":                          "too many aliases",
	"unknown problem parsing YAML content":                          "is not valid YAML",
	"attempted to go past the end of stream; corrupted value?":      "is not valid YAML",
	"map merge requires map or sequence of maps as the value":       "a merge key (<<) whose value is not a mapping",
	"!!binary value contains invalid base64 data":                   "an invalid !!binary value",
	"while parsing a block mapping did not find expected key":       "an entry that is not a key: value (wrong indentation?)",
	"while scanning a simple key could not find expected ':'":       "a key without : after it",
	"while scanning a quoted scalar found unexpected end of stream": "the file ends inside a quoted string",
}

// parserLine matches the position the parser puts before its problem: "yaml: line 3: ".
var parserLine = regexp.MustCompile(`^yaml: line ([0-9]{1,9}): `)

// unknownAnchor matches the parser's message about an alias without an anchor; the name is used only
// to find the alias's position and is never shown.
var unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// syntaxError turns an error of the YAML parser into an *Error of file: a position and a description
// from syntaxProblems, never the parser's message.
func syntaxError(file string, raw []byte, err error) *Error {
	msg := err.Error()
	e := &Error{File: file, Rule: "is not valid YAML"}
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		e.Rule = "an alias (*name) that refers to no anchor (&name) before it"
		e.Pos = findAlias(raw, m[1])
		return e
	}
	if m := parserLine.FindStringSubmatch(msg); m != nil {
		e.Pos.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		// The parser leaves out the line when it is the first, and the reader (bad characters) gives none.
		msg = strings.TrimPrefix(msg, "yaml: ")
		e.Pos = Pos{Line: 1}
		if off := badCharacter(raw); off >= 0 {
			e.Pos = posOf(raw, off)
		}
	}
	if d, known := syntaxProblems[msg]; known {
		e.Rule = d
	}
	return e
}

// badCharacter returns the offset of the first byte of raw that YAML does not allow: a control
// character other than tab and line breaks, or text that is not UTF-8; -1 when there is none.
func badCharacter(raw []byte) int {
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return i
		}
		i += size
	}
	return -1
}

// findAlias returns the position of the first alias *name in raw (0:0 when there is none).
func findAlias(raw []byte, name string) Pos {
	needle := []byte("*" + name)
	for i := 0; i < len(raw); {
		j := bytes.Index(raw[i:], needle)
		if j < 0 {
			break
		}
		at := i + j
		end := at + len(needle)
		if end == len(raw) || strings.ContainsRune(" \t\r\n,]}#", rune(raw[end])) {
			return posOf(raw, at)
		}
		i = at + 1
	}
	return Pos{}
}

// posOf is the line and column (in runes) of byte offset off of raw.
func posOf(raw []byte, off int) Pos {
	line := bytes.Count(raw[:off], []byte("\n")) + 1
	start := bytes.LastIndexByte(raw[:off], '\n') + 1
	return Pos{Line: line, Column: len([]rune(string(raw[start:off]))) + 1}
}

// astralEscapes rewrites, in JSON text, each escaped UTF-16 surrogate pair (\ud83d\ude00, JSON's only
// way to escape a character above U+FFFF) as the one escape YAML takes for it (\U0001f600): the YAML
// parser reads JSON strings as double-quoted scalars and refuses a surrogate.
func astralEscapes(raw []byte) []byte {
	if !bytes.Contains(raw, []byte(`\u`)) && !bytes.Contains(raw, []byte(`\U`)) {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			out = append(out, raw[i])
			continue
		}
		// An escape: a backslash and the character it escapes.
		if i+12 <= len(raw) && (raw[i+1] == 'u' || raw[i+1] == 'U') && raw[i+6] == '\\' && (raw[i+7] == 'u' || raw[i+7] == 'U') {
			hi, err1 := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
			lo, err2 := strconv.ParseUint(string(raw[i+8:i+12]), 16, 16)
			if err1 == nil && err2 == nil && utf16.IsSurrogate(rune(hi)) && hi < 0xdc00 && lo >= 0xdc00 && lo <= 0xdfff {
				out = fmt.Appendf(out, `\U%08x`, utf16.DecodeRune(rune(hi), rune(lo)))
				i += 11
				continue
			}
		}
		out = append(out, raw[i])
		if i+1 < len(raw) {
			out = append(out, raw[i+1])
			i++
		}
	}
	return out
}

// document is the parsed text of one apply file.
type document struct {
	// value is the file's top value as generic JSON values.
	value any
	// pos maps the path of every value ("pipelines.0.schedule.type") to its position; keys map to the
	// position of the key.
	pos map[string]Pos
}

// parseYAML parses raw, the text of file, as one YAML (or JSON) document. Every error is an *Error,
// joined; none quotes the text.
func parseYAML(file string, raw []byte) (*document, error) {
	// The parser builds every node before the converter can count them: bound them first by the
	// separators a node needs (a line break, a comma or an opening bracket; a line holds at most a key
	// and its value), so a file of a million tiny values is refused before it is parsed.
	if n := bytes.Count(raw, []byte("\n")) + bytes.Count(raw, []byte(",")) + bytes.Count(raw, []byte("[")) + bytes.Count(raw, []byte("{")); n > maxNodes {
		return nil, &Error{File: file, Pos: Pos{Line: 1}, Rule: fmt.Sprintf("holds more than %d lines, commas and brackets; split it into several files", maxNodes)}
	}
	if strings.HasSuffix(file, ".json") {
		raw = astralEscapes(raw)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return &document{pos: map[string]Pos{}}, nil
		}
		return nil, syntaxError(file, raw, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(file, raw, err)
	default:
		return nil, &Error{File: file, Pos: Pos{next.Line, next.Column}, Rule: "holds a second YAML document (after ---); write one document a file"}
	}
	c := &converter{file: file, doc: &document{pos: map[string]Pos{}}}
	if len(root.Content) == 1 {
		c.doc.value = c.convert(root.Content[0], "", 0)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return c.doc, nil
}

// converter turns yaml.Nodes into generic JSON values.
type converter struct {
	file  string
	doc   *document
	nodes int
	errs  []error
}

// maxFileErrors bounds the errors of one file.
const maxFileErrors = 50

func (c *converter) fail(n *yaml.Node, rule string) {
	if len(c.errs) < maxFileErrors {
		c.errs = append(c.errs, &Error{File: c.file, Pos: Pos{n.Line, n.Column}, Rule: rule})
	}
}

// failAt is fail with the path of the value (a field of a resource is named later, by the loader).
func (c *converter) failAt(n *yaml.Node, path, rule string) {
	if path != "" {
		rule = displayPath(path) + ": " + rule
	}
	c.fail(n, rule)
}

// displayPath shows a value's path as "pipelines[0].schedule.type".
func displayPath(path string) string {
	parts := strings.Split(path, ".")
	var b strings.Builder
	for i, p := range parts {
		if _, err := strconv.Atoi(p); err == nil && i > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(safeKey(p))
	}
	return b.String()
}

// plainKey matches a key that prints as it is.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// safeKey is a key as it prints in messages: quoted (control and bidirectional characters escaped) when
// it is not plain letters, digits, _ and -, and at most 64 characters.
func safeKey(k string) string {
	if plainKey.MatchString(k) {
		return k
	}
	if r := []rune(k); len(r) > 64 {
		k = string(r[:63]) + "…"
	}
	return strconv.QuoteToASCII(k)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// spend counts one value, or one mapping merged into another, against maxNodes, and reports whether
// the budget allows it (the first refusal is an error). Every step of the conversion spends: a merge
// of an empty mapping builds no value, but merges of merges of it are work all the same.
func (c *converter) spend(n *yaml.Node) bool {
	c.nodes++
	if c.nodes > maxNodes {
		if c.nodes == maxNodes+1 {
			c.fail(n, "expands to more than 100,000 values (aliases of aliases?)")
		}
		return false
	}
	return true
}

// convert returns the value of n, recording its position under path.
func (c *converter) convert(n *yaml.Node, path string, depth int) any {
	if !c.spend(n) {
		return nil
	}
	if depth > maxDepth {
		c.failAt(n, path, "nests more than 64 levels deep")
		return nil
	}
	if _, seen := c.doc.pos[path]; !seen {
		c.doc.pos[path] = Pos{n.Line, n.Column}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			c.failAt(n, path, "an alias that refers to no anchor")
			return nil
		}
		return c.convert(n.Alias, path, depth+1)
	case yaml.MappingNode:
		if t := n.ShortTag(); t != "!!map" {
			c.failAt(n, path, "a mapping with a tag other than !!map")
			return nil
		}
		return c.mapping(n, path, depth)
	case yaml.SequenceNode:
		if t := n.ShortTag(); t != "!!seq" {
			c.failAt(n, path, "a list with a tag other than !!seq")
			return nil
		}
		out := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			out = append(out, c.convert(e, join(path, strconv.Itoa(i)), depth+1))
		}
		return out
	case yaml.ScalarNode:
		return c.scalar(n, path)
	}
	c.failAt(n, path, "is not valid YAML")
	return nil
}

// mapping converts a mapping, merge keys (<<) included; a key given twice is an error.
func (c *converter) mapping(n *yaml.Node, path string, depth int) map[string]any {
	out := map[string]any{}
	explicit := map[string]bool{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		for k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			c.failAt(n.Content[i], path, "a key that is not a plain value")
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key := k.Value
		if explicit[key] {
			c.failAt(n.Content[i], join(path, key), "is given twice in the same mapping")
			continue
		}
		explicit[key] = true
		kp := join(path, key)
		c.doc.pos[kp] = Pos{n.Content[i].Line, n.Content[i].Column}
		out[key] = c.convert(v, kp, depth+1)
	}
	for _, m := range merges {
		for m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		var sources []*yaml.Node
		switch m.Kind {
		case yaml.MappingNode:
			sources = []*yaml.Node{m}
		case yaml.SequenceNode:
			for _, s := range m.Content {
				for s.Kind == yaml.AliasNode && s.Alias != nil {
					s = s.Alias
				}
				sources = append(sources, s)
			}
		}
		if len(sources) == 0 {
			c.failAt(m, path, "a merge key (<<) whose value is not a mapping")
		}
		for _, s := range sources {
			if !c.spend(s) {
				return out
			}
			if s.Kind != yaml.MappingNode {
				c.failAt(m, path, "a merge key (<<) whose value is not a mapping")
				continue
			}
			for key, v := range c.mapping(s, path, depth+1) {
				if _, has := out[key]; !has {
					out[key] = v
				}
			}
		}
	}
	return out
}

// scalar converts a scalar by its tag: the YAML 1.2 core schema (null, bool, int, float, str) and
// timestamps kept as text. Any other tag is refused, and a value that does not match its tag is named
// by the tag's kind, never by its text.
func (c *converter) scalar(n *yaml.Node, path string) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!str":
		return n.Value
	case "!!timestamp":
		if n.Style&yaml.TaggedStyle != 0 {
			var t time.Time
			if n.Decode(&t) != nil {
				c.failAt(n, path, "is tagged !!timestamp but is not a timestamp")
				return nil
			}
		}
		return n.Value
	case "!!bool":
		var b bool
		if n.Decode(&b) != nil {
			c.failAt(n, path, "is tagged !!bool but is not true or false")
			return nil
		}
		return b
	case "!!int":
		var v any
		if n.Decode(&v) != nil {
			c.failAt(n, path, "is tagged !!int but is not an integer")
			return nil
		}
		switch x := v.(type) {
		case int:
			return json.Number(strconv.FormatInt(int64(x), 10))
		case int64:
			return json.Number(strconv.FormatInt(x, 10))
		case uint64:
			return json.Number(strconv.FormatUint(x, 10))
		case float64:
			return c.float(n, path, x)
		}
		c.failAt(n, path, "is tagged !!int but is not an integer")
		return nil
	case "!!float":
		var f float64
		if n.Decode(&f) != nil {
			c.failAt(n, path, "is tagged !!float but is not a number")
			return nil
		}
		return c.float(n, path, f)
	}
	c.failAt(n, path, "has a tag wsync does not read (only !!str, !!int, !!float, !!bool, !!null and !!timestamp)")
	return nil
}

func (c *converter) float(n *yaml.Node, path string, f float64) any {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		c.failAt(n, path, "is not a finite number (.inf and .nan have no JSON form)")
		return nil
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}
