package warehousesynctest

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Fault is an HTTP fault: matching API requests get Status instead of their normal answer, possibly
// after Latency, or are applied and then answered with Status (ApplyThenFail).
type Fault struct {
	// Method is the HTTP method to match; "" matches every method.
	Method string
	// Path is the API path relative to the workspace root, such as "/connections" or
	// "/inputs/data-pipelines/trigger"; a trailing "*" makes it a prefix ("/connections/*" or "/*").
	Path string
	// Workspace limits the fault to one workspace; "" matches every workspace.
	Workspace string
	// Status is the answer: 429, 500, 502, 503, 504, or 505 (the warehouse cannot be reached, as a
	// connection's create or update with bad credentials answers). It may be 0 for a fault that only adds
	// latency; with ApplyThenFail, 0 means 500.
	Status int
	// RetryAfter, when positive, is sent as the Retry-After header in whole seconds (rounded up).
	RetryAfter time.Duration
	// RateLimitScope is the X-mp-rate-limit-exceeded header of a 429 (default "workspace"): one of org,
	// account, app, feed, workspace, acceleration.
	RateLimitScope string
	// Times is how many matching requests the fault affects; 0 means every one until ClearFaults.
	Times int
	// Latency delays the answer by real time (the fake's only real-time delay, for client timeout tests);
	// the wait ends early when the client gives up. A latency longer than the server's write timeout
	// (WithHTTPLimits, 2 minutes by default) ends with the connection cut instead of the answer.
	Latency time.Duration
	// ApplyThenFail processes the request normally (the write happens) and then answers Status, so a
	// client sees a failure for a change that was made.
	ApplyThenFail bool
	// Optional lets the fault never fire: without it, a Server made by NewServer fails its test when the
	// test ends with the fault installed and never used, since a fault that matched nothing usually
	// means a test that tested nothing.
	Optional bool
}

// faultState is an injected fault and how many more times it applies.
type faultState struct {
	Fault
	left  int    // 0: unlimited
	fired int    // how many requests it applied to
	site  string // where it was injected: the file:line of the InjectFault call
}

// rateLimitScopes are the values of X-mp-rate-limit-exceeded mParticle documents.
var rateLimitScopes = map[string]bool{"org": true, "account": true, "app": true, "feed": true, "workspace": true, "acceleration": true}

// check validates a fault before it is installed.
func (f *Fault) check() error {
	switch f.Status {
	case 0:
		if f.Latency <= 0 && !f.ApplyThenFail {
			return errors.New("fault: status is required unless the fault only adds latency")
		}
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout, statusWarehouseUnreachable:
	default:
		return fmt.Errorf("fault: status must be one of 429, 500, 502, 503, 504, 505, got %d", f.Status)
	}
	if wsID, rel, full := workspaceRelative(f.Path); full {
		return fmt.Errorf("fault: path %q is a full URL path; paths are relative to the workspace root: use "+
			"Fault{Path: %q, Workspace: %q}", f.Path, rel, wsID)
	}
	switch {
	case !strings.HasPrefix(f.Path, "/"):
		return fmt.Errorf("fault: path must start with / and be relative to the workspace root, got %q", f.Path)
	case strings.Contains(strings.TrimSuffix(f.Path, "*"), "*"):
		return fmt.Errorf("fault: path may contain * only at its end, got %q", f.Path)
	case f.Times < 0:
		return fmt.Errorf("fault: times must not be negative, got %d", f.Times)
	case f.RetryAfter < 0 || f.Latency < 0:
		return errors.New("fault: retry after and latency must not be negative")
	case f.RateLimitScope != "" && !rateLimitScopes[f.RateLimitScope]:
		return fmt.Errorf("fault: rate limit scope must be one of org, account, app, feed, workspace, acceleration, got %q", f.RateLimitScope)
	case f.Workspace != "" && !validSlug(f.Workspace):
		return fmt.Errorf("fault: workspace %q is not a valid workspace id", f.Workspace)
	}
	return nil
}

// workspaceRelative splits a full API path such as /platform/v2/workspaces/12345/connections into the
// workspace id and the path relative to its root ("/connections"), the form a Fault takes; full is
// false for any other path. InjectFault and the admin endpoint refuse a full path with the form that
// works, each in its own terms.
func workspaceRelative(path string) (wsID, rel string, full bool) {
	rest, full := strings.CutPrefix(path, apiPrefix)
	if !full {
		return "", "", false
	}
	wsID, tail, _ := strings.Cut(rest, "/")
	return wsID, "/" + tail, true
}

