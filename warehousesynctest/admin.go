package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	apidesc "github.com/wsync-dev/warehousesync/api"
)

// adminHandler serves one admin operation; it runs without the server's mutex and uses the Server's
// public methods.
type adminHandler func(s *Server, c *adminCall) reply

// adminCall is one admin request as a handler sees it.
type adminCall struct {
	params []string // the {} segments of the route, in order
	body   []byte
	query  url.Values
}

// adminRoutes is the table of the endpoints under /_fake/ (no authentication unless WithAdminToken),
// with what each does, for the index at GET /_fake/.
func adminRoutes() []route[adminHandler] {
	r := newRoute[adminHandler]
	return []route[adminHandler]{
		r("", map[string]adminHandler{http.MethodGet: adminIndex}, "this index"),
		r("openapi.yaml", map[string]adminHandler{http.MethodGet: adminOpenAPI}, "the OpenAPI description of the API"),
		r("clock", map[string]adminHandler{http.MethodGet: adminGetClock}, "the clock: now, the next event, the mode"),
		r("clock/advance", map[string]adminHandler{http.MethodPost: adminAdvance}, `move the manual clock: {"by": "90m"} or {"to": "<RFC 3339>"}`),
		r("clock/run-until-idle", map[string]adminHandler{http.MethodPost: adminRunUntilIdle}, "process events until none is pending"),
		r("reset", map[string]adminHandler{http.MethodPost: adminReset}, "empty everything but the clock, the options and the tokens"),
		r("state", map[string]adminHandler{http.MethodGet: adminGetState, http.MethodPut: adminPutState}, "export or import a snapshot of the whole state"),
		r("requests", map[string]adminHandler{http.MethodGet: adminRequests}, "the requests received, secrets masked; ?after=<seq>&before=<seq>&limit=<n>&order=desc pages"),
		r("faults", map[string]adminHandler{http.MethodGet: adminListFaults, http.MethodPost: adminInjectFault, http.MethodDelete: adminClearFaults}, "list, inject or clear HTTP faults"),
		r("workspaces", map[string]adminHandler{http.MethodGet: adminListWorkspaces}, "the workspaces the fake serves"),
		r("workspaces/{}", map[string]adminHandler{http.MethodPut: adminAddWorkspace}, "serve one more workspace, empty"),
		r("workspaces/{}/connections/{}/unreachable", map[string]adminHandler{http.MethodPost: adminUnreachable, http.MethodDelete: adminReachable}, "make a warehouse unreachable, or reachable again"),
		r("workspaces/{}/data-models/{}/invalid", map[string]adminHandler{http.MethodPost: adminInvalid, http.MethodDelete: adminValid}, "make a data model invalid, or valid again"),
		r("workspaces/{}/data-models/{}/records", map[string]adminHandler{http.MethodPut: adminSeedRecords, http.MethodDelete: adminDeleteRecords}, "seed the rows runs count, or remove them"),
		r("workspaces/{}/inputs/data-pipelines/{}/fail-next-runs", map[string]adminHandler{http.MethodPost: adminFailNextRuns}, `fail the next runs, every attempt of each: {"n": 3, "message": "…"}`),
		r("workspaces/{}/field-transformations", map[string]adminHandler{http.MethodPut: adminSetTransformations, http.MethodDelete: adminAnyTransformation}, "the known field transformation ids, or any"),
	}
}

