package warehousesync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// Version is the version of this module, sent in the User-Agent header.
const Version = "0.1.0"

// DefaultBaseURL is the Platform API's address; the client appends /platform/v2/workspaces/{id}.
const DefaultBaseURL = "https://api.mparticle.com"

// The environment variables NewClientFromEnv reads.
const (
	EnvWorkspaceID  = "MPARTICLE_WORKSPACE_ID"
	EnvClientID     = "MPARTICLE_CLIENT_ID"
	EnvClientSecret = "MPARTICLE_CLIENT_SECRET"
	EnvAPIURL       = "MPARTICLE_API_URL"
	EnvTokenURL     = "MPARTICLE_TOKEN_URL"
)

// Client is a Warehouse Sync API client for one workspace. Its services hold the operations:
//
//	c.Connections.List(ctx, nil)
//	c.Pipelines.Trigger(ctx, "my-pipeline")
//
// A Client is immutable after NewClient and safe for concurrent use by many goroutines.
type Client struct {
	// Connections manages warehouse connections.
	Connections *ConnectionsService
	// DataModels manages data models (SQL queries).
	DataModels *DataModelsService
	// Pipelines manages pipelines, triggers them and reports their status.
	Pipelines *PipelinesService
	// Runs lists, reads and waits for pipeline runs.
	Runs *RunsService

	common      service // the one value all services point into
	workspaceID string
	root        string // escaped; ends in /platform/v2/workspaces/{id}/
	baseURL     string // WithBaseURL's value, without user info and trailing slash
	rc          *retryablehttp.Client
	tokens      *tokens // nil: no Authorization header
	logger      *slog.Logger
	userAgent   string
	now         func() time.Time
	poll        pollSettings
	maxBody     int64                          // the limit of a successful response's body
	hook        func(context.Context, Attempt) // WithAttemptHook's; nil: none
	policy      RetryPolicy                    // normalized
	secrets     *secretList                    // the client secret or fixed token given to the client (a pointer: fmt prints its address)

	// Header values every request shares (len and cap 1: an append copies).
	jsonHeader []string // application/json
	uaHeader   []string // userAgent
}

// service is what every service type is: a handle on the client.
type service struct {
	client *Client
}

// settings collects what the options set.
type settings struct {
	baseURL       string
	tokenURL      string
	audience      string
	clientID      string
	clientSecret  string
	bearerToken   string
	tokenSource   oauth2.TokenSource
	auth          authKind
	authOptions   []string // the names of the auth options given, in order, without repeats
	httpClient    *http.Client
	retry         RetryPolicy
	logger        *slog.Logger
	hook          func(context.Context, Attempt)
	userAgentTail string
	poll          pollSettings                // WithPollInterval, WithPollWait (wait.go)
	lookupEnv     func(string) (string, bool) // WithLookupEnv, for NewClientFromEnv

	maxResponseBody int64
	attemptTimeout  time.Duration
	timeoutSet      bool // WithAttemptTimeout was given
}

// setAuth records that the auth option name chose k.
func (s *settings) setAuth(k authKind, name string) {
	s.auth = k
	if !slices.Contains(s.authOptions, name) {
		s.authOptions = append(s.authOptions, name)
	}
}

// authKind says which of the auth options was applied last.
type authKind int

const (
	authNone authKind = iota
	authClientCredentials
	authBearer
	authTokenSource
)

// Option configures a Client in NewClient or NewClientFromEnv.
type Option func(*settings)

// WithBaseURL sets the API's address (default DefaultBaseURL). It may include a path prefix
// ("https://proxy.example.com/mparticle"); the client appends /platform/v2/workspaces/{id}. NewClient
// refuses an address with user info ("https://user:password@host"), a query or a fragment, with an
// error that does not quote them, and an http (not https) address unless its host is local: a loopback,
// private or link-local IP address, a name without dots, or a name under .localhost, .test, .invalid,
// .example, .internal, .local or .home.arpa (so a fake server on the machine or the local network), since
// http sends credentials in clear text.
func WithBaseURL(baseURL string) Option {
	return func(s *settings) { s.baseURL = baseURL }
}

