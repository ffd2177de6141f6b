// Package contract holds the client and the fake server to the OpenAPI description in package api.
//
// It is for tests. NewRoundTripper wraps the client's transport and Middleware wraps the fake's handler;
// both check every request and every response against the description and report each mismatch, naming
// the method, the path and the schema error, through a function that tests set to t.Errorf or the like.
// Traffic passes through unchanged.
//
// The rules, the same on both sides:
//   - A request under a described server path (/platform/v2/workspaces/) that matches no operation is
//     reported. Requests outside the described API, such as the fake's /_fake/… admin routes, pass
//     unchecked.
//   - A request that does not match its operation is reported unless the server refused it as it should:
//     with 401 when the bearer token is missing, with 400, 403, 404, 413 or 415 for any other mismatch (the status
//     must still be one the operation lists). A test may send a bad request on purpose to see the fake
//     reject it; if the fake accepts it instead, that is reported.
//   - Every response to a described operation is checked: its status must be one the operation lists, and
//     its headers and body must match.
//
// Reports never contain the values that were checked, only where and which rule failed, so secrets in
// connection configs and tokens stay out of test logs.
package contract
