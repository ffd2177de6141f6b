package warehousesync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"

	"github.com/wsync-dev/warehousesync/internal/oauthwire"
)

// The defaults of the client-credentials flow.
const (
	// DefaultTokenURL is mParticle's OAuth token endpoint.
	DefaultTokenURL = "https://sso.auth.mparticle.com/oauth/token"
	// DefaultAudience is the audience of tokens for the Platform API.
	DefaultAudience = "https://api.mparticle.com"
)

// tokenExpiryMargin is how long before its expiry a cached token is replaced; a token that lives less
// than four margins is replaced after three quarters of its life instead.
const tokenExpiryMargin = time.Minute

// maxTokenLifetime caps the lifetime a token endpoint announces with expires_in: a longer one (or one so
// large that it would overflow into the past) is refreshed after a day.
const maxTokenLifetime = 24 * time.Hour

// tokenTimeout bounds one token fetch, its retries included. Token requests are shared by concurrent
// calls, so they do not run under any one caller's context; a caller whose context ends stops waiting
// for one (tokens.header). Each attempt is bounded by the attempt timeout too.
const tokenTimeout = 2 * time.Minute

// maxAuthResends bounds how often one call resends its request with another token after 401s.
const maxAuthResends = 3

// maxTokenResponse bounds the body read from the token endpoint.
const maxTokenResponse = 1 << 20

// clientCredentials is an oauth2.TokenSource for mParticle's client-credentials flow, which takes a
// JSON body (not the form body of RFC 6749). Every Token call makes one request; the caller caches.
type clientCredentials struct {
	rc           *retryablehttp.Client // retries like an idempotent API call
	tokenURL     string
	route        route // for Attempt: tokenOperation and the token URL's path
	audience     string
	clientID     string
	clientSecret string
	guard        *secretGuard // of clientSecret, built once: every fetch checks the endpoint's text with it
	userAgent    string
	now          func() time.Time
}

// Token fetches a new access token.
func (cc *clientCredentials) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	defer cancel()
	// The attempt record numbers, logs and reports the attempts, as for an API request; token requests
	// are retried like an idempotent one (a second token does no harm).
	a := &attempt{Context: ctx, method: http.MethodPost, path: strings.TrimPrefix(cc.route.template, "/"),
		route: cc.route, kind: retryIdempotent}
	body, err := json.Marshal(oauthwire.TokenRequest{
		ClientID:     cc.clientID,
		ClientSecret: cc.clientSecret,
		Audience:     cc.audience,
		GrantType:    oauthwire.GrantClientCredentials,
	})
	if err != nil {
		return nil, fmt.Errorf("fetching access token: %w", err)
	}
	req, err := retryablehttp.NewRequestWithContext(a, http.MethodPost, cc.tokenURL, body)
	if err != nil {
		return nil, fmt.Errorf("fetching access token: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", cc.userAgent)
	g := cc.guard
	resp, err := cc.rc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("fetching access token: %w", safeTransportError(err, func() *secretGuard { return g }))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		u := redactedURL(req.URL)
		apiErr := newAPIError(resp, http.MethodPost, u, u, cc.now(), g)
		return nil, fmt.Errorf("fetching access token: %w", apiErr)
	}
	var tr oauthwire.TokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTokenResponse)).Decode(&tr); err != nil {
		if !g.clean(err.Error()) {
			err = errors.New("the body is not the token endpoint's JSON (the decoder's message is withheld: it shares text with the client secret)")
		}
		return nil, fmt.Errorf("fetching access token: decoding response: %w", err)
	}
	if tr.AccessToken == "" {
		return nil, errors.New("fetching access token: response has no access_token")
	}
	if err := checkTokenResponse(&tr, g); err != nil {
		return nil, fmt.Errorf("fetching access token: %w", err)
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: "Bearer"}
	if tr.ExpiresIn > 0 {
		lifetime := maxTokenLifetime
		if tr.ExpiresIn < int64(maxTokenLifetime/time.Second) {
			lifetime = time.Duration(tr.ExpiresIn) * time.Second
		}
		tok.Expiry = cc.now().Add(lifetime)
	}
	return tok, nil
}

// maxAccessToken bounds the length of an access token the client accepts: it is sent in a header of
// every request.
const maxAccessToken = 16 << 10

// checkTokenResponse checks a token endpoint's answer before its token is sent anywhere: token_type is
// Bearer (in any case) or absent, and access_token is at most maxAccessToken characters of RFC 6750's
// token alphabet (letters, digits, -._~+/ and trailing =) and shares no text with the client secret, so
// that an endpoint that echoes the request cannot make the client send its secret to the API's origin.
// Its errors name the field and the rule, never the value.
func checkTokenResponse(tr *oauthwire.TokenResponse, g *secretGuard) error {
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return errors.New("token_type must be Bearer")
	}
	tok := tr.AccessToken
	if len(tok) > maxAccessToken {
		return fmt.Errorf("access_token must be at most %d characters", maxAccessToken)
	}
	body := strings.TrimRight(tok, "=")
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return errors.New("access_token must hold only letters, digits, -._~+/ and trailing =")
		}
	}
	if body == "" {
		return errors.New("access_token must hold only letters, digits, -._~+/ and trailing =")
	}
	if !g.clean(tok) {
		return errors.New("access_token repeats part of what the token request sent (refused: the API would get it with every request)")
	}
	return nil
}

