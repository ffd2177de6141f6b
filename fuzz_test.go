package warehousesync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	ws "github.com/wsync-dev/warehousesync"
)

// Fuzz targets of the client. `go test` runs their seeds (the f.Add calls and testdata/fuzz/<name>) as
// ordinary tests; `go test -run '^$' -fuzz '^FuzzParseTimestamp$' -fuzztime 60s` looks for more.

// fuzzTimestampSeeds are the shapes the API sends, and shapes it must reject.
var fuzzTimestampSeeds = []string{
	"2023-10-24T19:59:30.828Z", "2023-10-24T21:59:30+02:00", "2023-02-03T23:53:08.413",
	"2022-12-09T22:00:06.98", "2022-12-09T22:00:06.123456789-05:00", "2022-10-30T11:00:16Z",
	"2023-03-01T:12:00:00Z", "", "null", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
	"2023-02-30T00:00:00Z", "2023-10-24T19:59:30.828+23:59",
}

// TestFuzzFoundTimestampsOutsideTheWritableYears: instants before 0000 or after 9999 in UTC were accepted
// but written in a form that ParseTimestamp rejects (found by FuzzDecodeResponses).
func TestFuzzFoundTimestampsOutsideTheWritableYears(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-00:01", "0000-01-01T00:00:00.000"} {
		_, err := ws.ParseTimestamp(s)
		if s == "0000-01-01T00:00:00.000" {
			if err != nil {
				t.Errorf("ParseTimestamp(%q): %v; year 0000 is writable", s, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "0000 to 9999") {
			t.Errorf("ParseTimestamp(%q) = %v, want an error naming the range", s, err)
		}
	}
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range fuzzTimestampSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ws.ParseTimestamp(s)
		if err != nil {
			if !ts.IsZero() {
				t.Fatalf("ParseTimestamp(%q) failed but returned %v", s, ts)
			}
			return
		}
		if ts.IsZero() {
			// 0001-01-01T00:00:00Z is the zero time, which a Timestamp uses for null: it is written as
			// "" and null, and both read back as the zero Timestamp.
			if b, err := json.Marshal(ts); ts.String() != "" || err != nil || string(b) != "null" {
				t.Fatalf("ParseTimestamp(%q) is the zero Timestamp but writes %q, %s, %v", s, ts.String(), b, err)
			}
			return
		}
		if ts.Location() != time.UTC {
			t.Fatalf("ParseTimestamp(%q) is not in UTC: %v", s, ts.Location())
		}
		text := ts.String()
		again, err := ws.ParseTimestamp(text)
		if err != nil {
			t.Fatalf("ParseTimestamp(%q) = %q, which does not parse: %v", s, text, err)
		}
		if again.String() != text {
			t.Fatalf("ParseTimestamp(%q): %q parses back as %q", s, text, again.String())
		}
		if !again.Equal(ts.Truncate(time.Millisecond)) {
			t.Fatalf("ParseTimestamp(%q) = %v; its text %q parses as %v", s, ts.Time, text, again.Time)
		}
		b, err := json.Marshal(ts)
		if err != nil {
			t.Fatalf("marshal %v: %v", ts.Time, err)
		}
		var decoded ws.Timestamp
		if err := json.Unmarshal(b, &decoded); err != nil {
			t.Fatalf("ParseTimestamp(%q) marshals as %s, which does not decode: %v", s, b, err)
		}
		if !decoded.Equal(again.Time) {
			t.Fatalf("ParseTimestamp(%q): JSON %s decodes as %v, want %v", s, b, decoded.Time, again.Time)
		}
	})
}

// fuzzDelaySyntax is the documented syntax of a delay.
var fuzzDelaySyntax = regexp.MustCompile(`^[0-9]+[smhdwy]$`)

