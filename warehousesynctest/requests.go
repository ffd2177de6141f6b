package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	ws "github.com/wsync-dev/warehousesync"
)

// Request is one request the server received on the API or the token endpoint (admin requests under
// /_fake/ are not recorded). Secrets in the body are replaced by "************"; the Authorization
// header is not kept.
type Request struct {
	// Seq numbers the requests of a Server from 1 in the order they arrived; GET /_fake/requests?after=
	// pages by it.
	Seq    int64  `json:"seq"`
	Method string `json:"method"`
	// Path is the full URL path, for example /platform/v2/workspaces/12345/connections.
	Path  string     `json:"path"`
	Query url.Values `json:"query,omitempty"`
	// Workspace is the workspace id of an API request; "" for the token endpoint and unknown paths.
	Workspace string `json:"workspace,omitempty"`
	// Body is the request body with the values of password, service_account_key and client_secret masked,
	// whatever the Content-Type said: a body that parses as JSON is masked as JSON (at any depth, keys in
	// any case and after unescaping), one that parses as a form as a form. On the routes that carry
	// secrets (connections and the token endpoint) a body that is neither is replaced by a note saying
	// so, as is the body of an API request without a valid token (which is not even read). After
	// masking, a body is cut to its first 4 KiB (MaxLoggedBody), and the cut is marked.
	Body string `json:"body,omitempty"`
	// Status is the status code the server answered; 0 while the request is in flight, and 499 when the
	// client went away during injected latency.
	Status int `json:"status"`
	// Time is when the request arrived, on the server's clock.
	Time time.Time `json:"time"`
}

// Bounds of the request log. Requests keeps the newest requests that fit both bounds and drops the
// oldest, so traffic of any size (authenticated or not) never grows the log past them.
const (
	// MaxLoggedBody is how much of a body (after masking) the request log keeps: 4 KiB.
	MaxLoggedBody = 4 << 10
	// MaxRequestLogEntries is the most requests the log keeps.
	MaxRequestLogEntries = 100_000
	// MaxRequestLogBytes is the most bytes of bodies, paths and queries the log keeps, counting a fixed
	// overhead per entry: 32 MiB.
	MaxRequestLogBytes = 32 << 20
)

// requestOverhead is what an entry costs besides its strings, for the byte bound.
const requestOverhead = 256

// masker masks the secret fields of logged bodies. The field names come from the wire rules (every
// provider's secret config keys and the token endpoint's client_secret), read once per server.
type masker struct {
	keys []string
	// pattern finds secret values in bodies of routes without secrets that are neither JSON nor a form,
	// as a last guard.
	pattern *regexp.Regexp
}

func newMasker(keys []string) masker {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = regexp.QuoteMeta(k)
	}
	return masker{keys: keys, pattern: regexp.MustCompile(
		`(?i)("(?:` + strings.Join(quoted, "|") + `)"\s*:\s*)"(?:[^"\\]|\\.)*"?`)}
}

