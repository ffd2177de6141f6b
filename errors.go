package warehousesync

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// Sentinel errors. An *APIError matches them with errors.Is according to its status code, so callers
// can test for a kind of failure without looking at numbers:
//
//	if errors.Is(err, warehousesync.ErrNotFound) { ... }
var (
	// ErrBadRequest matches a 400: an invalid request or a resource in an unprocessable state.
	ErrBadRequest = errors.New("bad request")
	// ErrUnauthorized matches a 401: a missing, invalid or expired token, or bad client credentials.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden matches a 403.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound matches a 404: the connection, data model, pipeline or run does not exist.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited matches a 429; APIError.RetryAfter and APIError.RateLimitScope say more.
	ErrRateLimited = errors.New("rate limited")
	// ErrWarehouseUnreachable matches a 505, which this API uses for "failed to connect to the
	// warehouse account" (check the connection's credentials and location).
	ErrWarehouseUnreachable = errors.New("warehouse unreachable")
	// ErrServer matches any 5xx except 505.
	ErrServer = errors.New("server error")
	// ErrPipelineBusy matches the 400 that Pipelines.Trigger gets while the pipeline already has a run
	// in progress ("Pipeline <id> is already in progress.").
	ErrPipelineBusy = errors.New("pipeline is already in progress")
	// ErrAlreadyExists matches the 400 that a Create gets when a resource with the same id exists
	// ("Connection 'sf' already exists."), and the error of a Create whose retry found a different
	// resource under its id.
	ErrAlreadyExists = errors.New("already exists")
	// ErrOutcomeUnknown matches the error of a POST (a Create or Pipelines.Trigger) that may have taken
	// effect although no answer said so: an attempt ended in a network error after the request may
	// have been sent, or in a 5xx other than 505. errors.As still finds the *APIError, when there is
	// one. A trigger with this error may have started a run (look with Runs.List or Pipelines.Report
	// before triggering again); a Create reconciles by itself where it can (see ConnectionsService.Create).
	ErrOutcomeUnknown = errors.New("outcome unknown: the request may have taken effect")
	// ErrNoCredentials is the error of NewClient without WithClientCredentials, WithBearerToken or
	// WithTokenSource.
	ErrNoCredentials = errors.New("no credentials: use WithClientCredentials, WithBearerToken or WithTokenSource")
	// ErrResponseTooLarge matches a successful answer whose body exceeds the client's limit (see
	// WithMaxResponseBody); the call fails without reading the rest.
	ErrResponseTooLarge = errors.New("response body too large")
)

// maxErrorBody bounds how much of an error response is read and kept in APIError.Body.
const maxErrorBody = 64 << 10

// maxMessage bounds a message taken from a body that is not JSON (an HTML error page, say).
const maxMessage = 1 << 10

// warehouseUnreachableText is the reason phrase of the API's 505, which means that the warehouse could
// not be reached (not that the HTTP version is unsupported).
const warehouseUnreachableText = "Warehouse Unreachable"

// existsMessage is the text of the 400 that a Create gets for an id that is taken.
const existsMessage = "already exists"

// busyMessage is the text of the 400 that a trigger gets while a run is in progress.
const busyMessage = "is already in progress"

// APIError is the error of every call that got a response outside 2xx. Its Error text is stable:
//
//	PUT /connections/sf: 400 Bad Request: config.password is required
//
// Use errors.Is with the sentinel errors (ErrNotFound, ErrRateLimited, …) to test for a kind of
// failure, or errors.As to read the fields.
type APIError struct {
	// StatusCode is the HTTP status code, for example 400.
	StatusCode int
	// Status is the status line without the protocol, for example "400 Bad Request".
	Status string
	// Method is the HTTP method of the request.
	Method string
	// URL is the request URL without query string and user info.
	URL string
	// Path is the request path relative to the workspace root, for example "/connections/sf"; for a
	// token request it is the token URL.
	Path string
	// Messages are the errors[].message values of the response, or the trimmed body text when the body
	// is not the API's JSON error envelope. Text a server returns about a request that carried a
	// credential (the client secret, an access token) is shown only when it provably holds no part of
	// one: a message (or reason phrase) that shares a run of 6 or more characters with a credential,
	// after undoing percent, backslash and HTML escapes and ignoring case, separators and the split
	// into messages, withholds all of them (and the body): Messages is then one note saying so.
	Messages []string
	// RetryAfter is the wait the server asked for with Retry-After (0 when absent).
	RetryAfter time.Duration
	// RateLimitScope is the X-mp-rate-limit-exceeded header of a 429 when it is one of the documented
	// scopes: org, account, app, feed, workspace or acceleration (in lower case); any other value is
	// withheld and RateLimitScope is empty.
	RateLimitScope string
	// Body is the raw response body, at most 64 KiB; nil when the body shares text with a credential
	// the request carried (see Messages).
	Body []byte
}