// WithClientCredentials authenticates with OAuth client credentials: the client fetches a token from
// the token URL (retrying it like a GET), caches it until a minute before it expires (a short-lived
// token until three quarters of its life; a lifetime above a day counts as a day), shares one refresh
// among concurrent calls, and after a 401 resends with a newer token, fetching a fresh one at most once
// per call.
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(s *settings) {
		s.clientID, s.clientSecret = clientID, clientSecret
		s.setAuth(authClientCredentials, "WithClientCredentials")
	}
}

// WithTokenURL sets the OAuth token endpoint used with WithClientCredentials (default DefaultTokenURL).
// NewClient refuses it with user info, a query or a fragment, and http unless its host is local, as it
// does for WithBaseURL.
func WithTokenURL(tokenURL string) Option {
	return func(s *settings) { s.tokenURL = tokenURL }
}

// WithAudience sets the audience requested with WithClientCredentials (default DefaultAudience).
func WithAudience(audience string) Option {
	return func(s *settings) { s.audience = audience }
}

// WithBearerToken authenticates every request with a fixed access token.
func WithBearerToken(token string) Option {
	return func(s *settings) {
		s.bearerToken = token
		s.setAuth(authBearer, "WithBearerToken")
	}
}

// WithTokenSource authenticates with tokens from ts. The client caches them as it does for
// WithClientCredentials and asks ts again, at most once per call, when the API answers 401.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *settings) {
		s.tokenSource = ts
		s.setAuth(authTokenSource, "WithTokenSource")
	}
}

// WithHTTPClient sets the HTTP client that sends every request, including token requests: use it for
// custom transports (tracing, proxies, TLS). The client's own transport reads at most 1 MiB of response
// headers, and uses the proxy that HTTPS_PROXY, HTTP_PROXY and NO_PROXY name (a proxy sees an https
// request's host only; it sees everything of an http one, credentials included); hc's transport keeps
// its own bound (MaxResponseHeaderBytes) and proxy. Retries happen above it. NewClient works on a copy of hc
// and never changes hc itself. The copy's Transport and Jar are hc's. Its CheckRedirect first refuses
// any redirect to another origin (scheme, host and port, so https to http too) with an error matching
// ErrRedirectRefused, since every request carries a credential meant for its own origin; a redirect
// within the origin is followed at most 10 times in a row, each only when hc's CheckRedirect, if it
// has one, allows it. Its
// Timeout is replaced by the attempt timeout (see WithAttemptTimeout) unless that option is absent and
// hc's Timeout is set.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) { s.httpClient = hc }
}

// WithRetryPolicy replaces DefaultRetryPolicy; zero fields of p take their defaults, and
// RetryPolicy{Disabled: true} turns retries off. NewClient refuses an invalid policy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *settings) { s.retry = p }
}

// DefaultMaxResponseBody is the largest successful response body a Client reads unless
// WithMaxResponseBody says otherwise: 32 MiB, far more than any answer of the API (lists of runs are
// paged).
const DefaultMaxResponseBody = 32 << 20

// WithMaxResponseBody sets the largest successful response body the client reads, in bytes (default
// DefaultMaxResponseBody). A longer body fails the call with an error matching ErrResponseTooLarge, after
// reading at most n+1 bytes of it. n must be positive.
func WithMaxResponseBody(n int64) Option {
	return func(s *settings) { s.maxResponseBody = n }
}

// maxResponseHeader bounds the response headers the client's own transport reads (net/http's default is
// 10 MiB); the API's are a few hundred bytes.
const maxResponseHeader = 1 << 20

// DefaultAttemptTimeout bounds each attempt of a request (sending it and reading the whole answer)
// unless WithAttemptTimeout says otherwise, so that a silent server cannot hold a call whose context
// has no deadline.
const DefaultAttemptTimeout = time.Minute