func FuzzParseDelay(f *testing.F) {
	for _, s := range []string{"30s", "15m", "2h", "5d", "1w", "1y", "0m", "007m", "100y", "101y", "5218w",
		"1.5h", "-1d", "15 m", "15M", "", "m", "99999999999999999999s", "3155760000s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ws.ParseDelay(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("ParseDelay(%q) failed but returned %v", s, d)
			}
			return
		}
		if !fuzzDelaySyntax.MatchString(s) {
			t.Fatalf("ParseDelay(%q) accepts text outside ^[0-9]+[smhdwy]$", s)
		}
		if d.Duration() < 0 || d.Duration() > 101*365*24*time.Hour {
			t.Fatalf("ParseDelay(%q).Duration() = %v, outside 0 to 100 years", s, d.Duration())
		}
		start := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
		if end := d.AddTo(start); end.Before(start) {
			t.Fatalf("ParseDelay(%q).AddTo(%v) = %v goes backwards", s, start, end)
		}
		text := d.String()
		again, err := ws.ParseDelay(text)
		if err != nil {
			t.Fatalf("ParseDelay(%q) = %q, which does not parse: %v", s, text, err)
		}
		if again != d || again.String() != text {
			t.Fatalf("ParseDelay(%q): %q parses back as %q", s, text, again.String())
		}
		b, err := d.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var decoded ws.Delay
		if err := decoded.UnmarshalText(b); err != nil || decoded != d {
			t.Fatalf("ParseDelay(%q): text %q decodes as %v, %v", s, b, decoded, err)
		}
	})
}

// fuzzResponseTypes returns a fresh value of every type the client decodes responses into.
func fuzzResponseTypes() map[string]any {
	return map[string]any{
		"Connection":      new(ws.Connection),
		"[]*Connection":   new([]*ws.Connection),
		"DataModel":       new(ws.DataModel),
		"[]*DataModel":    new([]*ws.DataModel),
		"Pipeline":        new(ws.Pipeline),
		"[]*Pipeline":     new([]*ws.Pipeline),
		"Run":             new(ws.Run),
		"RunPage":         new(ws.RunPage),
		"Report":          new(ws.Report),
		"TriggerResponse": new(ws.TriggerResponse),
	}
}

