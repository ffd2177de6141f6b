package warehousesynctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/wsync-dev/warehousesync/internal/engine"
)

// Limits on request bodies: API requests are small; seeded records may be large.
const (
	maxTokenBody = 64 << 10
	maxAdminBody = 64 << 20
)

// errorBody is the documented error envelope: {"statusCode": 400, "errors": [{"message": "…"}]}.
type errorBody struct {
	StatusCode int                  `json:"statusCode"`
	Errors     []engine.ErrorDetail `json:"errors"`
}

// reply is what a handler answers; it is written after the server's mutex is released.
type reply struct {
	status      int
	body        any    // encoded as JSON; nil: no body (unless raw is set)
	raw         []byte // written as is with contentType, instead of body
	contentType string
	allow       []string    // the Allow header of a 405
	bufs        *answerBufs // set: raw came from bufs, in buf, and goes back once written
	buf         *[]byte
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

func noContent() reply { return reply{status: http.StatusNoContent} }

// errReply is an error envelope with one entry per message.
func errReply(status int, messages ...string) reply {
	e := errorBody{StatusCode: status, Errors: make([]engine.ErrorDetail, len(messages))}
	for i, m := range messages {
		e.Errors[i] = engine.ErrorDetail{Message: m}
	}
	return reply{status: status, body: e}
}

func badRequest(messages ...string) reply { return errReply(http.StatusBadRequest, messages...) }

func notFound(kind, id string) reply {
	return errReply(http.StatusNotFound, fmt.Sprintf("%s '%s' not found.", kind, id))
}

// alreadyExists is the 400 of a create whose id is taken.
func alreadyExists(kind, id string) reply {
	return badRequest(fmt.Sprintf("%s '%s' already exists.", kind, id))
}

// methodNotAllowed is a 405 naming the allowed methods, in the message and in the Allow header RFC 9110
// requires.
func methodNotAllowed(r *http.Request, allowed []string) reply {
	rep := errReply(http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed on %s; use %s.",
		r.Method, r.URL.Path, strings.Join(allowed, ", ")))
	rep.allow = allowed
	return rep
}

// writesBody reports whether requests of method carry a body that must be JSON.
func writesBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// contentTypeProblem returns why the request's Content-Type is not application/json, or "".
func contentTypeProblem(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if mediaType, _, err := mime.ParseMediaType(ct); err == nil && mediaType == "application/json" {
		return ""
	}
	got := "no Content-Type"
	if ct != "" {
		got = fmt.Sprintf("Content-Type %q", truncate(ct, 60))
	}
	return fmt.Sprintf("Unsupported Media Type: send the body as JSON with Content-Type: application/json (got %s).", got)
}

// writeReply writes rep; JSON is written without HTML escaping, so that a message reads <access token>.
func writeReply(w http.ResponseWriter, rep reply) {
	if len(rep.allow) > 0 {
		w.Header().Set("Allow", strings.Join(rep.allow, ", "))
	}
	if rep.raw != nil {
		w.Header().Set("Content-Type", rep.contentType)
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.raw)
		rep.bufs.put(rep.buf, rep.raw)
		return
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	// The encoder writes the whole answer in one Write, only once it is encoded: a failure leaves
	// nothing written, and the answer is not copied into a buffer of its own first.
	jw := &jsonWriter{w: w, status: rep.status}
	if err := encodeJSON(jw, rep.body); err != nil && !jw.started {
		jw.status = http.StatusInternalServerError
		_ = encodeJSON(jw, errorBody{StatusCode: jw.status, Errors: []engine.ErrorDetail{{Message: "encoding the response: " + err.Error()}}})
	}
}

// encodeJSON writes v followed by a newline to w, without escaping <, > and &.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// jsonWriter sends a JSON answer's headers with its first write.
type jsonWriter struct {
	w       http.ResponseWriter
	status  int
	started bool
}

func (j *jsonWriter) Write(p []byte) (int, error) {
	if !j.started {
		j.started = true
		j.w.Header().Set("Content-Type", "application/json")
		j.w.WriteHeader(j.status)
	}
	return j.w.Write(p)
}

// call is one API request as a handler sees it.
type call struct {
	wsID     string
	ws       *workspace
	params   []string // the {} segments of the route, in order
	query    url.Values
	body     []byte
	clientID string // of the bearer token
	now      time.Time
	lenient  bool // WithLenientBodies
}

// handler serves one API operation with the server's mutex held.
type handler func(s *Server, c *call) reply