// WithAttemptTimeout bounds each attempt of every request, including token requests, to d: sending
// the request and reading its whole answer (default DefaultAttemptTimeout). An attempt that times out
// is retried like a network error. 0 turns the bound off, leaving the context (and the Timeout of a
// client given with WithHTTPClient) as the only bound; d must not be negative. Without this option, the
// nonzero Timeout of a client given with WithHTTPClient is kept.
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) { s.attemptTimeout, s.timeoutSet = d, true }
}

// WithLogger logs every attempt of every request at debug level: method, path, status or error,
// attempt number and duration. Headers, bodies and tokens are never logged. Without it the client
// logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) { s.logger = l }
}

// WithUserAgent appends product tokens to the User-Agent header, which is
// "warehousesync-go/<Version>" by default. NewClient refuses ua unless it is printable ASCII.
func WithUserAgent(ua string) Option {
	return func(s *settings) { s.userAgentTail = ua }
}

// WithLookupEnv makes NewClientFromEnv read its variables with lookup instead of os.LookupEnv: a
// program's own view of the environment, or a test's. NewClient ignores it.
func WithLookupEnv(lookup func(string) (string, bool)) Option {
	return func(s *settings) { s.lookupEnv = lookup }
}

// NewClient returns a client for the workspace workspaceID. It needs exactly one of
// WithClientCredentials, WithBearerToken or WithTokenSource (giving two of them is an error that names
// both; giving the same one twice keeps the last); it makes no request itself.
func NewClient(workspaceID string, opts ...Option) (*Client, error) {
	s := settings{
		baseURL:         DefaultBaseURL,
		tokenURL:        DefaultTokenURL,
		audience:        DefaultAudience,
		retry:           DefaultRetryPolicy(),
		maxResponseBody: DefaultMaxResponseBody,
		attemptTimeout:  DefaultAttemptTimeout,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&s)
		}
	}
	return newClient(workspaceID, &s)
}

// NewClientFromEnv returns a client configured by the environment (os.LookupEnv, or WithLookupEnv's
// function): MPARTICLE_WORKSPACE_ID,
// MPARTICLE_CLIENT_ID and MPARTICLE_CLIENT_SECRET (required; the two credentials are not needed when
// opts set another way to authenticate), and MPARTICLE_API_URL and MPARTICLE_TOKEN_URL (optional).
// Options given here override the environment. Missing variables are an error that names all of them.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	var given settings
	for _, opt := range opts {
		if opt != nil {
			opt(&given)
		}
	}
	getenv := os.Getenv
	if given.lookupEnv != nil {
		getenv = func(k string) string { v, _ := given.lookupEnv(k); return v }
	}
	workspaceID := getenv(EnvWorkspaceID)
	var missing []string
	if workspaceID == "" {
		missing = append(missing, EnvWorkspaceID)
	}
	var env []Option
	if v := getenv(EnvAPIURL); v != "" {
		env = append(env, WithBaseURL(v))
	}
	if v := getenv(EnvTokenURL); v != "" {
		env = append(env, WithTokenURL(v))
	}
	if given.auth == authNone {
		id, secret := getenv(EnvClientID), getenv(EnvClientSecret)
		if id == "" {
			missing = append(missing, EnvClientID)
		}
		if secret == "" {
			missing = append(missing, EnvClientSecret)
		}
		env = append(env, WithClientCredentials(id, secret))
	}
	switch len(missing) {
	case 0:
	case 1:
		return nil, fmt.Errorf("environment variable %s is not set", missing[0])
	default:
		return nil, fmt.Errorf("environment variables %s are not set", strings.Join(missing, ", "))
	}
	return NewClient(workspaceID, append(env, opts...)...) // opts come last, so they override env
}

