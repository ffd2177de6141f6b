package warehousesync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy says how often and how patiently a failed request is retried.
//
// GET, PUT and DELETE are retried after network errors and after 429, 500, 502, 503 and 504. A Create
// is retried after the same failures, because a retry that finds the resource already there is
// reconciled (see ErrOutcomeUnknown). Pipelines.Trigger is retried only when the request surely had no
// effect: after 429 and "connection refused"; the API has no idempotency keys, so a retried trigger
// could start a second run. Nothing retries 400, 401, 403, 404 or 505. Token requests are retried like
// GET.
//
// Waits grow exponentially from MinWait, with up to 50% random jitter, and never exceed MaxWait: the
// cap holds for every wait, including one asked for by Retry-After. Waiting stops as soon as the
// request's context is done.
//
// A zero field takes its default, so RetryPolicy{} is DefaultRetryPolicy() and RetryPolicy{MaxWait:
// time.Second} is the default policy with waits capped at a second (MinWait then defaults to the
// smaller of 500 ms and MaxWait). RetryPolicy{Disabled: true} turns retries off. NewClient refuses
// negative values and a MinWait above MaxWait, naming the field.
type RetryPolicy struct {
	// MaxRetries is how many times a request is retried after its first attempt (0: 4).
	MaxRetries int
	// MinWait is the wait before the first retry (0: 500 ms, or MaxWait when that is smaller).
	MinWait time.Duration
	// MaxWait caps every wait, including one asked for by Retry-After (0: 30 s).
	MaxWait time.Duration
	// Disabled turns retries off: every request is sent once. The other fields must then be zero.
	Disabled bool
}

// The defaults of DefaultRetryPolicy.
const (
	defaultMaxRetries = 4
	defaultMinWait    = 500 * time.Millisecond
	defaultMaxWait    = 30 * time.Second
)

// DefaultRetryPolicy is the policy a Client uses unless WithRetryPolicy says otherwise: 4 retries,
// waits from 500 ms to 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: defaultMaxRetries, MinWait: defaultMinWait, MaxWait: defaultMaxWait}
}

// validate checks p field by field; the error names the field and the rule.
func (p RetryPolicy) validate() error {
	field := func(name, rule string, v any) error {
		return &ValidationError{Field: "RetryPolicy." + name, Value: fmt.Sprint(v), Rule: rule}
	}
	switch {
	case p.MaxRetries < 0:
		return field("MaxRetries", "must not be negative (use Disabled to turn retries off)", p.MaxRetries)
	case p.MinWait < 0:
		return field("MinWait", "must not be negative", p.MinWait)
	case p.MaxWait < 0:
		return field("MaxWait", "must not be negative", p.MaxWait)
	case p.Disabled && (p.MaxRetries != 0 || p.MinWait != 0 || p.MaxWait != 0):
		return &ValidationError{Field: "RetryPolicy", Rule: "must set no other field when Disabled is true"}
	}
	if n := p.normalized(); n.MinWait > n.MaxWait {
		rule := "must not exceed MaxWait " + n.MaxWait.String()
		if p.MaxWait == 0 {
			rule += " (the default; set MaxWait too)"
		}
		return field("MinWait", rule, p.MinWait)
	}
	return nil
}

// normalized fills zero fields with the defaults; MaxRetries is 0 when p is Disabled.
func (p RetryPolicy) normalized() RetryPolicy {
	if p.Disabled {
		return RetryPolicy{MinWait: defaultMinWait, MaxWait: defaultMaxWait, Disabled: true}
	}
	if p.MaxRetries == 0 {
		p.MaxRetries = defaultMaxRetries
	}
	if p.MaxWait <= 0 {
		p.MaxWait = defaultMaxWait
	}
	if p.MinWait <= 0 {
		p.MinWait = min(defaultMinWait, p.MaxWait)
	}
	return p
}

// retryKind says which failures of a request may be retried.
type retryKind int

const (
	// retryIdempotent: GET, PUT, DELETE and token requests, which may be sent again whatever happened.
	retryIdempotent retryKind = iota
	// retryReconciled: a Create, whose retry after a lost answer is reconciled (see create); it is
	// retried like an idempotent request, and the client remembers that an attempt may have applied.
	retryReconciled
	// retryUnsafe: any other POST, Pipelines.Trigger among them, which is retried only when it surely
	// had no effect.
	retryUnsafe
)

// shouldRetry is the retry decision for one attempt of a request of kind k.
func shouldRetry(k retryKind, resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, ErrRedirectRefused) {
			return false // the same request would be redirected again
		}
		if k == retryUnsafe {
			return errors.Is(err, syscall.ECONNREFUSED)
		}
		// retryablehttp's default rules skip errors that cannot heal: bad scheme, bad header,
		// too many redirects, untrusted certificate.
		retry, _ := retryablehttp.DefaultRetryPolicy(context.Background(), nil, err)
		return retry
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return k != retryUnsafe
	}
	return false
}