// route is a path (under a workspace root, or under /_fake/) as segments where "{}" matches any one
// segment, with the handler of each method it takes: the API's handler or the admin's adminHandler.
type route[H any] struct {
	path    string
	segs    []string
	methods map[string]H
	about   string // what the route does, for the admin index
}

// newRoute makes a route of path ("" is the root of its table).
func newRoute[H any](path string, methods map[string]H, about string) route[H] {
	return route[H]{path: path, segs: strings.Split(strings.Trim(path, "/"), "/"), methods: methods, about: about}
}

// lookup finds the handler of r's method on path segs. When none matches it returns the final answer:
// a 405 naming the allowed methods (also in Allow) when the path is known, a 404 otherwise, whose
// message ends with hint. Every route table, API and admin, answers these the same way.
func lookup[H any](routes []route[H], r *http.Request, segs []string, hint string) (H, []string, *reply) {
	var allowed []string
	for _, rt := range routes {
		params, matched := matchSegs(rt.segs, segs)
		if !matched {
			continue
		}
		if h, found := rt.methods[r.Method]; found {
			return h, params, nil
		}
		for m := range rt.methods {
			allowed = append(allowed, m)
		}
	}
	var none H
	if len(allowed) > 0 {
		sort.Strings(allowed)
		rep := methodNotAllowed(r, allowed)
		return none, nil, &rep
	}
	rep := errReply(http.StatusNotFound, fmt.Sprintf("No route for %s %s%s", r.Method, r.URL.Path, hint))
	return none, nil, &rep
}

// tokenPath is the path of the OAuth token endpoint, which takes POST only.
const tokenPath = "/oauth/token"

// routeTable lists every API operation the fake serves as "METHOD /path", with {} for each path
// parameter, sorted: the token endpoint and the workspace API. The admin routes under /_fake/ are not
// part of the API. Tests compare it with the OpenAPI description.
func routeTable() []string {
	out := []string{http.MethodPost + " " + tokenPath}
	for _, rt := range apiRoutes() {
		for m := range rt.methods {
			out = append(out, m+" "+apiPrefix+"{}/"+strings.Join(rt.segs, "/"))
		}
	}
	sort.Strings(out)
	return out
}

// apiRoutes is the table of the workspace API.
func apiRoutes() []route[handler] {
	r := func(path string, methods map[string]handler) route[handler] { return newRoute(path, methods, "") }
	return []route[handler]{
		r("connections", map[string]handler{http.MethodGet: listConnections, http.MethodPost: createConnection}),
		r("connections/{}", map[string]handler{http.MethodGet: getConnection, http.MethodPut: updateConnection, http.MethodDelete: deleteConnection}),
		r("data-models", map[string]handler{http.MethodGet: listDataModels, http.MethodPost: createDataModel}),
		r("data-models/{}", map[string]handler{http.MethodGet: getDataModel, http.MethodPut: updateDataModel, http.MethodDelete: deleteDataModel}),
		r("inputs/data-pipelines", map[string]handler{http.MethodGet: listPipelines, http.MethodPost: createPipeline}),
		r("inputs/data-pipelines/trigger", map[string]handler{http.MethodPost: triggerPipeline}),
		r("inputs/data-pipelines/{}", map[string]handler{http.MethodGet: getPipeline, http.MethodPut: updatePipeline, http.MethodDelete: deletePipeline}),
		r("inputs/data-pipelines/{}/report", map[string]handler{http.MethodGet: getReport}),
		r("inputs/data-pipelines/{}/runs", map[string]handler{http.MethodGet: listRuns}),
		r("inputs/data-pipelines/{}/runs/{}", map[string]handler{http.MethodGet: getRun}),
	}
}

// segsMatch reports whether path segments match a pattern, where {} matches any one non-empty
// segment; the pattern [""] (a table's root) matches only the root.
func segsMatch(pattern, segs []string) bool {
	if len(pattern) == 1 && pattern[0] == "" {
		return len(segs) == 1 && segs[0] == ""
	}
	if len(pattern) != len(segs) {
		return false
	}
	for i, p := range pattern {
		if segs[i] == "" || p != "{}" && p != segs[i] {
			return false
		}
	}
	return true
}

// matchSegs matches path segments against a pattern, as segsMatch does, and returns the {} segments.
func matchSegs(pattern, segs []string) ([]string, bool) {
	if !segsMatch(pattern, segs) {
		return nil, false
	}
	var params []string
	for i, p := range pattern {
		if p == "{}" {
			params = append(params, segs[i])
		}
	}
	return params, true
}

