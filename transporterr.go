package warehousesync

import (
	"errors"
)

// withheldError stands for an attempt's network error whose text shares characters with a credential
// the request carried: net/http quotes what a server sent in its errors (a malformed status line or
// header line, say), and a server may send back the request's own Authorization header there. It keeps
// what the error is (errors.Is and Timeout answer as the original's do) but not its text, and it does
// not unwrap to it.
type withheldError struct{ cause error }

func (e *withheldError) Error() string {
	return "network error (the transport's message is withheld: it shares text with a credential the request carried)"
}

// Is reports whether the withheld error matches target (context.DeadlineExceeded, syscall.ECONNREFUSED, …).
func (e *withheldError) Is(target error) bool { return errors.Is(e.cause, target) }

// Timeout reports whether the withheld error is a timeout.
func (e *withheldError) Timeout() bool { return isTimeout(e.cause) }

// safeTransportError returns err, the error of an attempt or of a call's sending, as the client may show
// it: a refused redirect without net/http's wrapping (refusedRedirect), else err itself when its text
// shares no run of minSharedRun characters with a credential (g's cleanOfRuns: a credential shorter than
// that is not looked for here), else a *withheldError. Every path that shows a transport error (the call's error, the
// attempt hook, the debug log) goes through it.
func safeTransportError(err error, g func() *secretGuard) error {
	if err == nil {
		return nil
	}
	if err = refusedRedirect(err); errors.Is(err, ErrRedirectRefused) {
		return err
	}
	if g().cleanOfRuns(err.Error()) {
		return err
	}
	return &withheldError{cause: err}
}
