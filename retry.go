package warehousesync

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy says how often and how patiently a failed request is retried.
//
// GET, PUT and DELETE are retried after network errors and after 429, 500, 502, 503 and 504. POST
// (Create and Pipelines.Trigger) is retried only when the request surely had no effect: after 429, 503
// and "connection refused"; the API has no idempotency keys, so a retried trigger could start a second
// run. Nothing retries 400, 401, 403, 404 or 505.
//
// Waits grow exponentially from MinWait, with up to 50% random jitter, and never exceed MaxWait. A
// Retry-After header (seconds or an HTTP date) replaces the computed wait but is capped at MaxWait too.
// Waiting stops as soon as the request's context is done.
type RetryPolicy struct {
	// MaxRetries is how many times a request is retried after its first attempt; 0 turns retries off.
	MaxRetries int
	// MinWait is the wait before the first retry (0: 500 ms).
	MinWait time.Duration
	// MaxWait caps every wait, including one asked for by Retry-After (0: 30 s).
	MaxWait time.Duration
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

// normalized fills zero waits with the defaults and keeps the numbers consistent.
func (p RetryPolicy) normalized() RetryPolicy {
	p.MaxRetries = max(p.MaxRetries, 0)
	if p.MinWait <= 0 {
		p.MinWait = defaultMinWait
	}
	if p.MaxWait <= 0 {
		p.MaxWait = max(defaultMaxWait, p.MinWait)
	}
	p.MaxWait = max(p.MaxWait, p.MinWait)
	return p
}

// shouldRetry is the retry decision for one attempt. idempotent is false for POST.
func shouldRetry(idempotent bool, resp *http.Response, err error) bool {
	if err != nil {
		if !idempotent {
			return errors.Is(err, syscall.ECONNREFUSED)
		}
		// retryablehttp's default rules skip errors that cannot heal: bad scheme, bad header,
		// too many redirects, untrusted certificate.
		retry, _ := retryablehttp.DefaultRetryPolicy(context.Background(), nil, err)
		return retry
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return idempotent
	}
	return false
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

	method     string
	path       string // relative to the workspace root, without query and leading slash
	idempotent bool
	offset     int // attempts made before the current retryablehttp.Do (a retry after a 401)
	n          int // 1-based number of the current attempt
	start      time.Time
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

// beforeAttempt is the retryablehttp.RequestLogHook: it numbers each attempt, and times it when c logs.
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	if a := attemptFrom(req.Context()); a != nil {
		a.n = a.offset + i + 1
		if c.logger != nil {
			a.start = time.Now()
		}
	}
}

// checkRetry is the retryablehttp.CheckRetry of c: it logs the attempt, stops when ctx is done and
// otherwise applies shouldRetry.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	a := attemptFrom(ctx)
	if c.logger != nil && a != nil {
		attrs := []slog.Attr{
			slog.String("method", a.method),
			slog.String("path", a.apiPath()),
			slog.Int("attempt", a.n),
			slog.Duration("duration", time.Since(a.start)),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		} else {
			attrs = append(attrs, slog.Int("status", resp.StatusCode))
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "warehousesync request", attrs...)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return shouldRetry(a == nil || a.idempotent, resp, err), nil
}

// retryLogger routes retryablehttp's own messages to a *slog.Logger at debug level.
type retryLogger struct{ l *slog.Logger }

func (r retryLogger) Error(msg string, kv ...any) { r.l.Debug("retryablehttp: "+msg, kv...) }
func (r retryLogger) Info(msg string, kv ...any)  { r.l.Debug("retryablehttp: "+msg, kv...) }
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug("retryablehttp: "+msg, kv...) }
func (r retryLogger) Warn(msg string, kv ...any)  { r.l.Debug("retryablehttp: "+msg, kv...) }
