package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// shapeKind is what one member of a request body may hold.
type shapeKind uint8

const (
	shapeScalar   shapeKind = iota // a string, number, boolean or null
	shapeSecret                    // any value; the request log keeps the mask instead
	shapeObject                    // an object of the members listed
	shapeReadOnly                  // any value, accepted and ignored (the API fills it in); not logged
)

// shape is the wire shape of a request body or of one of its members: the one list of the members each
// route takes. The handlers refuse members outside it (unless WithLenientBodies), and the request log
// keeps only what parses into it.
type shape struct {
	kind    shapeKind
	members map[string]*shape // of an object
}

func scalar() *shape { return &shape{kind: shapeScalar} }

// object is an object shape of the members named, each a scalar unless members gives its shape.
func objectShape(scalars []string, members map[string]*shape) *shape {
	sh := &shape{kind: shapeObject, members: map[string]*shape{}}
	for _, m := range scalars {
		sh.members[m] = scalar()
	}
	for m, s := range members {
		sh.members[m] = s
	}
	return sh
}

// withReadOnly adds the read-only members a resource read with GET carries, so that it can be sent back.
func withReadOnly(sh *shape) *shape {
	for _, f := range wire.ReadOnlyFields() {
		sh.members[f] = &shape{kind: shapeReadOnly}
	}
	return sh
}

// connectionConfigShape is the config of a connection of provider p; with p nil, of any provider (the
// union of their keys, secret where any provider says so).
func connectionConfigShape(p *wire.Provider) *shape {
	sh := objectShape(nil, nil)
	providers := wire.Providers()
	if p != nil {
		providers = []wire.Provider{*p}
	}
	for _, prov := range providers {
		for _, k := range prov.Config {
			if k.Secret {
				sh.members[k.Name] = &shape{kind: shapeSecret}
			} else if _, seen := sh.members[k.Name]; !seen {
				sh.members[k.Name] = scalar()
			}
		}
	}
	return sh
}

// tokenShape is the body of a token request.
func tokenShape() *shape {
	return objectShape([]string{"client_id", "audience", "grant_type"},
		map[string]*shape{wire.TokenSecretKey: {kind: shapeSecret}})
}

// bodyShapes returns the shape of the body of each API write, by "METHOD route" (the route as in
// apiRoutes).
func bodyShapes() map[string]*shape {
	connection := func() *shape {
		return withReadOnly(objectShape([]string{"id", "name", "state", "service_provider"},
			map[string]*shape{"config": connectionConfigShape(nil)}))
	}
	dataModel := func() *shape {
		return withReadOnly(objectShape([]string{"id", "name", "state", "type"},
			map[string]*shape{"config": objectShape([]string{"sql_query"}, nil)}))
	}
	pipeline := func() *shape {
		return withReadOnly(objectShape([]string{"id", "name", "pipeline_type", "connection_id", "data_model_id",
			"field_transformation_id", "partner_feed_id", "partner_feed_key", "state", "environment", "data_plan_id",
			"data_plan_version"}, map[string]*shape{
			"sync_mode": objectShape([]string{"type", "iterator_field", "iterator_data_type", "from", "until"}, nil),
			"schedule":  objectShape([]string{"type", "frequency", "start", "end", "delay"}, nil),
		}))
	}
	return map[string]*shape{
		"POST connections":                   connection(),
		"PUT connections/{}":                 connection(),
		"POST data-models":                   dataModel(),
		"PUT data-models/{}":                 dataModel(),
		"POST inputs/data-pipelines":         pipeline(),
		"PUT inputs/data-pipelines/{}":       pipeline(),
		"POST inputs/data-pipelines/trigger": objectShape([]string{"pipeline_id"}, nil),
	}
}

// queryParam is a documented query parameter: its name and the values of its wire type.
type queryParam struct {
	name  string
	valid func(string) bool
}

// queryParams returns the documented query parameters of each API read, by "METHOD route".
func queryParams() map[string][]queryParam {
	page := func(v string) bool { _, err := strconv.ParseUint(v, 10, 31); return err == nil }
	date := func(v string) bool { _, err := parseRFC3339(v); return err == nil }
	return map[string][]queryParam{
		"GET connections": {{"serviceProvider", wire.ServiceProvider.Has}},
		"GET inputs/data-pipelines/{}/runs": {{"currentPage", page}, {"pageSize", page},
			{"startDate", date}, {"endDate", date}},
	}
}

// routeKey is the "METHOD route" key of r's method on the API route that matches segs, or "".
func routeKey(routes []route[handler], method string, segs []string) string {
	for _, rt := range routes {
		if segsMatch(rt.segs, segs) {
			if _, found := rt.methods[method]; found {
				return method + " " + rt.path
			}
		}
	}
	return ""
}

