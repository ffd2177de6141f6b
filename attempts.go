package warehousesync

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Attempt describes one HTTP attempt of a call, as the attempt hook (WithAttemptHook) receives it:
// every attempt of every call, retries, resends after a 401 and token requests included. It holds no
// id of a resource and no secret, so it can name spans and label metrics as it is.
type Attempt struct {
	// Operation is the client method the attempt belongs to, for example "Pipelines.Trigger", or
	// "Auth.Token" for a token request of WithClientCredentials.
	Operation string
	// Method is the HTTP method, for example "POST".
	Method string
	// Route is the path template of the request, relative to the workspace root, for example
	// "/inputs/data-pipelines/{pipelineId}/runs"; for a token request it is the token URL's path.
	Route string
	// Attempt is the 1-based number of the attempt within its call (or token request).
	Attempt int
	// StatusCode is the response's status code; 0 when the attempt got no response.
	StatusCode int
	// Err is the attempt's network error (a refused connection, a timeout, a refused redirect);
	// nil when a response came, whatever its status.
	Err error
	// Duration is how long the attempt took, from sending the request to its response's headers or
	// its error.
	Duration time.Duration
	// RequestID is the response's request id header (X-Request-Id, X-Amzn-RequestId or
	// X-Correlation-Id), when it has one made of letters, digits and -_.: that shares nothing with a
	// credential the request carried; otherwise empty.
	RequestID string
	// Retry says whether another attempt follows: the failure is one the retry policy retries and
	// retries are left. A resend after a 401 is not a retry: it shows as the next attempt.
	Retry bool
	// RetryWait is the wait before the next attempt (Retry-After or the back-off); 0 without Retry.
	RetryWait time.Duration
	// RetryReason says why the next attempt follows: the status line ("503 Service Unavailable"),
	// "connection refused", "attempt timed out" or "network error"; empty without Retry.
	RetryReason string
}

// WithAttemptHook calls hook after every HTTP attempt of every call, token requests included, with
// the context of the call and what happened (see Attempt); for an attempt that is retried, before the
// wait. A token request, which concurrent calls share, runs on a goroutine and a context of its own, and
// its attempts are reported there. It is the place where tracing, metrics and logging plug in. hook
// delays the request while it runs, may be called by many goroutines at once, and must not keep the
// context beyond its return. Giving it twice keeps the last.
func WithAttemptHook(hook func(context.Context, Attempt)) Option {
	return func(s *settings) { s.hook = hook }
}

// maxRequestID bounds the length of a request id that is shown.
const maxRequestID = 128

// requestID returns the request id header of resp when it is made of letters, digits and -_.: only,
// at most maxRequestID long, and the guard that guard builds finds it clean; else "".
func requestID(resp *http.Response, guard func() *secretGuard) string {
	if resp == nil {
		return ""
	}
	for _, h := range [...]string{"X-Request-Id", "X-Amzn-Requestid", "X-Correlation-Id"} {
		v := resp.Header.Get(h)
		if v == "" {
			continue
		}
		if len(v) > maxRequestID {
			return ""
		}
		for _, r := range v {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
				return ""
			}
		}
		if !guard().clean(v) {
			return ""
		}
		return v
	}
	return ""
}

// logError is the text of an attempt's error for the log: without the request URL that *url.Error
// quotes (the log has the path; the query string is never logged).
func logError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// report hands the attempt a, which ended with resp or err, to the attempt hook and logs it at debug
// level: once per attempt, with the operation, method, path, attempt number, duration, status or
// error, request id, and when it is retried the wait and the reason.
func (c *Client) report(a *attempt, resp *http.Response, err error, retry bool, wait time.Duration) {
	if c.hook == nil && c.logger == nil {
		return
	}
	at := Attempt{
		Operation: a.route.op,
		Method:    a.method,
		Route:     a.route.template,
		Attempt:   a.n,
		Err:       safeTransportError(err, func() *secretGuard { return c.guard(a) }),
		Duration:  time.Since(a.start),
		Retry:     retry,
	}
	if resp != nil {
		at.StatusCode = resp.StatusCode
		at.RequestID = requestID(resp, func() *secretGuard { return c.guard(a) })
	}
	if retry {
		at.RetryWait, at.RetryReason = wait, retryReason(resp, err)
	}
	if c.hook != nil {
		c.hook(a.Context, at)
	}
	if c.logger == nil || !c.logger.Enabled(a.Context, slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("operation", at.Operation),
		slog.String("method", at.Method),
		slog.String("path", a.apiPath()),
		slog.Int("attempt", at.Attempt),
		slog.Duration("duration", at.Duration))
	if at.Err != nil {
		attrs = append(attrs, slog.String("error", logError(at.Err)))
	} else {
		attrs = append(attrs, slog.Int("status", at.StatusCode))
	}
	if at.RequestID != "" {
		attrs = append(attrs, slog.String("request_id", at.RequestID))
	}
	if retry {
		attrs = append(attrs, slog.Duration("retry_in", wait), slog.String("retry_reason", at.RetryReason))
	}
	c.logger.LogAttrs(a.Context, slog.LevelDebug, "warehousesync request", attrs...)
}