// mayHaveApplied reports whether an attempt that ended with resp or err may have taken effect without
// the client learning so: a network error after the request may have been sent, or a 5xx other than
// the API's 505 (which refuses the request). A 429 and a refused connection are surely not applied.
func mayHaveApplied(resp *http.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, syscall.ECONNREFUSED)
	}
	return resp.StatusCode >= 500 && resp.StatusCode != http.StatusHTTPVersionNotSupported
}

// backoff is the retryablehttp.Backoff of every Client: Retry-After when the response has one,
// otherwise minWait·2^attemptNum plus up to 50% jitter; always capped at maxWait.
func backoff(minWait, maxWait time.Duration, attemptNum int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxWait)
		}
	}
	d := minWait
	for i := 0; i < attemptNum && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	if d > 0 {
		d += rand.N(d/2 + 1)
	}
	return min(d, maxWait)
}

// attemptKey is the context key of a request's *attempt.
type attemptKey struct{}

// attempt follows one call through retryablehttp's attempts, for the retry decision and the log.
// retryablehttp runs the hooks of one call sequentially on the caller's goroutine. It is the request's
// context: the caller's context plus itself as the value of attemptKey (one allocation, not two).
type attempt struct {
	context.Context // the caller's

	method    string
	path      string // relative to the workspace root, without query and leading slash
	route     route  // the operation and path template, for Attempt
	kind      retryKind
	uncertain bool         // a non-idempotent attempt may have taken effect without the client learning so
	offset    int          // attempts made before the current retryablehttp.Do (a retry after a 401)
	sent      string       // the Authorization value the first attempt sent (a field: no allocation per call)
	sentMore  []string     // the other values later attempts sent, each once
	guarded   *secretGuard // Client.guard's guard of the values sent so far; nil until built, and again when one is added
	n         int          // 1-based number of the current attempt
	start     time.Time
}

// Value returns a itself for attemptKey and otherwise asks the caller's context.
func (a *attempt) Value(key any) any {
	if _, ok := key.(attemptKey); ok {
		return a
	}
	return a.Context.Value(key)
}

// apiPath is the request path relative to the workspace root, for example "/connections/sf".
func (a *attempt) apiPath() string { return "/" + a.path }

func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// beforeAttempt is the retryablehttp.RequestLogHook: it numbers each attempt, notes the access token it
// carries, and times it when c logs or has an attempt hook.
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	if a := attemptFrom(req.Context()); a != nil {
		a.n = a.offset + i + 1
		if v := req.Header.Get("Authorization"); v != "" && v != a.sent && !slices.Contains(a.sentMore, v) {
			if a.sent == "" {
				a.sent = v
			} else {
				a.sentMore = append(a.sentMore, v)
			}
			a.guarded = nil
		}
		if c.logger != nil || c.hook != nil {
			a.start = time.Now()
		}
	}
}

// checkRetry is the retryablehttp.CheckRetry of c's API and token requests. It decides whether the
// attempt that ended with resp or err is retried (shouldRetry, within the policy's retries, never once
// ctx is done) and how long to wait first (backoff), reports the attempt to the log and the attempt hook,
// and then waits itself, so that the report can say how long: retryablehttp's own Backoff is zero.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	a := attemptFrom(ctx)
	if a == nil { // not a request of c's: decide without reporting
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return shouldRetry(retryIdempotent, resp, err), nil
	}
	if a.kind != retryIdempotent && mayHaveApplied(resp, err) {
		a.uncertain = true
	}
	retry := ctx.Err() == nil && shouldRetry(a.kind, resp, err) && a.n-a.offset <= c.policy.MaxRetries
	var wait time.Duration
	if retry {
		wait = backoff(c.policy.MinWait, c.policy.MaxWait, a.n-a.offset-1, resp)
	}
	c.report(a, resp, err, retry, wait)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if !retry {
		return false, nil
	}
	if resp != nil { // free the connection for the next attempt before waiting
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
	}
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-timer.C:
		}
	}
	return true, nil
}

// noBackoff is the retryablehttp.Backoff of c: checkRetry has waited already.
func noBackoff(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }

// retryReason says why an attempt that ended with resp or err is retried.
func retryReason(resp *http.Response, err error) string {
	switch {
	case err == nil:
		return statusLine(resp)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "attempt timed out"
	}
	return "network error"
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// outcome returns err, the failure of the call a follows, marked as ErrOutcomeUnknown when one of its
// attempts may have taken effect.
func (a *attempt) outcome(err error) error {
	if a.uncertain {
		return &outcomeUnknownError{err: err}
	}
	return err
}