// shapeWalk reads a JSON body against a shape in one pass: it writes what the request log keeps (the
// members of the shape, secrets masked, read-only members left out) and collects the members the shape
// does not know and those given twice.
type shapeWalk struct {
	dec      *json.Decoder
	out      bytes.Buffer
	unknown  []string // "path: message" for each unknown or repeated member, up to maxBodyProblems
	more     int      // the unknown or repeated members past maxBodyProblems
	long     []string // "path: message" for each string member longer than maxField
	maxField int      // 0: no limit
	fits     bool     // every member is known, once, with a value of its kind
}

// walkBody walks body against sh. It returns the body as the log keeps it ("" when it does not fit:
// not one JSON object, an unknown or repeated member, a value of the wrong kind) and the unknown and
// repeated members as messages (none when the body is not JSON at all).
func walkBody(body []byte, sh *shape) (logged string, unknown []string) {
	w, unknown := walk(body, sh, 0)
	if w == nil {
		return "", unknown
	}
	return w.out.String(), nil
}

// checkBody walks body against sh and returns the unknown and repeated members, and the string members
// longer than maxField bytes, as messages; none when the body is not JSON (the handler says so).
func checkBody(body []byte, sh *shape, maxField int) (unknown, long []string) {
	w := &shapeWalk{dec: json.NewDecoder(bytes.NewReader(body)), fits: true, maxField: maxField}
	w.dec.UseNumber()
	if tok, err := w.dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil
	}
	if err := w.object(sh, ""); err != nil {
		return nil, nil
	}
	return w.problems(), w.long
}

// walk walks body against sh; it returns nil and the unknown members when the body does not fit.
func walk(body []byte, sh *shape, maxField int) (*shapeWalk, []string) {
	w := &shapeWalk{dec: json.NewDecoder(bytes.NewReader(body)), fits: true, maxField: maxField}
	w.dec.UseNumber()
	tok, err := w.dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil
	}
	if err := w.object(sh, ""); err != nil {
		return nil, nil // malformed JSON: the handler says where
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return nil, nil // trailing data
	}
	if !w.fits {
		return nil, w.problems()
	}
	return w, nil
}

// object walks the members of an object whose { was read, up to its }.
func (w *shapeWalk) object(sh *shape, path string) error {
	w.out.WriteByte('{')
	seen := map[string]bool{}
	first := true
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		name := key
		if path != "" {
			name = path + "." + key
		}
		member, known := sh.members[key]
		switch {
		case seen[key]:
			w.fits = false
			w.addUnknown(func() string {
				shown := name
				if !known && !memberShaped(key) {
					shown = hiddenName(name, key)
				}
				return fmt.Sprintf("%s: is given twice; send each member once", quoteName(shown))
			})
		case !known:
			w.fits = false
			w.addUnknown(func() string { return unknownMember(name, key, sh) })
		}
		seen[key] = true
		if !known || member.kind == shapeReadOnly {
			if err := w.skip(); err != nil {
				return err
			}
			continue
		}
		if !first {
			w.out.WriteByte(',')
		}
		first = false
		writeJSONString(&w.out, key)
		w.out.WriteByte(':')
		if err := w.value(member, name); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // the closing }
		return err
	}
	w.out.WriteByte('}')
	return nil
}

// maxBodyProblems is how many unknown or repeated members a refusal names; the others are counted.
// Without it a 900 KB body of distinct unknown members was answered with 6.9 MB of messages.
const maxBodyProblems = 10

// addUnknown records an unknown or repeated member: its message while fewer than maxBodyProblems are
// named, else only the count.
func (w *shapeWalk) addUnknown(msg func() string) {
	if len(w.unknown) < maxBodyProblems {
		w.unknown = append(w.unknown, msg())
		return
	}
	w.more++
}

// problems returns the messages of the unknown and repeated members, with the count of those not named.
func (w *shapeWalk) problems() []string {
	if w.more == 0 {
		return w.unknown
	}
	return append(w.unknown, fmt.Sprintf("and %d more unknown or repeated members", w.more))
}

// value walks one member's value of shape sh.
func (w *shapeWalk) value(sh *shape, name string) error {
	if sh.kind == shapeSecret {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return err
		}
		if w.maxField > 0 && len(raw) > w.maxField+2 {
			w.long = append(w.long, budgetMessage(fmt.Sprintf("%s: %d bytes", quoteName(name), len(raw)),
				"MaxFieldBytes", int64(w.maxField)))
		}
		if string(raw) == `""` {
			w.out.WriteString(`""`)
		} else {
			writeJSONString(&w.out, ws.MaskedSecret)
		}
		return nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if sh.kind == shapeObject && t == '{' {
			return w.object(sh, name)
		}
		w.fits = false
		return w.skipRest()
	case string:
		if sh.kind != shapeScalar {
			w.fits = false
		}
		if w.maxField > 0 && len(t) > w.maxField {
			w.long = append(w.long, budgetMessage(fmt.Sprintf("%s: %d bytes", quoteName(name), len(t)),
				"MaxFieldBytes", int64(w.maxField)))
		}
		writeJSONString(&w.out, t)
	case json.Number:
		if sh.kind != shapeScalar {
			w.fits = false
		}
		w.out.WriteString(t.String())
	case bool:
		if sh.kind != shapeScalar {
			w.fits = false
		}
		fmt.Fprint(&w.out, t)
	case nil:
		w.out.WriteString("null") // null is absent, also where an object is expected
	}
	return nil
}

