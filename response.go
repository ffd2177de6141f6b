package warehousesync

import (
	"context"
	"net/http"
)

// Response is the HTTP response behind a call: its status, headers (rate-limit headers, request ids)
// and, for a successful call, its raw body. A call records it when its context comes from
// WithResponse, so the common call stays as short as it is:
//
//	var resp warehousesync.Response
//	conn, err := c.Connections.Get(warehousesync.WithResponse(ctx, &resp), "sf")
//	fmt.Println(resp.StatusCode, resp.Header.Get("X-Request-Id"), len(resp.Body))
//
// The recorded response is the one of the call's last request: the last attempt after retries, the
// last page of an iteration, the read-back of a Create that reconciled a lost answer. Header holds the
// server's headers, except that a value sharing text with a credential the request carried (the client
// secret, the access token) is withheld, as the text of an error is. Body is the server's bytes as they
// came: it is not checked (a successful body can be 32 MiB), so log it only from a server you trust.
type Response struct {
	// StatusCode is the HTTP status code; 0 when no response arrived (a network error).
	StatusCode int
	// Header holds the response's headers; a value that shares text with a credential the request
	// carried reads "(withheld: …)".
	Header http.Header
	// Body is the raw body of a successful answer, at most the client's WithMaxResponseBody. It is nil
	// for an answer outside 2xx: the *APIError's Body holds that one.
	Body []byte
}

// responseKey is the context key of a *Response recorder.
type responseKey struct{}

// WithResponse returns a context that makes every call using it record its HTTP response in r. One r
// records one call at a time: do not share it among concurrent calls.
func WithResponse(ctx context.Context, r *Response) context.Context {
	return context.WithValue(ctx, responseKey{}, r)
}

// responseRecorder returns the recorder of ctx, or nil.
func responseRecorder(ctx context.Context) *Response {
	r, _ := ctx.Value(responseKey{}).(*Response)
	return r
}
