package warehousesync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// The defaults of the client-credentials flow.
const (
	// DefaultTokenURL is mParticle's OAuth token endpoint.
	DefaultTokenURL = "https://sso.auth.mparticle.com/oauth/token"
	// DefaultAudience is the audience of tokens for the Platform API.
	DefaultAudience = "https://api.mparticle.com"
)

// tokenExpiryMargin is how long before its expiry a cached token is replaced.
const tokenExpiryMargin = time.Minute

// tokenTimeout bounds one token request. Token requests are shared by concurrent calls, so they do not
// run under any one caller's context; a caller whose context ends stops waiting for one (tokens.header).
const tokenTimeout = 30 * time.Second

// maxTokenResponse bounds the body read from the token endpoint.
const maxTokenResponse = 1 << 20

// clientCredentials is an oauth2.TokenSource for mParticle's client-credentials flow, which takes a
// JSON body (not the form body of RFC 6749). Every Token call makes one request; the caller caches.
type clientCredentials struct {
	httpClient   *http.Client
	tokenURL     string
	audience     string
	clientID     string
	clientSecret string
	userAgent    string
	now          func() time.Time
}

// TokenRequest is the documented JSON body of a client-credentials token request (POST /oauth/token).
// The client sends it for WithClientCredentials; the fake server (warehousesynctest) reads it.
type TokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret Secret `json:"client_secret"` // prints masked
	Audience     string `json:"audience"`
	GrantType    string `json:"grant_type"` // "client_credentials"
}

// TokenResponse is the body of a successful token response. ExpiresIn, in seconds, decodes from a
// number or a string.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"` // "Bearer"
}

// UnmarshalJSON decodes r, accepting expires_in as a number or a string.
func (r *TokenResponse) UnmarshalJSON(b []byte) error {
	type plain TokenResponse
	aux := struct {
		*plain
		ExpiresIn *flexInt64 `json:"expires_in"`
	}{plain: (*plain)(r), ExpiresIn: (*flexInt64)(&r.ExpiresIn)}
	return json.Unmarshal(b, &aux)
}

// Token fetches a new access token.
func (cc *clientCredentials) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	defer cancel()
	body, err := json.Marshal(TokenRequest{
		ClientID:     cc.clientID,
		ClientSecret: Secret(cc.clientSecret),
		Audience:     cc.audience,
		GrantType:    "client_credentials",
	})
	if err != nil {
		return nil, fmt.Errorf("fetching access token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cc.tokenURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fetching access token: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", cc.userAgent)
	resp, err := cc.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching access token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		u := redactedURL(req.URL)
		apiErr := newAPIError(resp, http.MethodPost, u, u, cc.now(), cc.clientSecret)
		return nil, fmt.Errorf("fetching access token: %w", apiErr)
	}
	var tr TokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTokenResponse)).Decode(&tr); err != nil {
		return nil, fmt.Errorf("fetching access token: decoding response: %w", err)
	}
	if tr.AccessToken == "" {
		return nil, errors.New("fetching access token: response has no access_token")
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: tr.TokenType}
	if tr.ExpiresIn > 0 {
		tok.Expiry = cc.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return tok, nil
}

// opaqueSource hides the concrete type of a caller's token source, so that oauth2's
// ReuseTokenSourceWithExpiry wraps it instead of adopting (and modifying) it.
type opaqueSource struct{ src oauth2.TokenSource }

func (o opaqueSource) Token() (*oauth2.Token, error) { return o.src.Token() }

// tokens caches the tokens of a base source. Concurrent calls share one refresh (oauth2's reuse source
// holds a lock while it fetches). After a 401 the cache is replaced, once per rejected token, so the
// next call fetches a fresh token.
type tokens struct {
	base        oauth2.TokenSource
	refreshable bool // false for a static token: a refresh would return the same token

	mu  sync.Mutex
	cur oauth2.TokenSource

	last atomic.Pointer[authHeader] // the header of the token returned last
}

// authHeader is the Authorization header value of one token, formatted once for all the requests
// that send it.
type authHeader struct {
	src   oauth2.TokenSource // the cache (tokens.cur) the token came from
	tok   *oauth2.Token
	value []string // len and cap 1: an append copies, so requests can share it
}

func newTokens(base oauth2.TokenSource, refreshable bool) *tokens {
	return &tokens{
		base:        base,
		refreshable: refreshable,
		cur:         oauth2.ReuseTokenSourceWithExpiry(nil, base, tokenExpiryMargin),
	}
}

// header returns the Authorization header value of a valid token. While the token returned last is
// current, it is reused without asking the cache; otherwise the cache is asked, and when that means a
// token request, the caller waits for it only as long as ctx lasts. oauth2's reuse source returns the
// same *Token until it fetches a new one, so the value is formatted once per token.
func (t *tokens) header(ctx context.Context) ([]string, error) {
	t.mu.Lock()
	src := t.cur
	t.mu.Unlock()
	h := t.last.Load()
	if h.current(src, time.Now()) {
		return h.value, nil
	}
	tok, err := fetchToken(ctx, src)
	if err != nil {
		return nil, err
	}
	if h != nil && h.tok == tok {
		return h.value, nil
	}
	h = &authHeader{src: src, tok: tok, value: []string{tok.Type() + " " + tok.AccessToken}}
	t.last.Store(h)
	return h.value, nil
}

// current reports whether h (which may be nil) came from src and its token is valid beyond the expiry
// margin, as oauth2's reuse source decides.
func (h *authHeader) current(src oauth2.TokenSource, now time.Time) bool {
	return h != nil && h.src == src && h.tok.AccessToken != "" &&
		(h.tok.Expiry.IsZero() || now.Add(tokenExpiryMargin).Before(h.tok.Expiry))
}

// fetchToken asks src for a token and waits for it until ctx ends. The request goes on without the
// caller (it is shared with concurrent calls, and bounded by tokenTimeout), and fills src's cache.
func fetchToken(ctx context.Context, src oauth2.TokenSource) (*oauth2.Token, error) {
	type result struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := src.Token()
		done <- result{tok, err}
	}()
	select {
	case r := <-done:
		return r.tok, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// invalidate drops the cached token if it is still the rejected one, and reports whether a retry with
// a new token makes sense.
func (t *tokens) invalidate(rejected string) bool {
	if !t.refreshable {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, err := t.cur.Token(); err == nil && cur.AccessToken != rejected {
		return true // another call already refreshed
	}
	t.cur = oauth2.ReuseTokenSourceWithExpiry(nil, t.base, tokenExpiryMargin)
	return true
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
	v, err := c.tokens.header(req.Context())
	if err != nil {
		return err
	}
	h := req.Header
	if sent || h == nil {
		if h = h.Clone(); h == nil {
			h = make(http.Header)
		}
	}
	h["Authorization"] = v
	req.Header = h
	return nil
}

// rejectedToken returns the access token that resp's request carried.
func rejectedToken(resp *http.Response) string {
	if resp.Request == nil {
		return ""
	}
	v := resp.Request.Header.Get("Authorization")
	if i := strings.IndexByte(v, ' '); i >= 0 {
		return v[i+1:]
	}
	return v
}