// serveAdmin serves /_fake/…; these requests are not recorded in Requests. Writes (POST, PUT) need
// Content-Type application/json, so that a web page cannot send them without a CORS preflight (which
// the fake never grants).
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if problem := s.adminTokenProblem(r); problem != "" {
		writeReply(w, errReply(http.StatusUnauthorized, problem))
		return
	}
	segs := strings.Split(strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/_fake"), "/"), "/")
	h, params, final := lookup(s.adminRoutes, r, segs, "; GET /_fake/ lists the admin endpoints.")
	if final != nil {
		writeReply(w, *final)
		return
	}
	if writesBody(r.Method) {
		if problem := contentTypeProblem(r); problem != "" {
			writeReply(w, errReply(http.StatusUnsupportedMediaType, problem))
			return
		}
	}
	limit := int64(maxAdminSmallBody)
	if strings.HasSuffix(r.URL.Path, "/records") || strings.HasSuffix(r.URL.Path, "/state") {
		limit = maxAdminBody // seeded rows and snapshots, counted against the budgets when stored
	}
	// Seeded rows, snapshots and the request log are documents of up to 64 MiB (and the log's budget)
	// that cost a few times their size to read or write: they take turns, so that many clients at
	// once hold one of them, not one each.
	if limit == maxAdminBody || strings.HasSuffix(r.URL.Path, "/requests") {
		select {
		case s.bulk <- struct{}{}:
			defer func() { <-s.bulk }()
		case <-r.Context().Done():
			writeReply(w, errReply(http.StatusServiceUnavailable,
				"the client went away while another large admin document (records, state, requests) was read or written"))
			return
		}
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		writeReply(w, badRequest(err.Error()))
		return
	}
	if limit == maxAdminSmallBody {
		if problem := adminStringProblem(body); problem != "" {
			writeReply(w, badRequest(problem))
			return
		}
	}
	for _, p := range params {
		if !validSlug(p) {
			writeReply(w, badRequest(fmt.Sprintf("path: %q is not a valid id", truncate(p, 40))))
			return
		}
	}
	writeReply(w, s.persisted(r.Method, h(s, &adminCall{params: params, body: body, query: r.URL.Query()})))
}

// adminIndexEntry is one endpoint of the index.
type adminIndexEntry struct {
	Methods []string `json:"methods"`
	Path    string   `json:"path"`
	About   string   `json:"about"`
}

// indexPage is the answer of GET / and GET /_fake/.
type indexPage struct {
	About     string            `json:"about"`
	API       string            `json:"api"`
	TokenURL  string            `json:"token_url"`
	OpenAPI   string            `json:"openapi"`
	Docs      string            `json:"docs"`
	Endpoints []adminIndexEntry `json:"admin_endpoints"`
}

// adminIndex serves GET /_fake/ (and GET /): the API root, the token endpoint and the admin
// endpoints, each with what it does.
func adminIndex(s *Server, _ *adminCall) reply {
	idx := indexPage{
		About:    "A fake of the mParticle Warehouse Sync API v2, with admin endpoints to control its clock, faults and records.",
		API:      s.URL() + apiPrefix + s.cfg.workspace,
		TokenURL: s.TokenURL(),
		OpenAPI:  s.URL() + "/_fake/openapi.yaml",
		Docs:     "https://pkg.go.dev/github.com/wsync-dev/warehousesync/warehousesynctest",
	}
	for _, rt := range s.adminRoutes {
		methods := slices.Sorted(maps.Keys(rt.methods))
		idx.Endpoints = append(idx.Endpoints, adminIndexEntry{Methods: methods,
			Path: "/_fake/" + strings.ReplaceAll(rt.path, "{}", "{id}"), About: rt.about})
	}
	return ok(idx)
}

// adminOpenAPI serves GET /_fake/openapi.yaml: the OpenAPI description of the API (package api), for
// generating clients or validating traffic in other languages.
func adminOpenAPI(_ *Server, _ *adminCall) reply {
	return reply{status: http.StatusOK, raw: apidesc.OpenAPI(), contentType: "application/yaml"}
}

// clockState is the answer of the clock endpoints.
type clockState struct {
	Now       ws.Timestamp `json:"now"`
	NextEvent ws.Timestamp `json:"next_event"` // null when nothing is pending
	Mode      string       `json:"mode"`       // manual or real
	Events    *int         `json:"events,omitempty"`
}

func (s *Server) clockStateLocked() clockState {
	st := clockState{Now: ws.NewTimestamp(s.clock.Now()), Mode: s.clock.mode()}
	if next, pending := s.eng.NextEvent(); pending {
		st.NextEvent = ws.NewTimestamp(next)
	}
	return st
}

func adminGetClock(s *Server, _ *adminCall) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catchUpLocked()
	return ok(s.clockStateLocked())
}

