package warehousesync

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ErrRedirectRefused matches the error of a request that the server redirected to another origin
// (another scheme, host or port, https to http included). The client never follows such a redirect:
// the request carries a credential (the client secret of a token request, the access token of an API
// request) meant for the origin it was sent to.
var ErrRedirectRefused = errors.New("redirect to another origin refused")

// maxRedirects is how many same-origin redirects a request follows, as net/http's default does.
const maxRedirects = 10

// redirectError is the error of a refused redirect. Its text names the origin the request was sent to
// and the target's origin (and path, when they cannot hold a secret), never user info, query or
// fragment.
type redirectError struct {
	from, to string
}

func (e *redirectError) Error() string {
	return "refused to follow a redirect from " + e.from + " to " + e.to +
		": another origin, and the request carries a credential meant only for the origin it was sent to"
}

// Is matches ErrRedirectRefused.
func (e *redirectError) Is(target error) bool { return target == ErrRedirectRefused }

// origin returns u's scheme, host and port, lower-cased, with the scheme's default port made explicit.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// checkRedirect returns the CheckRedirect of the client's http.Client: it refuses a redirect whose
// target is not of the origin of the first request (so also any https to http downgrade), stops after
// maxRedirects as net/http does, and then asks next (the CheckRedirect of a client given with
// WithHTTPClient), when there is one. secrets are the client's own secrets, which the refusal's text must
// not show; the access token the first request carried is added to them.
func checkRedirect(next func(*http.Request, []*http.Request) error, secrets []string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		if origin(req.URL) != origin(first.URL) {
			// Clipped, so that concurrent refusals never write into the client's own slice.
			g := newSecretGuard(append(slices.Clip(secrets), bearerOf(first.Header.Get("Authorization")))...)
			return &redirectError{from: redactedURL(first.URL), to: shownTarget(req.URL, g)}
		}
		if len(via) >= maxRedirects { // whatever next says: a redirect loop would never end
			return errors.New("stopped after 10 redirects")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// shownTarget is how a refused redirect's target is named: its origin and path when g finds them
// clean, else its origin alone when that is clean, else a note that it is withheld.
func shownTarget(u *url.URL, g *secretGuard) string {
	full := redactedURL(u)
	o := strings.ToLower(u.Scheme) + "://" + u.Host
	switch {
	case g.clean(full):
		return full
	case g.clean(o):
		return o + " (its path is withheld: it shares text with a credential)"
	}
	return "another origin (its address is withheld: it shares text with a credential)"
}

// bearerOf returns the token of an Authorization header value: what follows the scheme.
func bearerOf(v string) string {
	if _, tok, ok := strings.Cut(v, " "); ok {
		return strings.TrimSpace(tok)
	}
	return v
}

// refusedRedirect returns the *redirectError err holds, without net/http's wrapping: its *url.Error
// quotes the Location header as the server sent it, query and all.
func refusedRedirect(err error) error {
	var re *redirectError
	if errors.As(err, &re) {
		return re
	}
	return err
}