// Error formats e as "<method> <path>: <status>: <messages>".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(e.Status)
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	return b.String()
}

// Is reports whether e is of the kind of the sentinel target (ErrNotFound, ErrServer, …).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrWarehouseUnreachable:
		return e.StatusCode == http.StatusHTTPVersionNotSupported
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599 && e.StatusCode != http.StatusHTTPVersionNotSupported
	case ErrPipelineBusy:
		return e.says(busyMessage)
	case ErrAlreadyExists:
		return e.says(existsMessage)
	}
	return false
}

// says reports whether e is a 400 with a message containing text.
func (e *APIError) says(text string) bool {
	if e.StatusCode != http.StatusBadRequest {
		return false
	}
	for _, m := range e.Messages {
		if strings.Contains(m, text) {
			return true
		}
	}
	return false
}

// outcomeUnknownError is the error of a POST that may have taken effect; it wraps the *APIError or the
// network error of its last attempt.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (outcome unknown: the request may have taken effect)"
}

// Is matches ErrOutcomeUnknown.
func (e *outcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the error of the last attempt.
func (e *outcomeUnknownError) Unwrap() error { return e.err }

// errorEnvelope is the body of an error response: the API's {"statusCode", "errors": [{"message"}]},
// plus the shapes of other services and of the token endpoint.
type errorEnvelope struct {
	Errors           []ErrorDetail `json:"errors"`
	Message          string        `json:"message"`
	Error            string        `json:"error"`
	ErrorDescription string        `json:"error_description"`
}

// messages returns what the envelope says, most specific shape first.
func (env *errorEnvelope) messages() []string {
	var out []string
	for _, e := range env.Errors {
		if e.Message != "" {
			out = append(out, e.Message)
		}
	}
	switch {
	case len(out) > 0:
	case env.Message != "":
		out = []string{env.Message}
	case env.Error != "" && env.ErrorDescription != "":
		out = []string{env.Error + ": " + env.ErrorDescription}
	case env.Error != "" || env.ErrorDescription != "":
		out = []string{env.Error + env.ErrorDescription}
	}
	return out
}

// maxErrorRead is how much of an error body is read: the kept 64 KiB and a margin, so that a secret
// straddling the cut is seen whole by the guard.
const maxErrorRead = maxErrorBody + 4<<10

// rateLimitScope returns the scope an X-mp-rate-limit-exceeded value names, in lower case, when it is
// one of the documented ones (org, account, app, feed, workspace, acceleration); else "".
func rateLimitScope(v string) string {
	switch v = strings.ToLower(strings.TrimSpace(v)); v {
	case "org", "account", "app", "feed", "workspace", "acceleration":
		return v
	}
	return ""
}

// newAPIError reads (a bounded part of) resp's body and decodes it into an *APIError. method, urlText
// and path describe the request; the body is left for the caller to close. g guards the secrets the
// request carried: the server's text (reason phrase, messages, body) is kept only when g finds it
// clean, each piece alone and all of them together; a piece that is not is withheld, and then the body
// too. The rate-limit scope is kept only when it is one of the documented values.
func newAPIError(resp *http.Response, method, urlText, path string, now time.Time, g *secretGuard) *APIError {
	read, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorRead))
	body := read[:min(len(read), maxErrorBody)]
	e := &APIError{
		StatusCode:     resp.StatusCode,
		Status:         statusLine(resp),
		Method:         method,
		URL:            urlText,
		Path:           path,
		RateLimitScope: rateLimitScope(resp.Header.Get("X-mp-rate-limit-exceeded")),
		Body:           body,
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	var env errorEnvelope
	if err := json.Unmarshal(body, &env); err == nil {
		e.Messages = env.messages()
	} else if text := strings.TrimSpace(string(body)); text != "" {
		if len(text) > maxMessage {
			text = strings.ToValidUTF8(text[:maxMessage], "") + "…"
		}
		e.Messages = []string{text}
	}
	for i, m := range e.Messages {
		e.Messages[i] = printable(m)
	}
	if g.empty() {
		return e
	}
	reason := strings.TrimSpace(strings.TrimPrefix(e.Status, strconv.Itoa(resp.StatusCode)))
	// Each text alone, all of them together, and the text Error shows, in which the reason phrase
	// stands next to the messages (a secret split between the two shows there).
	if g.cleanAll(append([]string{reason, string(read)}, e.Messages...)...) && g.clean(e.Error()) {
		return e
	}
	// Something the server said shares text with a secret: keep the reason phrase when it is clean
	// alone and beside the note, and withhold the messages and the body, which hold the rest.
	e.Body = nil
	e.Messages = []string{withheldText}
	if !g.clean(reason) || !g.clean(e.Error()) {
		e.Status = strings.TrimSpace(strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode))
	}
	return e
}

