package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// validator checks exchanges against a description. It never changes the description and is safe for
// concurrent use.
type validator struct {
	groups  []group
	options *openapi3filter.Options
	err     error // why the description cannot be used; reported for every exchange
}

// group routes the operations that share one server base path, on any scheme and host.
type group struct {
	// prefix is the literal start of the base path, before its first variable
	// ("/platform/v2/workspaces/"); requests under it must match an operation. Empty for a group
	// whose base path is "/" (the token endpoint), whose requests are matched by full path only.
	prefix string
	router routers.Router
}

// exchange is one request on its way through, and what its check found.
type exchange struct {
	method, path string
	// input is what the response is checked against; nil when the request matched no operation.
	input *openapi3filter.RequestValidationInput
	// reqErr is why the request does not match the description, or nil.
	reqErr error
}

// newValidator prepares routers for doc. kin-openapi's router matches the servers' scheme and host,
// which a test server on 127.0.0.1 never has, so each group of paths that share a base path gets a
// router of its own over a copy of the document whose only server is that base path, relative.
func newValidator(doc *openapi3.T) *validator {
	v := &validator{options: newOptions()}
	if doc == nil || doc.Paths == nil {
		v.err = errors.New("no description to check against")
		return v
	}
	docs := map[string]*openapi3.T{}
	var bases []string
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		base := basePath(serversOf(doc, item))
		d, ok := docs[base]
		if !ok {
			d = &openapi3.T{
				OpenAPI:    doc.OpenAPI,
				Components: doc.Components,
				Info:       doc.Info,
				Paths:      openapi3.NewPaths(),
				Security:   doc.Security,
				Servers:    openapi3.Servers{{URL: base + "/"}},
			}
			docs[base] = d
			bases = append(bases, base)
		}
		own := *item
		own.Servers = nil // the group's server applies
		d.Paths.Set(path, &own)
	}
	for _, base := range bases {
		r, err := gorillamux.NewRouter(docs[base])
		if err != nil {
			v.err = fmt.Errorf("building a router for the paths under %q: %w", base, err)
			return v
		}
		prefix, _, hasVars := strings.Cut(base, "{")
		if !hasVars && base != "" {
			prefix = base + "/"
		}
		v.groups = append(v.groups, group{prefix: prefix, router: r})
	}
	return v
}

// newOptions returns how requests and responses are checked: every error rather than the first,
// undescribed statuses are errors, the request is never changed, and reports carry no values.
func newOptions() *openapi3filter.Options {
	o := &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		AuthenticationFunc:    checkBearer,
	}
	o.WithCustomSchemaErrorFunc(schemaErrorMessage)
	return o
}

// checkBearer checks the bearer security scheme: an Authorization header "Bearer <token>". The token is
// never looked at beyond being non-empty, and never reported.
func checkBearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		return fmt.Errorf("security scheme %q is not supported by the contract checker", in.SecuritySchemeName)
	}
	scheme, token, ok := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errors.New(`header "Authorization" must be "Bearer <token>"`)
	}
	return nil
}

// errNoOperation and errNoMethod say that a request under a described base path matches no operation.
var (
	errNoOperation = errors.New("the description has no operation at this path")
	errNoMethod    = errors.New("the description has no operation with this method at this path")
)

// checkRequest checks req, whose body has been read into body. It returns nil when req lies outside
// the described API.
func (v *validator) checkRequest(req *http.Request, body []byte) *exchange {
	ex := &exchange{method: req.Method, path: req.URL.Path}
	if v.err != nil {
		ex.reqErr = v.err
		return ex
	}
	route, params, err := v.find(req)
	if err != nil {
		ex.reqErr = err
		return ex
	}
	if route == nil {
		return nil
	}
	clone := req.Clone(req.Context())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	ex.input = &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: params,
		Route:      route,
		Options:    v.options,
	}
	if err := openapi3filter.ValidateRequest(req.Context(), ex.input); err != nil {
		ex.reqErr = err
	}
	return ex
}

// find routes req: a route, or (nil, nil) outside the described API, or an error for a request under a
// described base path that matches no operation.
func (v *validator) find(req *http.Request) (*routers.Route, map[string]string, error) {
	wrongMethod := false
	for _, g := range v.groups {
		route, params, err := g.router.FindRoute(req)
		if err == nil {
			return route, params, nil
		}
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			wrongMethod = true
		}
	}
	if wrongMethod {
		return nil, nil, errNoMethod
	}
	for _, g := range v.groups {
		if g.prefix != "" && strings.HasPrefix(req.URL.Path, g.prefix) {
			return nil, nil, errNoOperation
		}
	}
	return nil, nil, nil
}

// checkResponse checks the response to ex and reports every mismatch of the exchange.
func (v *validator) checkResponse(ctx context.Context, ex *exchange, status int, header http.Header, body []byte, report func(error)) {
	if ex.input == nil {
		v.reportRequest(ex, report)
		return
	}
	if ex.reqErr != nil && !excused(ex.reqErr, status) {
		report(newMismatch(fmt.Sprintf("contract: %s %s: request does not match the description (the server answered %s)",
			ex.method, ex.path, statusText(status)), ex.reqErr))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: ex.input,
		Status:                 status,
		Header:                 header,
		Options:                v.options,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		report(newMismatch(fmt.Sprintf("contract: %s %s (%s): response %s does not match the description",
			ex.method, ex.path, ex.input.Route.Operation.OperationID, statusText(status)), err))
	}
}

// reportRequest reports the request's mismatch when there is no response to excuse it.
func (v *validator) reportRequest(ex *exchange, report func(error)) {
	if ex.reqErr != nil {
		report(newMismatch(fmt.Sprintf("contract: %s %s", ex.method, ex.path), ex.reqErr))
	}
}

// excused reports whether a server that answered status refused a request that does not match the
// description as it should: 401 for a missing token, 400, 403, 404, 413 (a body too large to read)
// or 415 (a body that is not JSON) for anything else (whether the operation lists that status is
// checked with the response).
func excused(reqErr error, status int) bool {
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(reqErr, &sec) {
		return status == http.StatusUnauthorized
	}
	return status == http.StatusBadRequest || status == http.StatusForbidden || status == http.StatusNotFound ||
		status == http.StatusRequestEntityTooLarge || status == http.StatusUnsupportedMediaType
}

// readBody reads and closes body; a nil body reads as nil.
func readBody(body io.ReadCloser) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	defer body.Close()
	return io.ReadAll(body)
}

// statusText names a status for reports: "400 Bad Request".
func statusText(status int) string {
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}