// serveHTTP dispatches to the token endpoint, the admin endpoints and the API.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == tokenPath:
		s.serveToken(w, r)
	case p == "/_fake" || strings.HasPrefix(p, "/_fake/") || p == "/" && r.Method == http.MethodGet:
		s.serveAdmin(w, r) // GET / is the index of GET /_fake/, behind the same admin token
	default:
		s.serveAPI(w, r)
	}
}

// readBody reads at most limit bytes of the request body, in one allocation when the request says its
// length.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil // what reading an empty body returns, without a reader and a buffer
	}
	var buf bytes.Buffer
	// Grown in one allocation up to 64 KiB when the request says its length; past that, as the bytes
	// come: an announced length costs nothing until it is sent (1 MiB announced by each of many slow
	// clients was 1 MiB held by each).
	if n := r.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(min(n, 64<<10)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	b := buf.Bytes()
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &bodyTooBig{limit: limit}
	}
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	return b, nil
}

// bodyTooBig is the error of a body over its limit.
type bodyTooBig struct{ limit int64 }

func (e *bodyTooBig) Error() string {
	return fmt.Sprintf("request body: larger than %d bytes", e.limit)
}

// serveAPI serves a workspace API request: log, authenticate, route, apply HTTP faults, then run the
// handler with the mutex held and write its reply after releasing it. A request takes the server's
// mutex once, unless a fault delays or answers it (then it is released while the fault waits) or the
// server persists its state (then the save takes it again to write the snapshot).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	wsID, segs, isAPI := splitAPIPath(r.URL.Path)
	// The body of a request without a known token is not read, parsed or kept: traffic from anyone who
	// can reach the server costs it neither memory nor CPU. The token is looked up under the token lock
	// alone; whether it has expired is decided with the clock, under the mutex.
	var body []byte
	var bodyErr error
	known := s.tokenKnown(r)
	if known {
		body, bodyErr = readBody(w, r, s.cfg.budgets.MaxBodyBytes)
	}

	s.mu.Lock()
	now := s.clock.Now()
	clientID, authErr := s.authenticateLocked(r, now)
	if authErr == "" && !known { // issued after the look-up: impossible for a client that holds it
		authErr = "Unauthorized: the access token is not valid."
	}
	key, rel := "", ""
	if isAPI {
		// rel is the path after the workspace id (segs joined by /): a substring of the path, not a copy.
		key, rel = routeKey(s.routes, r.Method, segs), r.URL.Path[len(apiPrefix)+len(wsID):]
	}
	d := s.prepareLocked(r, body, bodyErr, wsID, segs, isAPI, key, rel, clientID, authErr)
	var entry *Request
	if authErr == "" {
		entry = s.logRequestLocked(r, wsID, key, rel, body, int64(len(body)), now)
	} else {
		entry = s.logRequestLocked(r, wsID, key, rel, nil, r.ContentLength, now)
	}
	if d.final != nil {
		entry.Status = d.final.status
		s.mu.Unlock()
		writeReply(w, *d.final)
		return
	}
	c, fault := d.call, d.fault
	c.body = body
	if fault == nil || fault.Latency <= 0 && (fault.Status == 0 || fault.ApplyThenFail) {
		// The common path: the handler runs in the same critical section.
		rep := s.handleLocked(wsID, d.h, c)
		if fault != nil && fault.ApplyThenFail {
			rep = fault.reply()
		}
		persist := s.willPersist(r.Method, rep)
		if !persist {
			entry.Status = rep.status
		}
		s.mu.Unlock()
		if fault != nil && fault.ApplyThenFail {
			fault.writeHeaders(w)
		}
		if persist {
			s.finish(w, entry, s.persisted(r.Method, rep)) // WithPersist: saved before it is answered
			return
		}
		writeReply(w, rep)
		return
	}
	s.mu.Unlock()

	if fault.Latency > 0 {
		if err := sleepCtx(r.Context(), fault.Latency); err != nil {
			s.finish(nil, entry, reply{status: statusClientClosed})
			return
		}
	}
	if fault.Status != 0 && !fault.ApplyThenFail {
		fault.writeHeaders(w)
		s.finish(w, entry, fault.reply())
		return
	}
	s.mu.Lock()
	rep := s.handleLocked(wsID, d.h, c)
	s.mu.Unlock()
	if fault.ApplyThenFail {
		fault.writeHeaders(w)
		rep = fault.reply()
	}
	rep = s.persisted(r.Method, rep) // WithPersist: saved before it is answered
	s.finish(w, entry, rep)
}