// fuzzAddReferenceSeeds adds the API reference's example responses as seeds.
func fuzzAddReferenceSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "reference", "*-response*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("reference responses: %v (%d files)", err, len(files))
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDecodeResponses decodes arbitrary bytes into every response type: an error or a value, never a
// panic; and a value that decodes encodes, decodes again and encodes to the same bytes.
func FuzzDecodeResponses(f *testing.F) {
	fuzzAddReferenceSeeds(f)
	for _, s := range []string{`{}`, `[]`, `null`, `[null]`, `{"config":null,"service_provider":"Oracle"}`,
		`{"service_provider":"Snowflake","config":{"password":{}}}`, `{"id":"1e3","successful_records":"12"}`,
		`{"items":[{"id":1,"logical_date":"2023-02-03T23:53:08.413"}],"current_page":1}`,
		`{"latest_pipeline_run":null,"latest_successful_pipeline_run_id":"7"}`,
		`{"pipeline_run_id":"9223372036854775808"}`, `{"schedule":{"delay":"5 days"}}`,
		`{"partner_feed_id":1.5}`, `{"created_on":"0000-01-01T00:00:00+01:00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, v := range fuzzResponseTypes() {
			if json.Unmarshal(data, v) != nil {
				continue
			}
			first, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s decoded from %q does not encode: %v", name, data, err)
			}
			again := fuzzResponseTypes()[name]
			if err := json.Unmarshal(first, again); err != nil {
				t.Fatalf("%s decoded from %q encodes as %s, which does not decode: %v", name, data, first, err)
			}
			second, err := json.Marshal(again)
			if err != nil {
				t.Fatalf("%s: re-encoding %s: %v", name, first, err)
			}
			if !bytes.Equal(first, second) {
				t.Fatalf("%s decoded from %q encodes as\n%s\nbut that decodes and encodes as\n%s", name, data, first, second)
			}
		}
	})
}

// fuzzTransport answers every request with one response, made fresh for each attempt.
type fuzzTransport struct {
	status      int
	reason      string // the status line's text (default "fuzz")
	retryAfter  string
	contentType string
	header      http.Header // more header fields
	body        []byte
}

// fuzzTransportError is a header of fuzzTransport.header that makes it fail with the header's value as
// the error's text instead of answering.
const fuzzTransportError = "X-Fuzz-Transport-Error"

func (ft *fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	if v := ft.header.Get(fuzzTransportError); v != "" {
		return nil, errors.New(v)
	}
	h := ft.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if ft.retryAfter != "" {
		h.Set("Retry-After", ft.retryAfter)
	}
	if ft.contentType != "" {
		h.Set("Content-Type", ft.contentType)
	}
	reason := ft.reason
	if reason == "" {
		reason = "fuzz"
	}
	return &http.Response{StatusCode: ft.status, Status: strconv.Itoa(ft.status) + " " + reason, Header: h,
		Body: io.NopCloser(bytes.NewReader(ft.body)), ContentLength: int64(len(ft.body)), Request: r}, nil
}

// fuzzSecret is the client secret of the token fuzz target: it must never show in an error.
const fuzzSecret = "fuzz-client-secret-4711"

// FuzzAPIErrors sends every kind of call to a server that answers with an arbitrary status, Retry-After
// and body: the call never panics; a 2xx is a success or a decoding error, anything else an *APIError
// with that status, the messages of the body, the right sentinel, and a bounded body.
func FuzzAPIErrors(f *testing.F) {
	f.Add(400, "", "application/json", []byte(`{"statusCode":400,"errors":[{"message":"name is required"}]}`), uint8(0))
	f.Add(400, "", "application/json", []byte(`{"statusCode":400,"errors":[{"message":"Pipeline p is already in progress."}]}`), uint8(0))
	f.Add(404, "", "application/json", []byte(`{"statusCode":404,"errors":[{"message":"Pipeline 'p' not found."}]}`), uint8(0))
	f.Add(429, "2", "application/json", []byte(`{"errors":[{"message":"slow down"}]}`), uint8(0))
	f.Add(429, "Wed, 21 Oct 2015 07:28:00 GMT", "", []byte(`rate limited`), uint8(0))
	f.Add(429, "99999999999999999999", "", []byte(``), uint8(0))
	f.Add(401, "", "application/json", []byte(`{"error":"access_denied","error_description":"Unauthorized"}`), uint8(0))
	f.Add(500, "-1", "text/html", []byte(`<html><body>Internal error</body></html>`), uint8(0))
	f.Add(505, "", "application/json", []byte(`{"message":"Failed to connect to the warehouse account."}`), uint8(0))
	f.Add(200, "", "application/json", []byte(`{"id":"p","name":"P"}`), uint8(0))
	f.Add(200, "", "application/json", []byte(`not json`), uint8(0))
	f.Add(204, "", "", []byte(``), uint8(0))
	f.Add(302, "", "", []byte(`moved`), uint8(0))
	f.Add(418, "", "application/json", []byte(`{"errors":[{"message":""},{"code":"x"}],"message":"m"}`), uint8(0))
	f.Add(503, "", "text/plain", bytes.Repeat([]byte("\xff"), 3000), uint8(0))
	f.Add(403, "", "application/json", []byte(`{"errors":[{"message":"token `), uint8(1))
	f.Add(429, "1", "", []byte(``), uint8(5))
	f.Add(400, "", "", []byte(`x`), uint8(6))
	f.Add(401, "", "", []byte(`{"message":"\\`), uint8(7))
	f.Add(400, "", "", []byte(`Bearer `), uint8(8))
	f.Fuzz(func(t *testing.T, status int, retryAfter, contentType string, body []byte, echo uint8) {
		status = 100 + (status%500+500)%500 // 100 to 599
		if strings.ContainsAny(retryAfter+contentType, "\r\n\x00") {
			return // not a header value a server can send
		}
		ft := &fuzzTransport{status: status, retryAfter: retryAfter, contentType: contentType}
		ft.body, ft.header, ft.reason = fuzzEcho(echo, fuzzToken, body)
		body = ft.body
		c, err := ws.NewClient("ws-1", ws.WithBaseURL("http://fuzz.invalid"), ws.WithBearerToken(fuzzToken),
			ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}), ws.WithHTTPClient(&http.Client{Transport: ft}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		calls := map[string]func() error{
			"GET /connections/c":  func() error { _, err := c.Connections.Get(ctx, "c"); return err },
			"GET /connections":    func() error { _, err := c.Connections.List(ctx, nil); return err },
			"GET /data-models/m":  func() error { _, err := c.DataModels.Get(ctx, "m"); return err },
			"GET pipelines":       func() error { _, err := c.Pipelines.List(ctx, nil); return err },
			"GET pipeline":        func() error { _, err := c.Pipelines.Get(ctx, "p"); return err },
			"GET report":          func() error { _, err := c.Pipelines.Report(ctx, "p"); return err },
			"GET runs":            func() error { _, err := c.Runs.List(ctx, "p", nil); return err },
			"GET run":             func() error { _, err := c.Runs.Get(ctx, "p", 1); return err },
			"POST trigger":        func() error { _, err := c.Pipelines.Trigger(ctx, "p"); return err },
			"DELETE /data-models": func() error { return c.DataModels.Delete(ctx, "m") },
		}
		for name, call := range calls {
			err := call()
			if ft.header.Get(fuzzTransportError) == "" {
				fuzzCheckAnswer(t, name, status, body, err, strings.HasPrefix(name, "DELETE"))
			}
			fuzzCheckHidden(t, name, err, fuzzToken)
		}
	})
}

// fuzzCheckAnswer checks the outcome of one call that got status and body.
func fuzzCheckAnswer(t *testing.T, name string, status int, body []byte, err error, ignoresBody bool) {
	t.Helper()
	var apiErr *ws.APIError
	isAPIErr := errors.As(err, &apiErr)
	switch status {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
		if isAPIErr {
			t.Fatalf("%s: a %d is not an API error: %v", name, status, err)
		}
		if err == nil {
			return
		}
		decodeErr := strings.Contains(err.Error(), ": decoding response: ") || errors.Is(err, ws.ErrIncompleteResponse)
		if ignoresBody || status == http.StatusNoContent || !decodeErr {
			t.Fatalf("%s: a %d answer must succeed, fail to decode or lack its result: %v", name, status, err)
		}
		return
	}
	if !isAPIErr {
		t.Fatalf("%s: a %d must be an *APIError, got %v", name, status, err)
	}
	if apiErr.StatusCode != status {
		t.Fatalf("%s: StatusCode %d, want %d", name, apiErr.StatusCode, status)
	}
	if !strings.HasPrefix(apiErr.Status, strconv.Itoa(status)) {
		t.Fatalf("%s: Status %q does not start with %d", name, apiErr.Status, status)
	}
	if text := err.Error(); text == "" || !strings.HasPrefix(text, apiErr.Method+" /") {
		t.Fatalf("%s: error text %q", name, text)
	}
	if len(apiErr.Body) > 64<<10 || !bytes.HasPrefix(body, apiErr.Body) {
		t.Fatalf("%s: Body is not a prefix of at most 64 KiB of the body (%d bytes)", name, len(apiErr.Body))
	}
	for _, m := range apiErr.Messages {
		if m == "" {
			t.Fatalf("%s: an empty message in %q", name, apiErr.Messages)
		}
		if len(body) <= 64<<10 && !json.Valid(body) && len(m) > 1<<10+len("…") {
			t.Fatalf("%s: a message of %d bytes from a body that is not JSON", name, len(m))
		}
	}
	if apiErr.RetryAfter < 0 || apiErr.RetryAfter > 24*time.Hour {
		t.Fatalf("%s: RetryAfter %v", name, apiErr.RetryAfter)
	}
	sentinels := map[error]bool{
		ws.ErrBadRequest:           status == 400,
		ws.ErrUnauthorized:         status == 401,
		ws.ErrForbidden:            status == 403,
		ws.ErrNotFound:             status == 404,
		ws.ErrRateLimited:          status == 429,
		ws.ErrWarehouseUnreachable: status == 505,
		ws.ErrServer:               status >= 500 && status != 505,
	}
	for sentinel, want := range sentinels {
		if errors.Is(err, sentinel) != want {
			t.Fatalf("%s: errors.Is(%d, %v) = %v", name, status, sentinel, !want)
		}
	}
	if errors.Is(err, ws.ErrPipelineBusy) && status != 400 {
		t.Fatalf("%s: a %d is not ErrPipelineBusy", name, status)
	}
	var env struct {
		Errors []ws.ErrorDetail `json:"errors"`
	}
	if len(body) <= 64<<10 && json.Unmarshal(body, &env) == nil {
		var want []string
		for _, e := range env.Errors {
			if e.Message != "" {
				want = append(want, e.Message)
			}
		}
		for i, m := range want { // shown printable: a control or format character as a Go escape
			var b strings.Builder
			for _, r := range m {
				switch {
				case r != utf8.RuneError && unicode.IsPrint(r):
					b.WriteRune(r)
				case r > 0xFFFF:
					fmt.Fprintf(&b, `\U%08x`, r)
				default:
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			}
			want[i] = b.String()
		}
		withheld := strings.Contains(strings.Join(apiErr.Messages, ""), "withheld")
		if len(want) > 0 && !withheld && strings.Join(want, "\x00") != strings.Join(apiErr.Messages, "\x00") {
			t.Fatalf("%s: Messages %q, want the envelope's %q", name, apiErr.Messages, want)
		}
	}
	if !utf8.ValidString(err.Error()) && utf8.Valid(body) {
		t.Fatalf("%s: error text is not UTF-8 though the body is", name)
	}
}

// FuzzTokenErrors answers the token request of a client-credentials client with an arbitrary status,
// reason phrase and body, which may echo the client secret: the call fails or goes on, never panics,
// and its error never contains the secret. shape builds the bodies that once leaked: the secret in the
// reason phrase, straddling the 1 KiB message cut or the 64 KiB body cut, or JSON-escaped.
func FuzzTokenErrors(f *testing.F) {
	f.Add(401, "", uint16(0), uint8(0), []byte(`{"error":"access_denied","error_description":"Unauthorized"}`))
	f.Add(400, "", uint16(0), uint8(0), []byte(`{"error":"invalid_request","error_description":"bad client_secret `+fuzzSecret+`"}`))
	f.Add(403, "", uint16(0), uint8(0), []byte(`{"errors":[{"message":"`+fuzzSecret+`"}]}`))
	f.Add(500, "", uint16(0), uint8(0), []byte(`<html>`+fuzzSecret+`</html>`))
	f.Add(400, "", uint16(0), uint8(0), []byte(`{"message":"fuzz-client-\u0073ecret-4711"}`))
	f.Add(401, fuzzSecret, uint16(0), uint8(0), []byte(`{}`))
	f.Add(500, "", uint16(5), uint8(1), []byte(`<html>`))
	f.Add(500, "", uint16(7), uint8(2), []byte(`x`))
	f.Add(400, "", uint16(0xffff), uint8(3), []byte(`{"error":"`))
	f.Add(400, "", uint16(3), uint8(4), []byte(`{"error":"`))
	f.Add(200, "", uint16(0), uint8(0), []byte(`{"access_token":"tok","expires_in":"3600","token_type":"Bearer"}`))
	f.Add(200, "", uint16(0), uint8(0), []byte(`{"access_token":""}`))
	f.Add(200, "", uint16(0), uint8(0), []byte(fuzzSecret))
	f.Add(400, "", uint16(0), uint8(128), []byte(`{"message":"`))
	f.Add(400, "", uint16(0), uint8(129), []byte(`<p>`))
	f.Add(400, "", uint16(0), uint8(130), []byte(`{"message":"`))
	f.Add(400, "", uint16(11), uint8(131), []byte(`{"errors":[{"message":"`))
	f.Add(400, "", uint16(0), uint8(132), []byte(`{"message":"`))
	f.Add(200, "", uint16(0), uint8(133), []byte(``))
	f.Add(400, "", uint16(0), uint8(127), []byte(`HTTP/`))
	f.Fuzz(func(t *testing.T, status int, reason string, pad uint16, shape uint8, body []byte) {
		status = 100 + (status%500+500)%500
		if strings.ContainsAny(reason, "\r\n\x00") {
			return // not a reason phrase a server can send
		}
		body = fuzzSecretShape(shape, pad, body)
		token := &fuzzTransport{status: status, reason: reason, body: body}
		if shape == 127 { // a transport error that quotes the server's bytes and the secret
			token.header = http.Header{fuzzTransportError: {fmt.Sprintf("malformed HTTP version %q", string(body)+fuzzSecret)}}
		}
		api := &fuzzTransport{status: http.StatusOK, body: []byte(`{"id":"p"}`)}
		hc := &http.Client{Transport: roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/oauth/token" {
				return token.RoundTrip(r)
			}
			return api.RoundTrip(r)
		})}
		c, err := ws.NewClient("ws-1", ws.WithBaseURL("http://fuzz.invalid"),
			ws.WithTokenURL("http://fuzz.invalid/oauth/token"), ws.WithClientCredentials("fuzz-id", fuzzSecret),
			ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}), ws.WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Pipelines.Get(context.Background(), "p")
		if err == nil {
			return
		}
		fuzzCheckHidden(t, "token request", err, fuzzSecret)
		var apiErr *ws.APIError
		if errors.As(err, &apiErr) {
			if fuzzLeaks(apiErr.Body, len(body) > 64<<10) {
				t.Fatalf("the APIError keeps the client secret: %q %q", apiErr.Body, apiErr.Messages)
			}
			if apiErr.StatusCode != status {
				t.Fatalf("token error status %d, want %d", apiErr.StatusCode, status)
			}
		}
	})
}

// fuzzSecretShape builds a token error body of one of the shapes that once leaked the secret from the
// fuzzer's body. Below 128, shape%5 picks: 1 and 2 put the secret across the 1 KiB message cut or the
// 64 KiB body cut (pad picks the straddling offset), 3 JSON-escapes some of its bytes (pad picks
// which), 4 escapes the secret and puts it across the body cut; 0 is the body as it is; 127 also makes
// the token request fail with a transport error quoting the body and the secret. From 128 on,
// the echoes of fuzzEcho in the body, and (shape-128)%6 == 5 splits the secret across two messages.
func fuzzSecretShape(shape uint8, pad uint16, body []byte) []byte {
	off := int(pad) % len(fuzzSecret)
	if shape >= 128 {
		if (shape-128)%6 == 5 {
			return fmt.Appendf(nil, `{"errors":[{"message":"%s%s"},{"message":"%s"}]}`, body, fuzzSecret[:off], fuzzSecret[off:])
		}
		b, _, _ := fuzzEcho(1+(shape-128)%6, fuzzSecret, body)
		return b
	}
	switch shape % 5 {
	case 1:
		return append(append(bytes.Repeat([]byte("x"), max(0, 1024-off)), fuzzSecret...), body...)
	case 2:
		return append(append(bytes.Repeat([]byte("x"), max(0, 64<<10-off)), fuzzSecret...), body...)
	case 3:
		return append(append(append(body, fuzzEscaped(pad)...), `"`...), `}`...)
	case 4:
		esc := fuzzEscaped(pad)
		return append(append(append([]byte(`{"error":"`), bytes.Repeat([]byte("x"), max(0, 64<<10-10-int(pad)%len(esc)))...), esc...), `"}`...)
	}
	return body
}

// fuzzEscaped is the secret with the bytes whose bit is set in mask (cycling) written as \u00XX.
func fuzzEscaped(mask uint16) []byte {
	var b []byte
	for i := range len(fuzzSecret) {
		if mask&(1<<(i%16)) != 0 {
			b = fmt.Appendf(b, `\u%04x`, fuzzSecret[i])
		} else {
			b = append(b, fuzzSecret[i])
		}
	}
	return b
}

// fuzzLeaks reports whether b holds the fuzz secret, literally or JSON-escaped, or, when b was cut,
// its first half at its end (the start of a secret that the cut left).
func fuzzLeaks(b []byte, cut bool) bool {
	var dec []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+5 < len(b) && b[i+1] == 'u' {
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 8); err == nil {
				dec = append(dec, byte(v))
				i += 5
				continue
			}
		}
		dec = append(dec, b[i])
	}
	return bytes.Contains(dec, []byte(fuzzSecret)) || (cut && bytes.HasSuffix(dec, []byte(fuzzSecret[:12])))
}