func newClient(workspaceID string, s *settings) (*Client, error) {
	if err := validateID("workspaceID", workspaceID); err != nil {
		return nil, err
	}
	if len(s.authOptions) > 1 {
		return nil, fmt.Errorf("%s conflict: each sets how the client authenticates; give only one",
			strings.Join(s.authOptions, " and "))
	}
	root, err := parseBaseURL("base URL", s.baseURL)
	if err != nil {
		return nil, err
	}
	// The workspace root as an escaped string: request paths are appended to it as they are.
	rootURL := strings.TrimRight(root.String(), "/") + "/platform/v2/workspaces/" + url.PathEscape(workspaceID) + "/"

	c := &Client{workspaceID: workspaceID, root: rootURL, baseURL: redactedURL(root), logger: s.logger, hook: s.hook,
		now: time.Now, poll: s.poll}
	c.userAgent = "warehousesync-go/" + Version
	if tail := strings.TrimSpace(s.userAgentTail); tail != "" {
		for i := 0; i < len(tail); i++ {
			if tail[i] < ' ' || tail[i] > '~' {
				return nil, &ValidationError{Field: "WithUserAgent", Rule: "must hold only printable ASCII (a header value)"}
			}
		}
		c.userAgent += " " + tail
	}
	c.jsonHeader, c.uaHeader = []string{"application/json"}, []string{c.userAgent}

	if err := s.retry.validate(); err != nil {
		return nil, err
	}
	if s.maxResponseBody <= 0 {
		return nil, &ValidationError{Field: "WithMaxResponseBody", Value: strconv.FormatInt(s.maxResponseBody, 10), Rule: "must be positive"}
	}
	if s.attemptTimeout < 0 {
		return nil, &ValidationError{Field: "WithAttemptTimeout", Value: s.attemptTimeout.String(), Rule: "must not be negative"}
	}
	c.maxBody = s.maxResponseBody
	c.policy = s.retry.normalized()
	c.rc = c.retryClient(s.httpClient)
	c.rc.PrepareRetry = c.authorize
	if c.rc.HTTPClient == nil {
		c.rc.HTTPClient = retryablehttp.NewClient().HTTPClient // a pooled client of its own
		if t, ok := c.rc.HTTPClient.Transport.(*http.Transport); ok {
			t.MaxResponseHeaderBytes = maxResponseHeader
		}
	} else {
		hc := *c.rc.HTTPClient // a copy: the timeout and the redirect check must not change the caller's client
		c.rc.HTTPClient = &hc
	}
	if s.timeoutSet || c.rc.HTTPClient.Timeout == 0 {
		withAttemptTimeout(c.rc.HTTPClient, s.attemptTimeout)
	}
	c.secrets = &secretList{}
	for _, secret := range []string{s.clientSecret, s.bearerToken} {
		if secret != "" {
			c.secrets.values = append(c.secrets.values, secret)
		}
	}
	c.rc.HTTPClient.CheckRedirect = checkRedirect(c.rc.HTTPClient.CheckRedirect, c.secrets.values)

	if c.tokens, err = s.tokenCache(c); err != nil {
		return nil, err
	}

	c.common.client = c
	c.Connections = (*ConnectionsService)(&c.common)
	c.DataModels = (*DataModelsService)(&c.common)
	c.Pipelines = (*PipelinesService)(&c.common)
	c.Runs = (*RunsService)(&c.common)
	return c, nil
}

// retryClient returns a retryablehttp.Client over hc with c's retry policy, attempt numbering, retry
// decision and reports: the one setting of the API's requests and the token requests. No Logger:
// checkRetry logs each attempt once, without the query string that retryablehttp's own lines would
// show; and it waits between attempts itself (no Backoff), so the attempt hook can say how long.
func (c *Client) retryClient(hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:     hc,
		RetryWaitMin:   c.policy.MinWait,
		RetryWaitMax:   c.policy.MaxWait,
		RetryMax:       c.policy.MaxRetries,
		RequestLogHook: c.beforeAttempt,
		CheckRetry:     c.checkRetry,
		Backoff:        noBackoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
	}
}

