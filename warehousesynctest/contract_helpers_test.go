package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/contract"
)

// loadDescription loads the OpenAPI description once for the whole package: the checkers only read it,
// and loading it for every test was most of the package's test time under the race detector.
var loadDescription = sync.OnceValues(contract.Load)

// newCheckedServer starts a Server for t and returns it with a client (newCheckedClient) whose traffic
// is held to the OpenAPI description: any mismatch fails t with the method, the path and the schema
// error.
func newCheckedServer(t *testing.T, opts ...Option) (*Server, *ws.Client) {
	t.Helper()
	srv := NewServer(t, opts...)
	return srv, newCheckedClient(t, srv)
}

// newCheckedClient returns a client of srv's default workspace (srv.Client with opts) whose traffic is
// checked against api/openapi.yaml on both sides (see checkedTransport).
func newCheckedClient(t *testing.T, srv *Server, opts ...ws.Option) *ws.Client {
	t.Helper()
	base, hc := checkedTransport(t, srv)
	all := append([]ws.Option{ws.WithBaseURL(base), ws.WithTokenURL(base + tokenPath), ws.WithHTTPClient(hc)}, opts...)
	return srv.Client(all...)
}

// newCheckedAPI returns a plain-HTTP client of srv's default workspace, with a token, whose traffic is
// checked against api/openapi.yaml on both sides (see checkedTransport), for tests that need the raw
// bytes of an answer.
func newCheckedAPI(t *testing.T, srv *Server) *api {
	t.Helper()
	base, hc := checkedTransport(t, srv)
	return &api{t: t, srv: srv, ws: srv.WorkspaceID(), token: getToken(t, srv), base: base, hc: hc}
}

// checkedTransport serves srv through contract.Middleware on a listener of its own, whose URL it
// returns, with an HTTP client whose transport is contract.NewRoundTripper: the client checks every
// request it sends and every response it gets, and the middleware checks them again as the server sees
// them. Every mismatch fails t, naming the side, the method, the path and the schema error. Admin routes
// (/_fake/…) pass unchecked; srv.URL() still reaches the fake directly, for raw HTTP tests that send
// bad requests on purpose.
func checkedTransport(t *testing.T, srv *Server) (string, *http.Client) {
	t.Helper()
	doc, err := loadDescription()
	require.NoError(t, err)
	report := func(side string) func(error) {
		return func(err error) { t.Errorf("%s side: %v", side, err) }
	}
	checked := httptest.NewServer(contract.Middleware(srv.Handler(), doc, report("server")))
	// Cleanups run last-in first-out: this one, which waits for the requests in flight and so for their
	// reports, runs before the test ends and before srv closes.
	t.Cleanup(checked.Close)
	return checked.URL, &http.Client{Transport: contract.NewRoundTripper(nil, doc, report("client"))}
}

// inProcess sends one request straight to srv's handler, without a listener, and returns the status and
// the body. A non-nil body is sent as application/json; a non-empty token as a bearer token.
func inProcess(t testing.TB, srv *Server, method, target, token string, body []byte) (int, []byte) {
	t.Helper()
	req := describedRequest(t, method, target, token, body)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// describedRequest builds the request inProcess sends, for checking against the description too.
func describedRequest(t testing.TB, method, target, token string, body []byte) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// refusalMessages returns the messages of an error answer, in the API's envelope or the token endpoint's.
func refusalMessages(body []byte) []string {
	var e struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return []string{string(body)}
	}
	var msgs []string
	for _, d := range e.Errors {
		msgs = append(msgs, d.Message)
	}
	if e.Error != "" {
		msgs = append(msgs, e.Error+": "+e.Description)
	}
	return msgs
}