// isSecretKey reports whether a body field holds a secret. The match ignores case, as encoding/json
// does when the token endpoint decodes {"Client_Secret": …} into client_secret.
func (m masker) isSecretKey(k string) bool {
	for _, s := range m.keys {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// requestLog is the bounded request log; it is guarded by the server's mutex.
type requestLog struct {
	entries []*Request // oldest first
	bytes   int        // the size of entries, as entrySize counts it
	seq     int64      // of the newest entry ever logged
}

// entrySize is what an entry counts against MaxRequestLogBytes.
func entrySize(r *Request) int {
	n := requestOverhead + len(r.Method) + len(r.Path) + len(r.Workspace) + len(r.Body)
	for k, vs := range r.Query {
		n += len(k)
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return n
}

// add appends an entry and drops the oldest ones until both bounds hold.
func (l *requestLog) add(r *Request) {
	l.seq++
	r.Seq = l.seq
	l.entries = append(l.entries, r)
	l.bytes += entrySize(r)
	drop := 0
	for len(l.entries)-drop > MaxRequestLogEntries || (l.bytes > MaxRequestLogBytes && drop < len(l.entries)-1) {
		l.bytes -= entrySize(l.entries[drop])
		l.entries[drop] = nil
		drop++
	}
	if drop > 0 {
		l.entries = l.entries[drop:]
	}
}

// reset empties the log; sequence numbers go on increasing.
func (l *requestLog) reset() { l.entries, l.bytes = nil, 0 }

// Requests returns the requests received so far that the log still holds, oldest first: the newest
// that fit MaxRequestLogEntries and MaxRequestLogBytes.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requestsLocked(0, 0)
}

// requestsLocked copies the logged requests with Seq > after, at most limit of them (0: all).
func (s *Server) requestsLocked(after int64, limit int) []Request {
	entries := s.log.entries
	// Seq increases along the log: skip to the first entry after the cursor.
	lo, hi := 0, len(entries)
	for lo < hi {
		mid := (lo + hi) / 2
		if entries[mid].Seq <= after {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	entries = entries[lo:]
	if limit > 0 && len(entries) > limit {
		entries = entries[:limit]
	}
	out := make([]Request, len(entries))
	for i, r := range entries {
		out[i] = *r
		out[i].Query = cloneValues(r.Query)
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// logRequestLocked appends r to the request log and returns the entry, whose Status the caller sets.
// body is what to show of a body of size bytes; nil when it was not read (size is then the announced
// Content-Length, -1 when unknown, 0 for none).
func (s *Server) logRequestLocked(r *http.Request, wsID string, body []byte, size int, now time.Time) *Request {
	entry := &Request{Method: r.Method, Path: r.URL.Path, Workspace: wsID, Time: now}
	switch {
	case len(body) > 0:
		entry.Body = truncateBody(s.masker.body(body, carriesSecrets(r.URL.Path)), size)
	case body == nil && size > 0:
		entry.Body = fmt.Sprintf("[body not read: %d bytes announced by a request without a valid token]", size)
	case body == nil && size < 0:
		entry.Body = "[body not read: a request without a valid token]"
	}
	if q := r.URL.Query(); len(q) > 0 {
		entry.Query = q
	}
	s.log.add(entry)
	return entry
}

// carriesSecrets reports whether requests on path may carry secrets in their body: the token endpoint
// and the connections of any workspace.
func carriesSecrets(path string) bool {
	if path == tokenPath {
		return true
	}
	_, segs, isAPI := splitAPIPath(path)
	return !isAPI || segs[0] == "connections"
}

// truncateBody cuts a logged body to MaxLoggedBody bytes (on a rune boundary) and copies it, so that
// the log never holds on to a larger string; the cut names size, the length of the body received.
func truncateBody(b string, size int) string {
	if len(b) <= MaxLoggedBody {
		return strings.Clone(b)
	}
	cut := MaxLoggedBody
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut] + fmt.Sprintf("… [truncated: %d bytes in all]", size) // a new string: b is not kept
}

// body returns body with every secret value replaced by the mask, whatever its Content-Type said: a
// body that parses as JSON is masked as JSON, one that parses as a form is masked as a form. A body
// that is neither is not shown when secret is set (the route carries secrets), and is masked by pattern
// otherwise.
func (m masker) body(body []byte, secret bool) string {
	if len(body) == 0 {
		return ""
	}
	if masked, container, isJSON := m.json(body); isJSON && (container || !secret) {
		return masked
	}
	if masked, isForm := m.form(string(body)); isForm {
		return masked
	}
	if secret {
		// Also a JSON string or number: a route that carries secrets only takes objects.
		return fmt.Sprintf("[body not shown: %d bytes that are neither JSON nor a form, on a route that carries secrets]", len(body))
	}
	return m.pattern.ReplaceAllString(string(body), `${1}"`+ws.MaskedSecret+`"`)
}

// json masks a body that is one JSON value; it reports whether the body is JSON and whether it is
// an object or array. The keys are compared after decoding, so escapes such as "p\u0061ssword" are
// masked too.
func (m masker) json(body []byte) (masked string, container, isJSON bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", false, false // trailing data: not one JSON value
	}
	switch v.(type) {
	case map[string]any, []any:
		container = true
	}
	if !m.value(v) {
		return string(body), container, true
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", false, false
	}
	return strings.TrimSuffix(out.String(), "\n"), container, true
}

// value masks secret fields anywhere in a decoded JSON value and reports whether it changed any.
func (m masker) value(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if m.isSecretKey(k) {
				if s, isString := x.(string); !isString || s != "" {
					t[k] = ws.MaskedSecret
					changed = true
				}
				continue
			}
			changed = m.value(x) || changed
		}
	case []any:
		for _, x := range t {
			changed = m.value(x) || changed
		}
	}
	return changed
}

// namesSecret reports whether a form value mentions a secret field, such as a JSON document sent as
// one form field: its value is masked whole.
func (m masker) namesSecret(v string) bool {
	lower := strings.ToLower(v)
	for _, s := range m.keys {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return false
}

// formKey is what a form field name looks like: a body whose keys are not such names is not a form.
var formKey = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]]+$`)

// form masks a body that parses as a form (fields separated by & or ;, names of letters, digits
// and _.-[]); it reports false when the body is not such a form.
func (m masker) form(body string) (string, bool) {
	var out strings.Builder
	for len(body) > 0 {
		i := strings.IndexAny(body, "&;")
		pair, sep := body, ""
		if i >= 0 {
			pair, sep, body = body[:i], body[i:i+1], body[i+1:]
		} else {
			body = ""
		}
		if pair != "" {
			rawKey, rawValue, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(rawKey)
			if err != nil || !formKey.MatchString(key) {
				return "", false
			}
			value, err := url.QueryUnescape(rawValue)
			if err != nil {
				return "", false
			}
			if rawValue != "" && (m.isSecretKey(key) || m.namesSecret(value)) {
				pair = rawKey + "=" + ws.MaskedSecret
			}
		}
		out.WriteString(pair + sep)
	}
	return out.String(), true
}