// tokenCache builds the token cache of the chosen auth option; token requests go through c's HTTP client
// and are retried, logged and reported as c's requests are.
func (s *settings) tokenCache(c *Client) (*tokens, error) {
	switch s.auth {
	case authClientCredentials:
		if s.clientID == "" {
			return nil, &ValidationError{Field: "clientID", Rule: "must not be empty"}
		}
		if s.clientSecret == "" {
			return nil, &ValidationError{Field: "clientSecret", Rule: "must not be empty"}
		}
		u, err := parseBaseURL("token URL", s.tokenURL)
		if err != nil {
			return nil, err
		}
		return newTokens(&clientCredentials{
			rc:           c.retryClient(c.rc.HTTPClient),
			tokenURL:     s.tokenURL,
			route:        route{tokenOperation, "/" + strings.TrimLeft(u.EscapedPath(), "/")},
			audience:     s.audience,
			clientID:     s.clientID,
			clientSecret: s.clientSecret,
			guard:        newSecretGuard(s.clientSecret),
			userAgent:    c.userAgent,
			now:          time.Now,
		}, true), nil
	case authBearer:
		if s.bearerToken == "" {
			return nil, &ValidationError{Field: "bearer token", Rule: "must not be empty"}
		}
		return newTokens(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: s.bearerToken}), false), nil
	case authTokenSource:
		if s.tokenSource == nil {
			return nil, &ValidationError{Field: "token source", Rule: "must not be nil"}
		}
		return newTokens(opaqueSource{s.tokenSource}, true), nil
	}
	return nil, ErrNoCredentials
}

// parseBaseURL checks that raw, the value of the option field, is an absolute http(s) URL without user
// info, query or fragment, and https unless its host is a local one (plainHTTPAllowed). Its errors never quote raw: they show at most its scheme, host and path,
// taken apart from the rest, since user info or a query may hold a secret.
func parseBaseURL(field, raw string) (*url.URL, error) {
	if hasUserInfo(raw) {
		return nil, fmt.Errorf("%s must not hold user info (user:password@ before the host); "+
			"give credentials with WithClientCredentials, WithBearerToken or WithTokenSource", field)
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error quotes the whole URL
		}
		return nil, fmt.Errorf("%s is not a valid URL: %w", field, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" || u.User != nil {
		return nil, fmt.Errorf("%s %q must be an absolute http or https URL", field, redactedURL(u))
	}
	// An empty "?" or "#" leaves RawQuery and Fragment empty but would still put every API path in the
	// query or the fragment of the requests.
	if strings.ContainsAny(raw, "?#") {
		return nil, fmt.Errorf("%s %q must not have a query or fragment", field, redactedURL(u))
	}
	if u.Scheme == "http" && !plainHTTPAllowed(u.Hostname()) {
		return nil, fmt.Errorf("%s %q must use https: http would send credentials in clear text; it is accepted only "+
			"for loopback, private and link-local addresses and local names (localhost, a name without dots, "+
			".test, .internal, .local, …)", field, redactedURL(u))
	}
	return u, nil
}

// hasUserInfo reports whether the authority of raw (what follows "scheme:" and "//", up to the first
// "/", "?" or "#") holds an "@": user info, which url.Parse would accept, and print in its errors.
func hasUserInfo(raw string) bool {
	rest := raw
	if i := strings.IndexByte(rest, ':'); i > 0 && !strings.ContainsAny(rest[:i], "/?#@") {
		rest = rest[i+1:]
	}
	rest = strings.TrimPrefix(rest, "//")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Contains(rest, "@")
}

// WorkspaceID returns the workspace the client works in.
func (c *Client) WorkspaceID() string { return c.workspaceID }

// CloseIdleConnections closes the idle keep-alive connections of the client's HTTP transport (its own,
// or the one given with WithHTTPClient), as http.Client.CloseIdleConnections does. The client stays usable.
func (c *Client) CloseIdleConnections() { c.rc.HTTPClient.CloseIdleConnections() }

