package warehousesynctest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/contract"
)

// newCheckedServer starts a Server for t and returns it with a client (newCheckedClient) whose traffic
// is held to the OpenAPI description: any mismatch fails t with the method, the path and the schema
// error.
func newCheckedServer(t *testing.T, opts ...Option) (*Server, *ws.Client) {
	t.Helper()
	srv := NewServer(t, opts...)
	return srv, newCheckedClient(t, srv)
}

// newCheckedClient returns a client of srv's default workspace (srv.Client with opts) whose traffic is
// checked against api/openapi.yaml on both sides: its transport checks every request it sends and every
// response it gets (contract.NewRoundTripper), and it talks to srv through contract.Middleware on a
// listener of its own, which checks them again as the server sees them. Every mismatch fails t, naming
// the side, the method, the path and the schema error. Admin routes (/_fake/…) pass unchecked;
// srv.URL() still reaches the fake directly, for raw HTTP tests that send bad requests on purpose.
func newCheckedClient(t *testing.T, srv *Server, opts ...ws.Option) *ws.Client {
	t.Helper()
	doc, err := contract.Load()
	require.NoError(t, err)
	report := func(side string) func(error) {
		return func(err error) { t.Errorf("%s side: %v", side, err) }
	}
	checked := httptest.NewServer(contract.Middleware(srv.Handler(), doc, report("server")))
	// Cleanups run last-in first-out: this one, which waits for the requests in flight and so for their
	// reports, runs before the test ends and before srv closes.
	t.Cleanup(checked.Close)
	all := append([]ws.Option{
		ws.WithBaseURL(checked.URL),
		ws.WithTokenURL(checked.URL + tokenPath),
		ws.WithHTTPClient(&http.Client{Transport: contract.NewRoundTripper(nil, doc, report("client"))}),
	}, opts...)
	return srv.Client(all...)
}
