package warehousesynctest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	ws "github.com/wsync-dev/warehousesync"
)

// Request is one request the server received on the API or the token endpoint (admin requests under
// /_fake/ are not recorded). The log is an allowlist: it keeps what the route's wire shape parsed, with
// secrets masked by their type, and of everything else only its size. The Authorization header is
// never kept.
type Request struct {
	// Seq numbers the requests of a Server from 1 in the order they arrived; GET /_fake/requests?after=
	// pages by it.
	Seq int64 `json:"seq"`
	// Method is the request's method when it is a standard one (GET, POST, …), else "other".
	Method string `json:"method"`
	// Path is the path relative to the workspace root for an API request (for example /connections, as
	// Fault.Path), /oauth/token for the token endpoint, and for any other path the URL path. Only what
	// is known to be safe is kept: the segments of the route the path matches, with the ids in its {}
	// places (slugs); of a path that matches no route, the words of the API's paths (connections,
	// inputs, …) and their typos; every other segment is {?}, and a path is cut after 32 segments.
	Path string `json:"path"`
	// Query holds the query parameters the route documents (serviceProvider on the connections list;
	// currentPage, pageSize, startDate and endDate on the runs list) whose value has the parameter's
	// type (a provider, a page number, an RFC 3339 timestamp).
	Query url.Values `json:"query,omitempty"`
	// WithheldQuery counts the query parameters not kept: every parameter the route does not document
	// (their names are not kept either, since a name can hold a secret) and values not of their type.
	WithheldQuery int `json:"withheld_query,omitempty"`
	// Workspace is the workspace id of an API request; "" for the token endpoint and unknown paths.
	Workspace string `json:"workspace,omitempty"`
	// Body is the body as the route's wire shape parsed it, encoded again: the members the route takes,
	// with the values of secret members (password, service_account_key, client_secret) replaced by
	// "************" and read-only members (status, errors, created_on, …) left out. A token request
	// sent as a form is kept as a form. A body that does not parse strictly into the shape (not one JSON
	// object, an unknown member, a member given twice, a value of the wrong kind, another media type, a
	// request without a valid token, a route that takes no body) is not kept at all: Body is "" and
	// BodyNote says why. A kept body is cut to 4 KiB (MaxLoggedBody), the mark of the cut included.
	Body string `json:"body,omitempty"`
	// BodySize is the size of the body in bytes: as received, or as announced by Content-Length when
	// the body was not read (-1: not announced).
	BodySize int64 `json:"body_size,omitempty"`
	// MediaType is the media type of the Content-Type header when it is a common one
	// (application/json, application/x-www-form-urlencoded, text/plain, …), "other" for any other, ""
	// without a Content-Type.
	MediaType string `json:"media_type,omitempty"`
	// BodyNote says why a body of BodySize bytes is not in Body.
	BodyNote string `json:"body_note,omitempty"`
	// Status is the status code the server answered; 0 while the request is in flight, and 499 when the
	// client went away during injected latency.
	Status int `json:"status"`
	// Time is when the request arrived, on the server's clock.
	Time time.Time `json:"time"`
}

// Bounds of the request log. Requests keeps the newest requests that fit both bounds and drops the
// oldest, so traffic of any size (authenticated or not) never grows the log past them.
const (
	// MaxLoggedBody is how much of a body (after masking) the request log keeps, the mark of a cut
	// included: 4 KiB.
	MaxLoggedBody = 4 << 10
	// MaxRequestLogEntries is the most requests the log keeps.
	MaxRequestLogEntries = 100_000
	// MaxRequestLogBytes is the most memory the log holds: every entry counts its strings, the headers
	// of its fields, its query's map and its slot in the log: 32 MiB.
	MaxRequestLogBytes = 32 << 20
)

// requestLog is the bounded request log; it is guarded by the server's mutex.
type requestLog struct {
	entries []*Request // oldest first
	bytes   int        // the size of entries, as entrySize counts it
	seq     int64      // of the newest entry ever logged

	maxBytes, maxEntries int // Budgets.MaxRequestLogBytes and MaxRequestLogEntries
}

// entrySize is what an entry counts against MaxRequestLogBytes: the memory it holds, its strings and
// the headers that point at them, its query's map and slices included, and its slot in the log.
func entrySize(r *Request) int {
	n := int(unsafe.Sizeof(*r)) + 8 + allocated(len(r.Method)) + allocated(len(r.Path)) +
		allocated(len(r.Workspace)) + allocated(len(r.Body)) // MediaType and BodyNote are constants
	if r.Query != nil {
		n += 64 // the map's header
		for k, vs := range r.Query {
			n += 48 + len(k) + int(unsafe.Sizeof(vs)) + cap(vs)*int(unsafe.Sizeof("")) // a bucket slot, the key, the slice
			for _, v := range vs {
				n += (len(v) + 7) &^ 7 // its allocation, rounded up to a word
			}
		}
	}
	return n
}