// matches reports whether the fault applies to a request.
func (f *Fault) matches(method, wsID, path string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	if f.Workspace != "" && f.Workspace != wsID {
		return false
	}
	if prefix, found := strings.CutSuffix(f.Path, "*"); found {
		return strings.HasPrefix(path, prefix)
	}
	return path == f.Path
}

// reply is the fault's answer, in the documented error envelope.
func (f *Fault) reply() reply {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	msg := fmt.Sprintf("Injected fault: %d %s.", status, http.StatusText(status))
	switch status {
	case http.StatusTooManyRequests:
		msg = "Too many requests: the rate limit of the " + f.scope() + " was exceeded."
	case statusWarehouseUnreachable:
		msg = defaultUnreachableMessage
	}
	return errReply(status, msg)
}

func (f *Fault) scope() string {
	if f.RateLimitScope == "" {
		return "workspace"
	}
	return f.RateLimitScope
}

// writeHeaders sets Retry-After and, on a 429, X-mp-rate-limit-exceeded.
func (f *Fault) writeHeaders(w http.ResponseWriter) {
	if f.RetryAfter > 0 {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	if f.Status == http.StatusTooManyRequests {
		w.Header().Set("X-mp-rate-limit-exceeded", f.scope())
	}
}

// InjectFault installs an HTTP fault; faults are tried in the order they were injected and the first
// that matches applies. Requests without a valid token get their 401 and do not use up a fault.
func (s *Server) InjectFault(f Fault) error {
	site := "an unknown line"
	if _, file, line, found := runtime.Caller(1); found {
		site = fmt.Sprintf("%s:%d", filepath.Base(file), line)
	}
	return s.injectFault(f, site)
}

// injectFault installs f, injected at site (a file:line, or how it came).
func (s *Server) injectFault(f Fault, site string) error {
	if err := f.check(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.workspaces[f.Workspace]; f.Workspace != "" && !known {
		return fmt.Errorf("fault: %s", s.unknownWorkspaceLocked(f.Workspace))
	}
	if segs := strings.Split(strings.TrimPrefix(f.Path, "/"), "/"); !strings.HasSuffix(f.Path, "*") &&
		firstRoute(s.routes, segs) == nil {
		msg := fmt.Sprintf("fault: path %q matches no route of the API, so the fault could never fire", truncate(f.Path, 200))
		if meant := suggestPath(s.routes, segs); meant != "" {
			msg += fmt.Sprintf("; did you mean %q?", meant)
		}
		return errors.New(msg)
	}
	if limit := s.cfg.budgets.MaxFaults; len(s.faults) >= limit {
		return errors.New(budgetMessage(fmt.Sprintf("fault: %d faults installed", len(s.faults)), "MaxFaults", int64(limit)) +
			"; clear them with ClearFaults or DELETE /_fake/faults")
	}
	s.faults = append(s.faults, &faultState{Fault: f, left: f.Times, site: site})
	return nil
}

// ClearFaults removes every HTTP fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults returns the installed HTTP faults, each with Times set to how many uses it has left (0:
// unlimited).
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, f := range s.faults {
		out[i] = f.Fault
		out[i].Times = f.left
	}
	return out
}

// takeFaultLocked returns the first fault matching the request and uses it up once.
func (s *Server) takeFaultLocked(method, wsID, path string) *Fault {
	for i, f := range s.faults {
		if !f.matches(method, wsID, path) {
			continue
		}
		taken := f.Fault
		f.fired++
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &taken
	}
	return nil
}

// unfiredFaultsLocked describes the installed faults that never fired and are not Optional.
func (s *Server) unfiredFaultsLocked() []string {
	var out []string
	for _, f := range s.faults {
		if f.fired == 0 && !f.Optional {
			out = append(out, f.describe()+", injected at "+f.site+",")
		}
	}
	return out
}

// describe writes the fault as a Go literal of its set fields, as a test would have written it.
func (f *Fault) describe() string {
	parts := []string{}
	add := func(cond bool, format string, v any) {
		if cond {
			parts = append(parts, fmt.Sprintf(format, v))
		}
	}
	add(f.Method != "", "Method: %q", f.Method)
	add(true, "Path: %q", f.Path)
	add(f.Workspace != "", "Workspace: %q", f.Workspace)
	add(f.Status != 0, "Status: %d", f.Status)
	add(f.Times != 0, "Times: %d", f.Times)
	add(f.Latency != 0, "Latency: %s", f.Latency)
	add(f.ApplyThenFail, "ApplyThenFail: %t", f.ApplyThenFail)
	return "Fault{" + strings.Join(parts, ", ") + "}"
}