// opaqueSource hides the concrete type of a caller's token source from the cache.
type opaqueSource struct{ src oauth2.TokenSource }

func (o opaqueSource) Token() (*oauth2.Token, error) { return o.src.Token() }

// tokens caches the tokens of a base source. Concurrent calls share one token request. After a 401 the
// rejected token is dropped (unless a newer one has replaced it already), so the next call fetches a
// fresh token.
type tokens struct {
	base        oauth2.TokenSource
	refreshable bool // false for a static token: a refresh would return the same token
	now         func() time.Time

	mu    sync.Mutex
	cur   *authHeader // the cached token; nil when there is none
	fetch *tokenFetch // the token request in flight; nil when there is none
}

// authHeader is the Authorization header value of one token, formatted once for all the requests
// that send it.
type authHeader struct {
	value     []string  // len and cap 1: an append copies, so requests can share it
	refreshAt time.Time // when the cache replaces the token; zero: never (it has no expiry)
}

// tokenFetch is one token request that concurrent calls wait for.
type tokenFetch struct {
	done chan struct{} // closed when h or err is set
	h    *authHeader
	err  error
}

func newTokens(base oauth2.TokenSource, refreshable bool) *tokens {
	return &tokens{base: base, refreshable: refreshable, now: time.Now}
}

// newAuthHeader formats tok, fetched at now. It is replaced tokenExpiryMargin before its expiry, or
// after three quarters of its life when that is shorter, so a short-lived token still serves calls.
func newAuthHeader(tok *oauth2.Token, now time.Time) *authHeader {
	h := &authHeader{value: []string{tok.Type() + " " + tok.AccessToken}}
	if !tok.Expiry.IsZero() {
		life := tok.Expiry.Sub(now)
		h.refreshAt = tok.Expiry.Add(-min(tokenExpiryMargin, max(life, 0)/4))
	}
	return h
}

// header returns the Authorization header of a current token: the cached one, or else one fetched
// now. A fetch is shared by concurrent calls and goes on without a caller whose ctx ends (it fills the
// cache, bounded by tokenTimeout); the caller waits only as long as ctx lasts. A freshly fetched token
// is returned even when its life is already short.
func (t *tokens) header(ctx context.Context) (*authHeader, error) {
	t.mu.Lock()
	if h := t.cur; h != nil && (h.refreshAt.IsZero() || t.now().Before(h.refreshAt)) {
		t.mu.Unlock()
		return h, nil
	}
	f := t.fetch
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		t.fetch = f
		go t.run(f)
	}
	t.mu.Unlock()
	select {
	case <-f.done:
		return f.h, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run makes the token request f and caches its token.
func (t *tokens) run(f *tokenFetch) {
	tok, err := t.base.Token()
	switch {
	case err != nil:
		f.err = err
	case tok == nil || tok.AccessToken == "":
		f.err = errors.New("the token source returned no access token")
	default:
		f.h = newAuthHeader(tok, t.now())
	}
	t.mu.Lock()
	if f.h != nil {
		t.cur = f.h
	}
	t.fetch = nil
	t.mu.Unlock()
	close(f.done)
}

// invalidate drops the cached token if it is the rejected one (an Authorization header value), and
// reports whether it did: then the next header is a fresh token. A newer token, which another call
// fetched meanwhile, stays.
func (t *tokens) invalidate(rejected string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur != nil && t.cur.value[0] == rejected {
		t.cur = nil
		return true
	}
	return t.cur == nil
}

// authorize sets the Authorization header of req, which an earlier attempt has sent, to a current
// token. It replaces the header map rather than writing into it, because retryablehttp's retries share
// it with earlier attempts. It is the PrepareRetry of retryablehttp.
func (c *Client) authorize(req *http.Request) error { return c.setAuthorization(req, true) }

// setAuthorization sets the Authorization header of req to a current token. sent says whether req's
// header map may be shared with an earlier attempt; a new request's map is its own and is written into.
func (c *Client) setAuthorization(req *http.Request, sent bool) error {
	if c.tokens == nil {
		return nil
	}
	h, err := c.tokens.header(req.Context())
	if err != nil {
		return err
	}
	if sent {
		setHeader(req, "Authorization", h.value)
	} else {
		if req.Header == nil {
			req.Header = make(http.Header)
		}
		req.Header["Authorization"] = h.value
	}
	return nil
}

// setHeader sets a header of req, which an earlier attempt has sent, in a copy of its header map:
// retryablehttp's attempts share the map.
func setHeader(req *http.Request, key string, v []string) {
	h := req.Header.Clone()
	if h == nil {
		h = make(http.Header)
	}
	h[key] = v
	req.Header = h
}

// sentAuthorization returns the Authorization header that resp's request carried.
func sentAuthorization(resp *http.Response) string {
	if resp.Request == nil {
		return ""
	}
	return resp.Request.Header.Get("Authorization")
}