// allocated is an upper bound of the memory a string of n bytes holds: its allocation's size class
// (at most an eighth above n past 128 bytes; a 4,130-byte body sat in a 4,864-byte allocation, so the
// log held 16% more than it counted).
func allocated(n int) int {
	switch {
	case n == 0:
		return 0
	case n <= 128:
		return (n + 15) &^ 15
	}
	return n + n/8
}

// add appends an entry and drops the oldest ones until both bounds hold.
func (l *requestLog) add(r *Request) {
	l.seq++
	r.Seq = l.seq
	l.entries = append(l.entries, r)
	l.bytes += entrySize(r)
	drop := 0
	for len(l.entries)-drop > l.maxEntries || (l.bytes > l.maxBytes && drop < len(l.entries)-1) {
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
	return s.requestsLocked(requestQuery{})
}

// LatestRequests returns the n newest requests the log holds, newest first (n <= 0: all of them), so
// that a test can look at the request it just made as LatestRequests(1)[0] without copying the log.
func (s *Server) LatestRequests(n int) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requestsLocked(requestQuery{limit: max(n, 0), newestFirst: true})
}

// requestQuery selects logged requests: those with after < Seq (and Seq < before, when before > 0), at
// most limit of them (0: all), oldest first or newest first. With a limit, oldest first keeps the
// oldest of the selection and newest first the newest, so that each pages in its own direction.
type requestQuery struct {
	after, before int64
	limit         int
	newestFirst   bool
}

// requestsLocked copies the logged requests q selects.
func (s *Server) requestsLocked(q requestQuery) []Request {
	entries := s.log.entries
	// Seq increases along the log: find the bounds by binary search.
	firstAbove := func(seq int64) int {
		return sort.Search(len(entries), func(i int) bool { return entries[i].Seq > seq })
	}
	lo, hi := firstAbove(q.after), len(entries)
	if q.before > 0 {
		hi = min(hi, firstAbove(q.before-1))
	}
	if lo > hi {
		lo = hi
	}
	entries = entries[lo:hi]
	if q.limit > 0 && len(entries) > q.limit {
		if q.newestFirst {
			entries = entries[len(entries)-q.limit:]
		} else {
			entries = entries[:q.limit]
		}
	}
	out := make([]Request, len(entries))
	for i, r := range entries {
		j := i
		if q.newestFirst {
			j = len(entries) - 1 - i
		}
		out[j] = *r
		out[j].Query = cloneValues(r.Query)
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

// Notes of a body the request log does not keep.
const (
	noteUnread   = "not read: the request has no valid token"
	noteNotShape = "not kept: it does not parse strictly into the route's wire shape (one JSON object of " +
		"the members the route takes, each once, with values of their kind)"
	noteNoBody = "not kept: the route takes no body"
)

// maxLoggedQueryValue is the longest query value the request log keeps.
const maxLoggedQueryValue = 256

// logRequestLocked appends r to the request log and returns the entry, whose Status the caller sets.
// key is the route's "METHOD route" key ("" for an unknown route; tokenPath for the token endpoint),
// rel the path relative to the workspace root. body is nil when it was not read: size is then the
// announced Content-Length, -1 when unknown.
func (s *Server) logRequestLocked(r *http.Request, wsID, key, rel string, body []byte, size int64, now time.Time) *Request {
	// Copies, never substrings: net/http's method and path are substrings of the request line, which
	// holds the whole query string.
	entry := &Request{Method: loggedMethod(r.Method), Path: s.loggedPath(r.URL.Path, rel),
		Workspace: strings.Clone(wsID), Time: now, BodySize: size, MediaType: loggedMediaType(r)}
	switch {
	case body == nil && size != 0:
		entry.BodyNote = noteUnread
	case len(body) == 0:
		entry.MediaType = "" // no body: nothing to label
	default:
		logged, note := s.loggedBody(r, key, body)
		entry.Body, entry.BodyNote = truncateBody(logged, len(body)), note
	}
	entry.Query, entry.WithheldQuery = loggedQuery(r.URL.RawQuery, s.queries[key])
	s.log.add(entry)
	return entry
}

// loggedBody is what the log keeps of a body received on the route key, or a note saying why nothing.
func (s *Server) loggedBody(r *http.Request, key string, body []byte) (string, string) {
	if key == tokenPath {
		switch loggedMediaType(r) {
		case mediaForm:
			if logged, fits := loggedForm(string(body), tokenShape()); fits {
				return logged, ""
			}
			return "", noteNotShape
		case mediaJSON:
		default:
			return "", noteNotShape
		}
		if logged, _ := walkBody(body, tokenShape()); logged != "" {
			return logged, ""
		}
		return "", noteNotShape
	}
	sh := s.shapes[key]
	if sh == nil {
		return "", noteNoBody
	}
	if loggedMediaType(r) != mediaJSON {
		return "", noteNotShape
	}
	if logged, _ := walkBody(body, sh); logged != "" {
		return logged, ""
	}
	return "", noteNotShape
}

// loggedForm re-encodes a form body whose every field is a scalar or secret member of sh, each given
// once and each percent-encoded correctly, with secrets masked; false when the body is not such a form.
func loggedForm(body string, sh *shape) (string, bool) {
	if _, err := url.ParseQuery(body); err != nil {
		return "", false // not a form the token endpoint reads (a ; separator, a bad escape)
	}
	var out strings.Builder
	seen := map[string]bool{}
	for i, pair := range strings.Split(body, "&") {
		rawKey, rawValue, found := strings.Cut(pair, "=")
		key, kerr := url.QueryUnescape(rawKey)
		value, verr := url.QueryUnescape(rawValue)
		member, known := sh.members[key]
		if !found || kerr != nil || verr != nil || !known || seen[key] ||
			(member.kind != shapeScalar && member.kind != shapeSecret) {
			return "", false
		}
		seen[key] = true
		if i > 0 {
			out.WriteByte('&')
		}
		out.WriteString(url.QueryEscape(key) + "=")
		if member.kind == shapeSecret && value != "" {
			out.WriteString(ws.MaskedSecret) // * needs no escape in a form
			continue
		}
		out.WriteString(url.QueryEscape(value))
	}
	return out.String(), true
}

// loggedQuery keeps the parameters of a raw query string that are documented, with a value of their
// wire type (an enum value, a page number, a timestamp), and counts the others.
func loggedQuery(rawQuery string, documented []queryParam) (url.Values, int) {
	if rawQuery == "" {
		return nil, 0
	}
	var kept url.Values
	withheld := 0
	for _, pair := range strings.Split(rawQuery, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, kerr := url.QueryUnescape(rawKey)
		value, verr := url.QueryUnescape(rawValue)
		i := slices.IndexFunc(documented, func(p queryParam) bool { return p.name == key })
		if kerr != nil || verr != nil || i < 0 || len(value) > maxLoggedQueryValue || !documented[i].valid(value) {
			withheld++
			continue
		}
		if kept == nil {
			kept = url.Values{}
		}
		key = documented[i].name // not a substring of the request's query, which the log must not hold on to
		kept[key] = append(kept[key], strings.Clone(value))
	}
	return kept, withheld
}

// truncateBody cuts a logged body to MaxLoggedBody bytes (on a rune boundary) and copies it, so that
// the log never holds on to a larger string; the cut names size, the length of the body received.
func truncateBody(b string, size int) string {
	if len(b) <= MaxLoggedBody {
		return strings.Clone(b)
	}
	mark := fmt.Sprintf("… [truncated: %d bytes in all]", size)
	cut := MaxLoggedBody - len(mark) // the mark included, the whole fits MaxLoggedBody's allocation
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut] + mark // a new string: b is not kept
}

// httpMethods are the methods the request log names; any other is logged as "other".
var httpMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace}

