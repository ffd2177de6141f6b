package warehousesync

import (
	"context"
	"io"
	"net/http"
	"time"
)

// timeoutTransport bounds every attempt it carries to d: sending the request and reading the whole
// answer. It is the attempt timeout of WithAttemptTimeout. http.Client.Timeout bounds the same, but
// costs about 15 allocations an attempt (a goroutine, a timer and their closures); a context deadline
// on the request costs four.
type timeoutTransport struct {
	base http.RoundTripper
	d    time.Duration
}

// RoundTrip sends req under a deadline d from now, which lasts until the answer's body is read to its
// end or closed.
func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.d)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if attemptTimedOut(ctx, req.Context()) {
			err = &attemptTimeoutError{d: t.d, err: err}
		}
		cancel()
		return resp, err
	}
	resp.Body = &deadlineBody{ReadCloser: resp.Body, ctx: ctx, caller: req.Context(), cancel: cancel, d: t.d}
	return resp, nil
}

// attemptTimedOut reports whether an attempt failed because its own deadline (ctx) passed, not because
// the caller's context (caller) ended: only then is its error an *attemptTimeoutError.
func attemptTimedOut(ctx, caller context.Context) bool {
	return ctx.Err() == context.DeadlineExceeded && caller.Err() == nil
}

// CloseIdleConnections closes the idle connections of the base transport, when it has any.
func (t *timeoutTransport) CloseIdleConnections() {
	if ci, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// deadlineBody is the body of an answer read under an attempt's deadline; reading it to its end or
// closing it releases the deadline's timer.
type deadlineBody struct {
	io.ReadCloser
	ctx, caller context.Context
	cancel      context.CancelFunc
	d           time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.cancel()
	case err != nil && attemptTimedOut(b.ctx, b.caller):
		err = &attemptTimeoutError{d: b.d, err: err}
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// attemptTimeoutError is the error of an attempt that outlasted the attempt timeout. It matches
// context.DeadlineExceeded and is a timeout (Timeout reports true), as net/http's own is.
type attemptTimeoutError struct {
	d   time.Duration
	err error
}

func (e *attemptTimeoutError) Error() string {
	return "attempt timed out after " + e.d.String() + " (WithAttemptTimeout): " + e.err.Error()
}

// Timeout reports true.
func (e *attemptTimeoutError) Timeout() bool { return true }

// Is matches context.DeadlineExceeded.
func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Unwrap returns the transport's error.
func (e *attemptTimeoutError) Unwrap() error { return e.err }

// withAttemptTimeout makes hc bound every attempt to d through its transport, replacing its Timeout;
// d == 0 leaves hc without a bound of its own.
func withAttemptTimeout(hc *http.Client, d time.Duration) {
	hc.Timeout = 0
	if d == 0 {
		return
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &timeoutTransport{base: base, d: d}
}