// handleLocked runs a request's handler on its workspace, the engine caught up with the clock before and
// settled after.
func (s *Server) handleLocked(wsID string, h handler, c *call) reply {
	var rep reply
	if !s.inWorkspaceLocked(wsID, func(st *workspace) {
		c.ws, c.now = st, s.clock.Now()
		rep = h(s, c)
	}) { // the workspace was known when the request was routed; nothing removes one, but never answer 0
		rep = errReply(http.StatusNotFound, s.unknownWorkspaceLocked(wsID))
	}
	return rep
}

// tokenKnown reports whether the request's bearer token was issued, expired or not, taking only the
// token lock.
func (s *Server) tokenKnown(r *http.Request) bool {
	token, found := bearerToken(r)
	if !found {
		return false
	}
	s.tokenMu.Lock()
	_, known := s.tokens[token]
	s.tokenMu.Unlock()
	return known
}

// finish records the status of a logged request and writes the reply (unless w is nil).
func (s *Server) finish(w http.ResponseWriter, entry *Request, rep reply) {
	s.mu.Lock()
	entry.Status = rep.status
	s.mu.Unlock()
	if w != nil {
		writeReply(w, rep)
	}
}

// statusClientClosed is logged for a request whose client went away during injected latency.
const statusClientClosed = 499

// dispatch is what prepareLocked decided for a request: a final answer, or a handler to run with its
// call, after the HTTP fault that applies (if any).
type dispatch struct {
	final *reply // set: the answer; nothing runs
	h     handler
	call  *call
	fault *Fault
}

// answer is a final dispatch.
func answer(rep reply) dispatch { return dispatch{final: &rep} }

// prepareLocked routes a request authenticated as clientID (or refused with authErr) and picks the
// HTTP fault that applies. None of it reads the engine: the engine catches up with the clock once, just
// before the handler runs (after a fault's latency), and processes what the handler made due right
// after it.
func (s *Server) prepareLocked(r *http.Request, body []byte, bodyErr error, wsID string, segs []string, isAPI bool,
	key, rel, clientID, authErr string) dispatch {
	if !isAPI {
		return answer(errReply(http.StatusNotFound, fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path)))
	}
	if authErr != "" {
		return answer(errReply(http.StatusUnauthorized, authErr))
	}
	if _, known := s.workspaces[wsID]; !known {
		return answer(errReply(http.StatusNotFound, s.unknownWorkspaceLocked(wsID)))
	}
	h, params, final := lookup(s.routes, r, segs, ".")
	if final != nil {
		if meant := suggestPath(s.routes, segs); final.status == http.StatusNotFound && meant != "" {
			rep := errReply(http.StatusNotFound, fmt.Sprintf("No route for %s %s; did you mean %s (under the workspace root)?",
				r.Method, truncate(r.URL.Path, 200), meant))
			final = &rep
		}
		return dispatch{final: final}
	}
	if writesBody(r.Method) {
		if problem := contentTypeProblem(r); problem != "" {
			return answer(errReply(http.StatusUnsupportedMediaType, problem))
		}
	}
	var tooBig *bodyTooBig
	switch {
	case errors.As(bodyErr, &tooBig):
		return answer(errReply(http.StatusRequestEntityTooLarge, budgetMessage(
			fmt.Sprintf("request body: larger than %d bytes", tooBig.limit), "MaxBodyBytes", tooBig.limit)))
	case bodyErr != nil:
		return answer(badRequest(bodyErr.Error()))
	}
	if sh := s.shapes[key]; sh != nil {
		unknown, long := checkBody(body, sh, s.cfg.budgets.MaxFieldBytes)
		if s.cfg.lenientBodies {
			unknown = nil
		}
		if problems := append(long, unknown...); len(problems) > 0 {
			return answer(badRequest(problems...))
		}
	}
	var query url.Values // nil reads as empty, like the empty map Query returns for no query
	if r.URL.RawQuery != "" {
		query = r.URL.Query()
	}
	return dispatch{
		h:     h,
		call:  &call{wsID: wsID, query: query, params: params, clientID: clientID, lenient: s.cfg.lenientBodies},
		fault: s.takeFaultLocked(r.Method, wsID, rel),
	}
}

// splitAPIPath splits /platform/v2/workspaces/{id}/a/b into the id and [a b].
func splitAPIPath(p string) (string, []string, bool) {
	rest, found := strings.CutPrefix(p, apiPrefix)
	if !found {
		return "", nil, false
	}
	wsID, tail, found := strings.Cut(rest, "/")
	if !found || !validSlug(wsID) || tail == "" {
		return "", nil, false
	}
	return wsID, strings.Split(tail, "/"), true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