// loggedMethod is the method as the request log keeps it: a standard method, or "other" (a method is
// any token a client chooses, so another one is not known to be safe to show).
func loggedMethod(m string) string {
	if i := slices.Index(httpMethods, m); i >= 0 {
		return httpMethods[i]
	}
	return "other"
}

// otherSegment stands in the request log for a path segment that is not known to be safe to show.
const otherSegment = "{?}"

// loggedPath is the path as the request log keeps it: rel (the path relative to the workspace root)
// for an API request, the URL path for any other. The segments of a path that matches a route are kept
// when they are the route's own or, in its {} places, ids (slugs); the segments of any other path are
// kept when they are words of the API's paths (connections, inputs, oauth, …) or a typo of one, and
// every other segment is replaced by {?}: a path is any text a client chooses, so only what is known
// to be the API's vocabulary or an id is shown.
func (s *Server) loggedPath(urlPath, rel string) string {
	p := rel
	if p == "" {
		p = urlPath
	}
	if p == tokenPath {
		return tokenPath
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(segs) > 32 {
		segs = append(segs[:32:32], "…")
	}
	var pattern []string
	if rel != "" {
		if rt := firstRoute(s.routes, segs); rt != nil {
			pattern = rt.segs
		}
	}
	var b strings.Builder
	b.Grow(len(p) + 8) // the kept path is the path, but for {?} in place of a shorter segment
	for i, seg := range segs {
		b.WriteByte('/')
		switch {
		case pattern != nil && pattern[i] == "{}" && validSlug(seg):
			b.WriteString(seg)
		case pattern != nil && pattern[i] != "{}":
			b.WriteString(pattern[i]) // the route's own, not a substring of the request
		case seg == "" || seg == "…":
			b.WriteString(seg)
		default:
			if w := pathWord(seg); w != "" {
				b.WriteString(w)
			} else {
				b.WriteString(otherSegment)
			}
		}
	}
	return b.String()
}

// pathWords are the words of the API's paths.
var pathWords = []string{"platform", "v2", "workspaces", "oauth", "token", "connections", "data-models",
	"inputs", "data-pipelines", "trigger", "report", "runs"}

// pathWord returns seg when it is one of pathWords or a typo of one (at most 2 edits away, fewer than
// half its length), as a copy; "" otherwise.
func pathWord(seg string) string {
	if i := slices.Index(pathWords, seg); i >= 0 {
		return pathWords[i]
	}
	if closest(seg, pathWords) != "" {
		return strings.Clone(seg)
	}
	return ""
}
