package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/getkin/kin-openapi/openapi3"
)

// Middleware returns a handler that passes every request to next and checks the request and next's
// response against doc, calling report once for each mismatch. Requests outside the described API
// (such as /_fake/… admin routes) go to next untouched and unbuffered; responses to the others are
// buffered, checked, then written out unchanged. See the package documentation for which requests are
// checked and when a mismatch is excused.
func Middleware(next http.Handler, doc *openapi3.T, report func(error)) http.Handler {
	v := newValidator(doc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r.Body)
		if err != nil {
			report(fmt.Errorf("contract: reading the request body of %s %s: %w", r.Method, r.URL.Path, err))
			http.Error(w, "contract: cannot read the request body", http.StatusBadRequest)
			return
		}
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		ex := v.checkRequest(r, body)
		if ex == nil {
			next.ServeHTTP(w, r)
			return
		}

		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		resp := rec.Result()
		respBody := rec.Body.Bytes()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(respBody) // the client went away; nothing to do
		v.checkResponse(r.Context(), ex, resp.StatusCode, resp.Header, respBody, report)
	})
}