// skip reads and drops one value.
func (w *shapeWalk) skip() error {
	var raw json.RawMessage
	return w.dec.Decode(&raw)
}

// skipRest drops the rest of a container whose opening delimiter was read.
func (w *shapeWalk) skipRest() error {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// writeJSONString writes s as a JSON string, without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// quoteName quotes a member's name for a message, cut to 60 bytes.
func quoteName(name string) string { return fmt.Sprintf("%q", truncate(name, 60)) }

// unknownMember is the message of an unknown member: its name, the member meant when one is close, and
// the members the object takes.
func unknownMember(name, key string, sh *shape) string {
	known := make([]string, 0, len(sh.members))
	for m, s := range sh.members {
		if s.kind != shapeReadOnly {
			known = append(known, m)
		}
	}
	slices.Sort(known)
	meant := closest(key, known)
	if meant == "" && !memberShaped(key) {
		return quoteName(hiddenName(name, key)) + ": unknown member (its name is not shown: only names shaped like the " +
			"API's, lower-case letters and _, or close to one, are quoted) (members: " + strings.Join(known, ", ") + ")"
	}
	msg := quoteName(name) + ": unknown member"
	if meant != "" {
		msg += fmt.Sprintf("; did you mean %q?", meant)
	}
	return msg + " (members: " + strings.Join(known, ", ") + ")"
}

// memberShaped reports whether key is shaped like the API's member names (1 to 64 lower-case letters
// and _), so that a message may quote it. A name of any other shape, unless it is a typo of a member,
// may be anything a client sent, a secret included: a body of {"S3cr3t…": 1} quoted it back.
func memberShaped(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// hiddenName is name with its last part, key, replaced by its size.
func hiddenName(name, key string) string {
	return strings.TrimSuffix(name, key) + fmt.Sprintf("{%d bytes}", len(key))
}

// closest returns the candidate nearest to s by edit distance (ignoring case), when it is close: at most
// 2 edits, and fewer than half of s's length. "" when none is.
func closest(s string, candidates []string) string {
	if len(s) > 64 {
		return ""
	}
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), c)
		if d < bestD && 2*d < max(len(s), len(c)) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau–Levenshtein distance (adjacent transpositions count one edit) of a and b,
// by bytes.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// knownMediaTypes are the media types the request log names; any other is logged as "other".
var knownMediaTypes = []string{mediaJSON, mediaForm, "text/plain", "multipart/form-data", "application/xml",
	"text/xml", "application/yaml", "application/octet-stream"}

// loggedMediaType is the media type of r as the request log keeps it: one of knownMediaTypes, "other",
// or "" when the request has no Content-Type.
func loggedMediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if i := slices.Index(knownMediaTypes, mt); i >= 0 {
		return knownMediaTypes[i] // not mt, a substring of the header the log must not hold on to
	}
	return "other"
}

// suggestPath returns the API path meant by a workspace-relative path that matches no route, when one
// route is close: its literal segments at most 2 edits away in all, the path's own values in the
// route's {} segments. "" when none is close.
func suggestPath(routes []route[handler], segs []string) string {
	best, bestD, bestLiterals := "", 3, -1
	for _, rt := range routes {
		if len(rt.segs) != len(segs) {
			continue
		}
		d, literals := 0, 0
		out := make([]string, len(segs))
		for i, p := range rt.segs {
			if p == "{}" {
				out[i] = segs[i]
				continue
			}
			literals++
			out[i] = p
			if len(segs[i]) > 64 {
				d = 3
				break
			}
			d += editDistance(strings.ToLower(segs[i]), p)
		}
		if d > 0 && (d < bestD || d == bestD && literals > bestLiterals) {
			best, bestD, bestLiterals = "/"+strings.Join(out, "/"), d, literals
		}
	}
	return best
}

// firstRoute is the first route whose path matches segs, whatever the method, or nil.
func firstRoute(routes []route[handler], segs []string) *route[handler] {
	for i := range routes {
		if segsMatch(routes[i].segs, segs) {
			return &routes[i]
		}
	}
	return nil
}