// BaseURL returns the API's address as WithBaseURL gave it (DefaultBaseURL by default), without a
// trailing slash, for example "https://proxy.example.com/mparticle".
func (c *Client) BaseURL() string { return c.baseURL }

// WorkspaceURL returns the workspace root the client sends requests to, for example
// "https://api.mparticle.com/platform/v2/workspaces/123/".
func (c *Client) WorkspaceURL() string {
	u, err := url.Parse(c.root)
	if err != nil {
		return ""
	}
	return redactedURL(u)
}

// newRequest builds a request for path (relative to the workspace root, segments already escaped),
// with opts encoded as the query string and body, when not nil, encoded as JSON.
func (c *Client) newRequest(ctx context.Context, rt route, method, path string, opts, body any) (*retryablehttp.Request, error) {
	if ctx == nil {
		return nil, &ValidationError{Field: "ctx", Rule: "must not be nil"}
	}
	u := c.root + path
	if opts != nil {
		q, err := query.Values(opts)
		if err != nil {
			return nil, fmt.Errorf("%s /%s: encoding query: %w", method, path, err)
		}
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
	}
	var raw any // nil: no body; retryablehttp rewinds a []byte for every attempt
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s /%s: encoding body: %w", method, path, err)
		}
		raw = b
	}
	a := &attempt{Context: ctx, method: method, path: path, route: rt}
	if method == http.MethodPost {
		a.kind = retryUnsafe // create marks its requests retryReconciled
	}
	req, err := retryablehttp.NewRequestWithContext(a, method, u, raw)
	if err != nil {
		return nil, fmt.Errorf("%s /%s: %w", method, path, err)
	}
	// The header map is the request's own; the value slices are shared and never written.
	req.Header["Accept"] = c.jsonHeader
	req.Header["User-Agent"] = c.uaHeader
	if body != nil {
		req.Header["Content-Type"] = c.jsonHeader
	}
	return req, nil
}

// call is newRequest → do for a request whose successful answer decodes into a T.
func call[T any](ctx context.Context, c *Client, rt route, method, path string, opts, body any) (*T, error) {
	req, err := c.newRequest(ctx, rt, method, path, opts, body)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := c.do(req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// delete sends a DELETE for path; the answer's body is ignored.
func (c *Client) delete(ctx context.Context, rt route, path string) error {
	req, err := c.newRequest(ctx, rt, http.MethodDelete, path, nil, nil)
	if err != nil {
		return err
	}
	return c.do(req, nil)
}

// do sends req with retries and token refreshes (send), turns a response outside 2xx into an
// *APIError (marked ErrOutcomeUnknown when an attempt may have taken effect), reads a successful body
// up to the client's limit, decodes it into out (when out is not nil) and checks it, and records the
// response for a context made by WithResponse. It is the one request path of every call.
func (c *Client) do(req *retryablehttp.Request, out any) error {
	a := attemptFrom(req.Context())
	rec := responseRecorder(a)
	if rec != nil {
		*rec = Response{}
	}
	resp, err := c.send(req, a)
	if err != nil {
		return a.outcome(fmt.Errorf("%s %s: %w", a.method, a.apiPath(), refusedRedirect(err)))
	}
	defer resp.Body.Close()
	if rec != nil {
		rec.StatusCode, rec.Header = resp.StatusCode, c.guard(a).header(resp.Header)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
	default:
		return a.outcome(newAPIError(resp, a.method, redactedURL(req.URL), a.apiPath(), c.now(), c.guard(a)))
	}
	if (out == nil && rec == nil) || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	body, err := readBody(resp, c.maxBody)
	if err != nil {
		return fmt.Errorf("%s %s: reading response: %w", a.method, a.apiPath(), err)
	}
	if rec != nil {
		rec.Body = body
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		if !c.guard(a).clean(err.Error()) {
			// The decoder quoted a value that shares text with a credential: name the type only.
			err = fmt.Errorf("the body is not a valid %T (the decoder's message is withheld: it shares text with a credential)", out)
		}
		return fmt.Errorf("%s %s: decoding response: %w", a.method, a.apiPath(), err)
	}
	if v, ok := out.(checkedResponse); ok {
		if err := v.checkResponse(); err != nil {
			return fmt.Errorf("%s %s: %w: %w", a.method, a.apiPath(), ErrIncompleteResponse, err)
		}
	}
	return nil
}

// maxPresized bounds the buffer allocated up front for a response body from its Content-Length.
const maxPresized = 16 << 20

// readBody reads resp's body to its end, into one buffer of the announced length when there is one. A
// body longer than limit is an error matching ErrResponseTooLarge; at most limit+1 bytes are read.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	tooLarge := func() error {
		return fmt.Errorf("%w: the body exceeds the limit of %d bytes (WithMaxResponseBody changes it)", ErrResponseTooLarge, limit)
	}
	n := resp.ContentLength
	if n > limit {
		return nil, tooLarge()
	}
	r := io.LimitReader(resp.Body, limit+1)
	var b []byte
	var err error
	if n <= 0 || n > maxPresized {
		b, err = io.ReadAll(r)
	} else {
		// bytes.MinRead spare bytes let ReadFrom see the end of the body without growing the buffer.
		buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
		_, err = buf.ReadFrom(r)
		b = buf.Bytes()
	}
	if err == nil && int64(len(b)) > limit {
		return nil, tooLarge()
	}
	return b, err
}