// adminAdvance serves POST /_fake/clock/advance with {"by": "90m"} or {"to": "<RFC 3339>"}.
func adminAdvance(s *Server, c *adminCall) reply {
	body := c.body
	var errs fieldErrors
	o, valid := decodeObject(body, &errs)
	if !valid {
		return badRequest(errs...)
	}
	by, to := o.str("by"), o.str("to")
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if (by == "") == (to == "") {
		return badRequest(`by, to: give exactly one of "by" (a duration such as 90m, 36h or 2d) or "to" (an RFC 3339 timestamp)`)
	}
	var d time.Duration
	var target time.Time
	if by != "" {
		parsed, err := parseAdvance(by)
		if err != nil {
			return badRequest("by: " + err.Error())
		}
		d = parsed
	} else {
		t, err := parseRFC3339(to)
		if err != nil {
			return badRequest(fmt.Sprintf("to: %q is not an RFC 3339 timestamp (for example 2025-01-02T00:00:00Z)", truncate(to, 40)))
		}
		target = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if by != "" {
		target = s.clock.Now().Add(d)
	}
	n, err := s.advanceToLocked(target)
	if err != nil {
		return badRequest(err.Error() + realTimeHint(s))
	}
	st := s.clockStateLocked()
	st.Events = &n
	return ok(st)
}

// parseAdvance parses a Go duration ("90m", "1h30m") or a whole number of days or weeks ("2d", "1w").
func parseAdvance(s string) (time.Duration, error) {
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		if k, err := strconv.ParseInt(s[:n-1], 10, 32); err == nil && k >= 0 {
			unit := 24 * time.Hour
			if s[n-1] == 'w' {
				unit *= 7
			}
			if k > int64(math.MaxInt64/unit) {
				return 0, fmt.Errorf("%q is too long: at most %s (about 292 years)", s, time.Duration(math.MaxInt64).Truncate(time.Hour))
			}
			return time.Duration(k) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (for example 90m, 1h30m, 2d or 1w)", truncate(s, 40))
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative: time never goes backwards", s)
	}
	return d, nil
}

func adminRunUntilIdle(s *Server, _ *adminCall) reply {
	if err := s.RunUntilIdle(); err != nil {
		return badRequest(err.Error() + realTimeHint(s))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok(s.clockStateLocked())
}

func adminReset(s *Server, _ *adminCall) reply {
	s.Reset()
	return noContent()
}

// adminRequests serves GET /_fake/requests[?after=<seq>][&before=<seq>][&limit=<n>][&order=asc|desc]:
// the logged requests with after < Seq (and Seq < before), oldest first or, with order=desc, newest
// first, at most limit of them (default: all), taken from the end the order starts at. Any other
// parameter is refused, and no message quotes a value: an admin query is not a place to echo.
func adminRequests(s *Server, c *adminCall) reply {
	const takes = "GET /_fake/requests takes after=<seq>, before=<seq>, limit=<n> and order=asc or order=desc"
	var q requestQuery
	for name, values := range c.query {
		var n int64
		var err error
		switch {
		case len(values) != 1:
			return badRequest(fmt.Sprintf("%s: give it once; %s", name, takes))
		case name == "order":
			if values[0] != "asc" && values[0] != "desc" {
				return badRequest("order: must be asc (oldest first, the default) or desc (newest first)")
			}
			q.newestFirst = values[0] == "desc"
			continue
		case name == "after" || name == "before" || name == "limit":
			n, err = strconv.ParseInt(values[0], 10, 64)
			if err != nil || n < 0 {
				return badRequest(fmt.Sprintf("%s: must be a whole number, 0 or more (%d bytes given)", name, len(values[0])))
			}
		default:
			return badRequest(fmt.Sprintf("unknown query parameter (%d bytes; its name is not shown); %s", len(name), takes))
		}
		switch name {
		case "after":
			q.after = n
		case "before":
			q.before = n
		case "limit":
			q.limit = int(min(n, math.MaxInt32))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok(s.requestsLocked(q))
}

// faultJSON is a Fault over HTTP: durations as Go duration strings ("2s", "150ms").
type faultJSON struct {
	Method         string          `json:"method,omitempty"`
	Path           string          `json:"path"`
	Workspace      string          `json:"workspace,omitempty"`
	Status         int             `json:"status,omitempty"`
	RetryAfter     json.RawMessage `json:"retry_after,omitempty"` // "2s" or a number of seconds
	RateLimitScope string          `json:"rate_limit_scope,omitempty"`
	Times          int             `json:"times,omitempty"`
	Latency        string          `json:"latency,omitempty"`
	ApplyThenFail  bool            `json:"apply_then_fail,omitempty"`
	Optional       bool            `json:"optional,omitempty"`
}

func adminListFaults(s *Server, _ *adminCall) reply {
	out := []faultJSON{}
	for _, f := range s.Faults() {
		fj := faultJSON{Method: f.Method, Path: f.Path, Workspace: f.Workspace, Status: f.Status,
			RateLimitScope: f.RateLimitScope, Times: f.Times, ApplyThenFail: f.ApplyThenFail, Optional: f.Optional}
		if f.RetryAfter > 0 {
			fj.RetryAfter = json.RawMessage(strconv.Quote(f.RetryAfter.String()))
		}
		if f.Latency > 0 {
			fj.Latency = f.Latency.String()
		}
		out = append(out, fj)
	}
	return ok(out)
}

func adminInjectFault(s *Server, c *adminCall) reply {
	body := c.body
	var fj faultJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fj); err != nil {
		return badRequest("request body: " + jsonProblem(err) + " (fields: method, path, workspace, status, " +
			"retry_after, rate_limit_scope, times, latency, apply_then_fail, optional)")
	}
	if wsID, rel, full := workspaceRelative(fj.Path); full {
		return badRequest(fmt.Sprintf(`path: %q is a full URL path; paths are relative to the workspace root: `+
			`send "path": %q, "workspace": %q`, truncate(fj.Path, 200), rel, wsID))
	}
	f := Fault{Method: fj.Method, Path: fj.Path, Workspace: fj.Workspace, Status: fj.Status,
		RateLimitScope: fj.RateLimitScope, Times: fj.Times, ApplyThenFail: fj.ApplyThenFail, Optional: fj.Optional}
	if len(fj.RetryAfter) > 0 {
		var secs float64
		var text string
		switch {
		case json.Unmarshal(fj.RetryAfter, &secs) == nil:
			f.RetryAfter = time.Duration(secs * float64(time.Second))
		case json.Unmarshal(fj.RetryAfter, &text) == nil:
			d, err := time.ParseDuration(text)
			if err != nil {
				return badRequest(fmt.Sprintf("retry_after: %q is not a duration (for example 2s)", truncate(text, 40)))
			}
			f.RetryAfter = d
		default:
			return badRequest("retry_after: must be a duration string (2s) or a number of seconds")
		}
	}
	if fj.Latency != "" {
		d, err := time.ParseDuration(fj.Latency)
		if err != nil {
			return badRequest(fmt.Sprintf("latency: %q is not a duration (for example 150ms)", truncate(fj.Latency, 40)))
		}
		f.Latency = d
	}
	if err := s.injectFault(f, "POST /_fake/faults"); err != nil {
		return badRequest(err.Error())
	}
	return noContent()
}

func adminClearFaults(s *Server, _ *adminCall) reply {
	s.ClearFaults()
	return noContent()
}

// messageBody decodes an optional {"message": "…"} body.
func messageBody(body []byte) (string, reply, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", reply{}, true
	}
	var errs fieldErrors
	o, valid := decodeObject(body, &errs)
	msg := ""
	if valid {
		msg = o.str("message")
	}
	if len(errs) > 0 {
		return "", badRequest(errs...), false
	}
	return msg, reply{}, true
}

func adminUnreachable(s *Server, c *adminCall) reply {
	p := c.params
	body := c.body
	msg, rep, valid := messageBody(body)
	if !valid {
		return rep
	}
	return adminResult(s.Workspace(p[0]).setConnectionUnreachable(p[1], msg))
}

func adminReachable(s *Server, c *adminCall) reply {
	p := c.params
	return adminResult(s.Workspace(p[0]).setConnectionReachable(p[1]))
}

func adminInvalid(s *Server, c *adminCall) reply {
	p := c.params
	body := c.body
	msg, rep, valid := messageBody(body)
	if !valid {
		return rep
	}
	return adminResult(s.Workspace(p[0]).setDataModelInvalid(p[1], msg))
}

func adminValid(s *Server, c *adminCall) reply {
	p := c.params
	return adminResult(s.Workspace(p[0]).setDataModelValid(p[1]))
}

// adminSeedRecords serves PUT …/data-models/{id}/records with a JSON array of objects. Integral
// numbers become int64, others float64.
func adminSeedRecords(s *Server, c *adminCall) reply {
	p := c.params
	body := c.body
	if limit := s.cfg.budgets.MaxStoredBytes; limit > 0 {
		if n, fits := jsonCost(body, limit); !fits {
			return badRequest(budgetMessage(fmt.Sprintf("records: more than %d bytes once decoded (read up to there)", n),
				"MaxStoredBytes", limit))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil || rows == nil {
		problem := "must be a JSON array of objects"
		if err != nil {
			problem += ": " + jsonProblem(err)
		}
		return badRequest("request body: " + problem)
	}
	for _, r := range rows {
		for k, v := range r {
			if n, isNumber := v.(json.Number); isNumber {
				if i, err := n.Int64(); err == nil {
					r[k] = i
				} else if f, err := n.Float64(); err == nil {
					r[k] = f
				}
			}
		}
	}
	return adminResult(s.Workspace(p[0]).seedRecordsCharged(p[1], rows, max(recordsCost(rows), int64(len(body)))))
}

func adminDeleteRecords(s *Server, c *adminCall) reply {
	p := c.params
	return adminResult(s.Workspace(p[0]).seedRecords(p[1], nil))
}

func adminFailNextRuns(s *Server, c *adminCall) reply {
	p := c.params
	body := c.body
	var errs fieldErrors
	o, valid := decodeObject(body, &errs)
	var n *int64
	var msg string
	if valid {
		n, msg = o.int64("n"), o.str("message")
		if n == nil && len(errs) == 0 {
			errs.add("n", "is required: how many runs fail")
		}
	}
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if *n < 1 || *n > 1<<31-1 {
		return badRequest(fmt.Sprintf("n: must be 1 or more, got %d", *n))
	}
	return adminResult(s.Workspace(p[0]).failNext(p[1], int(*n), msg, true))
}

func adminSetTransformations(s *Server, c *adminCall) reply {
	p := c.params
	body := c.body
	var ids []string
	if err := json.Unmarshal(body, &ids); err != nil || len(ids) == 0 {
		return badRequest("request body: must be a non-empty JSON array of field transformation ids (DELETE accepts any id again)")
	}
	for _, id := range ids {
		if !validSlug(id) {
			return badRequest(fmt.Sprintf("request body: %q is not a valid field transformation id", truncate(id, 40)))
		}
	}
	if limit := s.cfg.budgets.MaxResources; len(ids) > limit {
		return badRequest(budgetMessage(fmt.Sprintf("field transformations: %d ids", len(ids)), "MaxResources", int64(limit)))
	}
	return adminResult(s.Workspace(p[0]).setFieldTransformations(ids...))
}

func adminAnyTransformation(s *Server, c *adminCall) reply {
	p := c.params
	return adminResult(s.Workspace(p[0]).setFieldTransformations())
}

// adminResult answers a setter's result: 204; 400 for a budget; else 404 with the error, which names
// the workspace or resource that does not exist.
func adminResult(err error) reply {
	var budget *budgetError
	switch {
	case errors.As(err, &budget):
		return badRequest(err.Error())
	case err != nil:
		return errReply(http.StatusNotFound, err.Error())
	}
	return noContent()
}

func adminListWorkspaces(s *Server, _ *adminCall) reply { return ok(s.Workspaces()) }

// adminAddWorkspace serves PUT /_fake/workspaces/{id}: 204, or 409 beyond Budgets.MaxWorkspaces.
func adminAddWorkspace(s *Server, c *adminCall) reply {
	if err := s.AddWorkspace(c.params[0]); err != nil {
		return errReply(http.StatusConflict, err.Error())
	}
	return noContent()
}

// realTimeHint is what a refused clock move adds on a real-time server: how to get a manual clock.
func realTimeHint(s *Server) string {
	if !s.cfg.realTime {
		return ""
	}
	return ". Start the binary with -clock manual (or the server without WithRealTimeClock) to move the clock"
}