// maxReason bounds the length of a reason phrase that is shown.
const maxReason = 64

// printable returns s with every character that is not printable (control characters such as a
// newline or an escape, format characters such as a right-to-left override, invalid UTF-8) written as
// a Go escape (\u001b, \u202e, \ufffd), so that a server's text cannot forge lines or terminal output
// where an error is printed, and still shows what it held.
func printable(s string) string {
	if strings.IndexFunc(s, unprintable) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unprintable(r):
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// unprintable reports whether printable writes r as an escape: a character that is not printable, or
// the replacement character (which is also what an invalid UTF-8 byte reads as).
func unprintable(r rune) bool { return r == utf8.RuneError || !unicode.IsPrint(r) }

// statusLine returns "400 Bad Request" whatever the server put after the code: the server's reason
// phrase when it is at most maxReason bytes of printable text, else Go's text for the code. A 505 with
// HTTP's standard text reads "505 Warehouse Unreachable", the API's meaning of that code.
func statusLine(resp *http.Response) string {
	code := strconv.Itoa(resp.StatusCode)
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(resp.Status), code))
	if resp.StatusCode == http.StatusHTTPVersionNotSupported && (text == "" || text == http.StatusText(resp.StatusCode)) {
		text = warehouseUnreachableText // the API's meaning of 505, not HTTP's
	}
	if text == "" || len(text) > maxReason || printable(text) != text {
		text = http.StatusText(resp.StatusCode) // a server's own phrase only when short and printable
	}
	if text == "" {
		return code
	}
	return code + " " + text
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date (relative to now). A date
// in the past gives 0.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// maxRetryAfter keeps absurd Retry-After values from overflowing a time.Duration.
const maxRetryAfter = 24 * time.Hour

// ValidationError is a client-side check that failed before any request was sent, such as an empty or
// malformed ID.
type ValidationError struct {
	// Field names what was checked, for example "pipelineID" or "connection.ID".
	Field string
	// Value is the rejected value (never a secret: only IDs and options are checked).
	Value string
	// Rule says what the value must be, for example "must not be empty".
	Rule string
}

// Error formats e as `pipelineID "a/b" must contain only letters, digits, _ and -`.
func (e *ValidationError) Error() string {
	if e.Value == "" {
		return e.Field + " " + e.Rule
	}
	return fmt.Sprintf("%s %q %s", e.Field, e.Value, e.Rule)
}

// validateID checks that id is a slug: 1 to 128 letters, digits, _ or -.
func validateID(field, id string) error {
	switch wire.CheckSlug(id) {
	case wire.SlugEmpty:
		return &ValidationError{Field: field, Rule: "must not be empty"}
	case wire.SlugTooLong:
		return &ValidationError{Field: field, Value: id[:wire.MaxIDLength] + "…",
			Rule: "must be at most " + strconv.Itoa(wire.MaxIDLength) + " characters"}
	case wire.SlugBadChars:
		return &ValidationError{Field: field, Value: id, Rule: "must contain only letters, digits, _ and -"}
	}
	return nil
}

// identified is a request body that names its resource: a *Connection, *DataModel or *Pipeline.
type identified interface {
	identity() (id string, ok bool)
}

// validateBody checks that a resource sent in a request is not nil and has a valid ID.
func validateBody(field string, r identified) error {
	id, ok := r.identity()
	if !ok {
		return &ValidationError{Field: field, Rule: "must not be nil"}
	}
	return validateID(field+".ID", id)
}

// validateRunID checks that a run ID is positive.
func validateRunID(id int64) error {
	if id <= 0 {
		return &ValidationError{Field: "runID", Value: strconv.FormatInt(id, 10), Rule: "must be positive"}
	}
	return nil
}
