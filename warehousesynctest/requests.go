package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	ws "github.com/wsync-dev/warehousesync"
)

// Request is one request the server received on the API or the token endpoint (admin requests under
// /_fake/ are not recorded). Secrets in the body are replaced by "************"; the Authorization
// header is not kept.
type Request struct {
	Method string `json:"method"`
	// Path is the full URL path, for example /platform/v2/workspaces/12345/connections.
	Path  string     `json:"path"`
	Query url.Values `json:"query,omitempty"`
	// Workspace is the workspace id of an API request; "" for the token endpoint and unknown paths.
	Workspace string `json:"workspace,omitempty"`
	// Body is the request body with the values of password, service_account_key and client_secret masked.
	Body string `json:"body,omitempty"`
	// Status is the status code the server answered; 0 while the request is in flight, and 499 when the
	// client went away during injected latency.
	Status int `json:"status"`
	// Time is when the request arrived, on the server's clock.
	Time time.Time `json:"time"`
}

// secretKeys are the body fields whose values never appear in the request log.
var secretKeys = []string{"password", "service_account_key", "client_secret"}

// isSecretKey reports whether a body field holds a secret. The match ignores case, as encoding/json
// does when the token endpoint decodes {"Client_Secret": …} into client_secret.
func isSecretKey(k string) bool {
	for _, s := range secretKeys {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// secretPattern finds secret values in bodies that are not valid JSON.
var secretPattern = regexp.MustCompile(`(?i)("(?:password|service_account_key|client_secret)"\s*:\s*)"(?:[^"\\]|\\.)*"?`)

// maxRequestLog bounds the memory of the request log of a long-running server: Requests keeps at
// least the last maxRequestLog requests.
const maxRequestLog = 100_000

// Requests returns the requests received so far, oldest first (at least the last 100,000).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
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
func (s *Server) logRequestLocked(r *http.Request, wsID string, body []byte, now time.Time) *Request {
	entry := &Request{
		Method:    r.Method,
		Path:      r.URL.Path,
		Workspace: wsID,
		Body:      maskBody(r.Header.Get("Content-Type"), body),
		Time:      now,
	}
	if q := r.URL.Query(); len(q) > 0 {
		entry.Query = q
	}
	if len(s.requests) >= 2*maxRequestLog {
		s.requests = append([]*Request(nil), s.requests[len(s.requests)-maxRequestLog:]...)
	}
	s.requests = append(s.requests, entry)
	return entry
}

// maskBody returns body with every secret value replaced by the mask: JSON anywhere in the document,
// form fields by name, and anything else by pattern.
func maskBody(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	if mediaType, _, _ := mime.ParseMediaType(contentType); mediaType == "application/x-www-form-urlencoded" {
		if form, err := url.ParseQuery(string(body)); err == nil {
			changed := false
			for k := range form {
				if isSecretKey(k) {
					form[k] = []string{ws.MaskedSecret}
					changed = true
				}
			}
			if changed {
				return form.Encode()
			}
			return string(body)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if maskValue(v) {
			if b, err := json.Marshal(v); err == nil {
				return string(b)
			}
		}
		return string(body)
	}
	return secretPattern.ReplaceAllString(string(body), `${1}"`+ws.MaskedSecret+`"`)
}

// maskValue masks secret fields anywhere in a decoded JSON value and reports whether it changed any.
func maskValue(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if isSecretKey(k) {
				if s, isString := x.(string); !isString || s != "" {
					t[k] = ws.MaskedSecret
					changed = true
				}
				continue
			}
			changed = maskValue(x) || changed
		}
	case []any:
		for _, x := range t {
			changed = maskValue(x) || changed
		}
	}
	return changed
}