// send runs retryablehttp's attempts. When the API rejects the token (401), it drops that token from
// the cache and resends with the next one: a newer token that another call cached meanwhile, or else a
// fresh one. The call stops at the first 401 for a token fetched after one of its own rejections
// (fetching again would not help), at a token it already saw rejected, and after maxAuthResends
// resends. So a newer token that was already stale when another call cached it (a server clock ahead
// of the client's, say) costs one more resend, not the call.
func (c *Client) send(req *retryablehttp.Request, a *attempt) (*http.Response, error) {
	// The first attempt's header map is the request's own.
	if err := c.setAuthorization(req.Request, false); err != nil {
		return nil, err
	}
	var rejected []string
	refreshed := false // the token sent last was fetched after this call's rejection of its predecessor
	for {
		resp, err := c.rc.Do(req)
		if err != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, safeTransportError(err, func() *secretGuard { return c.guard(a) })
		}
		if resp.StatusCode != http.StatusUnauthorized || c.tokens == nil || !c.tokens.refreshable ||
			refreshed || len(rejected) == maxAuthResends {
			return resp, nil
		}
		sent := sentAuthorization(resp)
		refreshed = c.tokens.invalidate(sent)
		rejected = append(rejected, sent)
		next, err := c.tokens.header(req.Context())
		if err == nil && slices.Contains(rejected, next.value[0]) {
			return resp, nil // the source has no other token
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		setHeader(req.Request, "Authorization", next.value) // the earlier attempt shares the map
		a.offset = a.n
	}
}

// secretList holds secrets behind a pointer: fmt prints a pointer inside a struct as an address, so a
// Client printed with %v, %+v or %#v shows none of them.
type secretList struct{ values []string }

// guard returns the guard of the secrets the call a carried: the client's own and every access token
// its attempts sent. It is built once per call, and again only after an attempt sent another token:
// the call's header, error and attempt reports share it.
func (c *Client) guard(a *attempt) *secretGuard {
	if a.guarded != nil {
		return a.guarded
	}
	secrets := append(slices.Clone(c.secrets.values), bearerOf(a.sent))
	for _, v := range a.sentMore {
		secrets = append(secrets, bearerOf(v))
	}
	a.guarded = newSecretGuard(secrets...)
	return a.guarded
}

// redactedURL returns u without query, fragment and user info.
func redactedURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}
