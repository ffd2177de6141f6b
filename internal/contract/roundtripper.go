package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// NewRoundTripper returns a transport that sends every request through next (http.DefaultTransport when
// nil) unchanged, and checks the request and its response against doc, calling report once for each
// mismatch. The client's base URL may have any scheme and host: requests are matched by path, under
// the servers' base paths (/platform/v2/workspaces/{workspaceId}). See the package documentation for
// which requests are checked and when a mismatch is excused.
func NewRoundTripper(next http.RoundTripper, doc *openapi3.T, report func(error)) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &roundTripper{next: next, v: newValidator(doc), report: report}
}

// roundTripper is the transport NewRoundTripper returns.
type roundTripper struct {
	next   http.RoundTripper
	v      *validator
	report func(error)
}

// RoundTrip checks req, sends a copy of it with the same body through the next transport, and checks
// the response, whose body it replaces with an identical one.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req.Body)
	if err != nil {
		return nil, fmt.Errorf("contract: reading the request body of %s %s: %w", req.Method, req.URL.Path, err)
	}
	out := req.Clone(req.Context())
	if body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}

	ex := rt.v.checkRequest(req, body)
	resp, err := rt.next.RoundTrip(out)
	if err != nil {
		if ex != nil {
			rt.v.reportRequest(ex, rt.report)
		}
		return resp, err
	}
	if ex == nil {
		return resp, nil
	}

	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		// Hand the failure to the caller where it would have met it, and check only the request.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(respBody), errReader{err}))
		rt.v.reportRequest(ex, rt.report)
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	rt.v.checkResponse(req.Context(), ex, resp.StatusCode, resp.Header, respBody, rt.report)
	return resp, nil
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
