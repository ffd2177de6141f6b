package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wsync-dev/warehousesync/api"
)

// Load parses the description in package api and validates it as an OpenAPI document. Each call returns
// a new document.
func Load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("contract: loading the description: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: the description is not valid OpenAPI: %w", err)
	}
	return doc, nil
}

// Route is one operation of the description.
type Route struct {
	// Method is the HTTP method, upper case ("GET").
	Method string
	// Path is the full path template: the server's base path and the operation's path, with the
	// description's parameter names ("/platform/v2/workspaces/{workspaceId}/connections/{connectionId}").
	Path string
	// OperationID is the operation's id ("getConnection").
	OperationID string
}

// String returns the route as "GET /path".
func (r Route) String() string { return r.Method + " " + r.Path }

// Routes lists every operation of doc, sorted by path and then method, so a test can compare it with
// the routes a server serves.
func Routes(doc *openapi3.T) []Route {
	if doc == nil || doc.Paths == nil {
		return nil
	}
	var routes []Route
	for path, item := range doc.Paths.Map() {
		base := basePath(serversOf(doc, item))
		for method, op := range item.Operations() {
			routes = append(routes, Route{Method: method, Path: base + path, OperationID: op.OperationID})
		}
	}
	slices.SortFunc(routes, func(a, b Route) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return routes
}

// ValidateExample checks one JSON payload against the description: the request body of the operation
// method pathTemplate when status is 0, else the body of its response with that status. pathTemplate
// may be relative to the server ("/connections/{connectionId}") or include the server's base path
// ("/platform/v2/workspaces/{workspaceId}/connections/{connectionId}"); parameter names need not match
// the description's. An empty body is valid only where the description has no content.
func ValidateExample(doc *openapi3.T, method, pathTemplate string, status int, body []byte) error {
	where := fmt.Sprintf("%s %s", method, pathTemplate)
	if status == 0 {
		where += " request body"
	} else {
		where += fmt.Sprintf(" response %d", status)
	}
	op, err := findOperation(doc, method, pathTemplate)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}

	var content openapi3.Content
	opts := []openapi3.SchemaValidationOption{
		openapi3.MultiErrors(),
		openapi3.SetSchemaErrorMessageCustomizer(schemaErrorMessage),
	}
	if status == 0 {
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			content = op.RequestBody.Value.Content
		}
		opts = append(opts, openapi3.VisitAsRequest())
	} else {
		resp := op.Responses.Status(status)
		if resp == nil || resp.Value == nil {
			return fmt.Errorf("%s: the operation does not describe status %d", where, status)
		}
		content = resp.Value.Content
		opts = append(opts, openapi3.VisitAsResponse())
	}

	trimmed := bytes.TrimSpace(body)
	if len(content) == 0 {
		if len(trimmed) != 0 {
			return fmt.Errorf("%s: the description has no body here, the example has %d bytes", where, len(trimmed))
		}
		return nil
	}
	media := content.Get("application/json")
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return fmt.Errorf("%s: the description has no application/json schema", where)
	}
	if len(trimmed) == 0 {
		return fmt.Errorf("%s: the body is empty but the description requires one", where)
	}
	var value any
	if err := json.Unmarshal(trimmed, &value); err != nil {
		return fmt.Errorf("%s: the body is not JSON: %w", where, err)
	}
	if err := media.Schema.Value.VisitJSON(value, opts...); err != nil {
		return newMismatch(where, err)
	}
	return nil
}

// findOperation finds the operation method pathTemplate, with or without the server's base path,
// whatever the names of the template's variables.
func findOperation(doc *openapi3.T, method, pathTemplate string) (*openapi3.Operation, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("no description")
	}
	want := normalizeTemplate(pathTemplate)
	for path, item := range doc.Paths.Map() {
		full := basePath(serversOf(doc, item)) + path
		if normalizeTemplate(path) != want && normalizeTemplate(full) != want {
			continue
		}
		op := item.GetOperation(strings.ToUpper(method))
		if op == nil {
			return nil, fmt.Errorf("the description has no %s operation at this path", strings.ToUpper(method))
		}
		return op, nil
	}
	return nil, errors.New("the description has no such path")
}

// normalizeTemplate drops the names of a path template's variables: "/a/{id}" becomes "/a/{}".
func normalizeTemplate(template string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(template[open:], '}')
		if end < 0 {
			break
		}
		b.WriteString(template[:open+1])
		template = template[open+end:]
	}
	b.WriteString(template)
	return b.String()
}

// serversOf returns the servers that apply to item: its own, else the document's.
func serversOf(doc *openapi3.T, item *openapi3.PathItem) openapi3.Servers {
	if len(item.Servers) > 0 {
		return item.Servers
	}
	return doc.Servers
}

// basePath returns the path of the first server's URL, keeping its {variables} and dropping a trailing
// slash: "/platform/v2/workspaces/{workspaceId}" for "https://api.mparticle.com/platform/v2/workspaces/{workspaceId}",
// and "" for "https://sso.auth.mparticle.com".
func basePath(servers openapi3.Servers) string {
	if len(servers) == 0 || servers[0] == nil {
		return ""
	}
	u := servers[0].URL
	if _, rest, ok := strings.Cut(u, "://"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			u = rest[i:]
		} else {
			u = ""
		}
	}
	return strings.TrimSuffix(u, "/")
}

// RequestValidator returns a function that checks one request against doc as the checkers do (its path,
// method, parameters, security and body, which has been read into body), for tests that compare what
// the description forbids with what a server refuses. The function returns nil for a request that
// matches the description or lies outside the described API; it is safe for concurrent use.
func RequestValidator(doc *openapi3.T) func(req *http.Request, body []byte) error {
	v := newValidator(doc)
	return func(req *http.Request, body []byte) error {
		ex := v.checkRequest(req, body)
		if ex == nil {
			return nil
		}
		return ex.reqErr
	}
}