// fuzzToken is the access token of FuzzAPIErrors: it must never show in an error.
const fuzzToken = "fuzz-access-token-0815"

// fuzzEcho returns the answer of a server that echoes secret in the way echo picks (echo%8): 0 not at
// all, then appended to body as it is (1), percent-encoded byte by byte (2), as HTML numeric entities
// (3), in upper case (4), with a stray backslash before it (5); in the X-Mp-Rate-Limit-Exceeded header
// (6) or in the reason phrase, case mixed (7).
func fuzzEcho(echo uint8, secret string, body []byte) ([]byte, http.Header, string) {
	body = slices.Clone(body)
	switch echo % 9 {
	case 1:
		return append(body, secret...), nil, ""
	case 2:
		for i := range len(secret) {
			body = fmt.Appendf(body, "%%%02X", secret[i])
		}
		return body, nil, ""
	case 3:
		for i := range len(secret) {
			body = fmt.Appendf(body, "&#%d;", secret[i])
		}
		return body, nil, ""
	case 4:
		return append(body, strings.ToUpper(secret)...), nil, ""
	case 5:
		return append(append(body, '\\'), secret...), nil, ""
	case 6:
		return body, http.Header{"X-Mp-Rate-Limit-Exceeded": {secret}}, ""
	case 7:
		return body, nil, strings.ToUpper(secret[:len(secret)/2]) + secret[len(secret)/2:]
	case 8: // a transport error that quotes what the server sent (net/http's "malformed MIME header")
		return body, http.Header{fuzzTransportError: {fmt.Sprintf("malformed MIME header line: %q", string(body)+secret)}}, ""
	}
	return body, nil, ""
}

// fuzzPercent and fuzzUnicode match a percent escape and a \u escape.
var (
	fuzzPercent = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)
	fuzzUnicode = regexp.MustCompile(`\\u[0-9A-Fa-f]{4}`)
)

// fuzzViews returns the ways a reader may read text: as it is, and with HTML entities, percent and \u
// escapes undone (again and again), and backslashes dropped; each in lower case, and each reduced to
// its letters and digits.
func fuzzViews(text string) []string {
	views := []string{text}
	for range 4 {
		text = html.UnescapeString(text)
		text = fuzzPercent.ReplaceAllStringFunc(text, func(m string) string {
			v, _ := strconv.ParseUint(m[1:], 16, 8)
			return string([]byte{byte(v)})
		})
		text = fuzzUnicode.ReplaceAllStringFunc(text, func(m string) string {
			v, _ := strconv.ParseUint(m[2:], 16, 16)
			return string(rune(v))
		})
		views = append(views, text, strings.ReplaceAll(text, `\`, ""))
	}
	var out []string
	for _, v := range views {
		v = strings.ToLower(v)
		out = append(out, v, strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, v))
	}
	return out
}

// fuzzCheckHidden fails when anything err shows (its text, %+v, the fields of its *APIError) holds a
// run of 6 characters of secret in any view of fuzzViews.
func fuzzCheckHidden(t *testing.T, name string, err error, secret string) {
	t.Helper()
	if err == nil {
		return
	}
	texts := []string{err.Error(), fmt.Sprintf("%+v", err)}
	var apiErr *ws.APIError
	if errors.As(err, &apiErr) {
		texts = append(texts, apiErr.Status, apiErr.RateLimitScope, string(apiErr.Body), strings.Join(apiErr.Messages, ""))
	}
	low := strings.ToLower(secret)
	var runs []string
	for _, form := range []string{low, strings.ReplaceAll(low, "-", "")} {
		for i := 0; i+6 <= len(form); i++ {
			runs = append(runs, form[i:i+6])
		}
	}
	for _, text := range texts {
		for _, v := range fuzzViews(text) {
			for _, run := range runs {
				if strings.Contains(v, run) {
					t.Fatalf("%s: the error shows %q of the secret: %q", name, run, text)
				}
			}
		}
	}
}

// roundTripperFunc is a RoundTripper made of a function.
type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
