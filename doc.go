// Package warehousesync is a Go client for the mParticle Warehouse Sync API (v2): connections to data
// warehouses (Snowflake, BigQuery, Redshift, Databricks), data models (SQL queries), pipelines that sync a
// model through a connection on a schedule, on-demand triggers, status reports and pipeline runs.
//
// # Getting started
//
// A Client works in one workspace. Create it with credentials, then use its services:
//
//	c, err := warehousesync.NewClient(workspaceID,
//		warehousesync.WithClientCredentials(clientID, clientSecret),
//	)
//	if err != nil { … }
//	conns, err := c.Connections.List(ctx, nil)
//	tr, err := c.Pipelines.Trigger(ctx, "my-pipeline")
//	run, err := c.Runs.Wait(ctx, "my-pipeline", tr.PipelineRunID)
//
// NewClientFromEnv reads MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID and MPARTICLE_CLIENT_SECRET (and
// optionally MPARTICLE_API_URL and MPARTICLE_TOKEN_URL) instead. The services are Connections,
// DataModels, Pipelines and Runs; every method takes a context first. A Client is safe for concurrent
// use and should be reused: it caches its access token and keeps HTTP connections open.
//
// Requests go to https://api.mparticle.com/platform/v2/workspaces/{workspaceID}; WithBaseURL changes
// the host and may add a path prefix (a proxy, or the fake server of package warehousesynctest).
//
// # Authentication
//
// WithClientCredentials uses mParticle's OAuth client-credentials flow: the client posts the documented
// JSON body to https://sso.auth.mparticle.com/oauth/token (WithTokenURL, WithAudience change it), keeps
// the token until a minute before it expires (a short-lived one until three quarters of its life), lets
// concurrent calls share a single token request (retried like a GET), and when the API nevertheless
// answers 401 it resends the request with a newer token, fetching a fresh one at most once per call.
// WithBearerToken sends a fixed token; WithTokenSource takes any golang.org/x/oauth2 TokenSource.
//
// # Retries
//
// Requests are retried with exponential back-off and jitter (go-retryablehttp, see RetryPolicy): GET,
// PUT, DELETE, token requests and Creates after network errors and 429, 500, 502, 503 and 504;
// Pipelines.Trigger only after 429 and refused connections, because the API has no idempotency keys
// and a retried trigger could start a second run. A Retry-After header is honoured up to the policy's
// maximum wait. Waiting stops as soon as the context is done. WithRetryPolicy(RetryPolicy{Disabled:
// true}) turns retries off. Each attempt is bounded by WithAttemptTimeout (one minute by default), and
// a successful body by WithMaxResponseBody (32 MiB by default).
//
// # Lost answers
//
// A POST whose answer is lost (a 5xx or a network error after it may have been sent) may have taken
// effect:
//
//	Operation            After a lost answer
//	Create (any kind)    retried; "already exists" on a retry reads the resource back: the one sent →
//	                     success; a different one → ErrAlreadyExists; retries run out → ErrOutcomeUnknown
//	Pipelines.Trigger    never resent: ErrOutcomeUnknown (a run may have started; never two runs)
//	GET, PUT, DELETE     retried
//
// errors.As finds the *APIError behind ErrOutcomeUnknown.
//
// # Errors
//
// A response outside 2xx is an *APIError with the status, the API's messages, Retry-After and the raw
// body. Test for a kind of failure with errors.Is and the sentinels ErrNotFound, ErrBadRequest,
// ErrPipelineBusy, ErrRateLimited, ErrWarehouseUnreachable (the API's 505), ErrServer and so on:
//
//	_, err := c.Pipelines.Trigger(ctx, "my-pipeline")
//	if errors.Is(err, warehousesync.ErrPipelineBusy) {
//		// a run is already in progress
//	}
//
// An error never shows a credential its request carried: text the server returns is shown only when
// it provably holds no part of one. No request follows a redirect to another origin (scheme, host and
// port, https to http included): it fails with ErrRedirectRefused, and nothing is sent there.
//
// IDs are checked before any request: an empty ID, or one that is not 1 to 128 letters, digits, _ or -,
// gives a *ValidationError naming the argument.
//
// # Runs
//
// Runs.List returns one page; Runs.All iterates over all pages (range over it, break to stop early);
// Runs.Wait polls a run until it succeeds, fails or is stopped, bounded by the context.
//
// # Types
//
// Every field of the API has a Go field. Enumerations are typed strings with constants (StateActive,
// RunSuccess, ScheduleOnDemand, …). A Connection's Config is a *SnowflakeConfig, *BigQueryConfig,
// *RedshiftConfig or *DatabricksConfig (a *RawConfig for a warehouse this version does not know, kept
// byte for byte and treated as all secret); ServiceProvider is filled from it. Timestamp accepts every timestamp shape the API
// sends, Delay parses schedule delays such as "15m" or "5d", and numbers that the API sends as strings
// or integers decode either way. Secrets in configs have the type Secret, which never prints its value
// with fmt, slog or json.Marshal, alone, behind a pointer, or in a slice, array, map value, interface or
// exported struct field; only the client's own requests carry it. Go gives the type no say in two
// places: an unexported field of your own struct, which fmt prints without calling methods, and a map
// key, which encoding/json writes as it is; keep secrets out of both. The API returns secrets as
// MaskedSecret, and sending MaskedSecret back in an update keeps the stored value.
//
// # Observability
//
// WithResponse records the HTTP response behind a call (status, headers, raw body of a success) in a
// Response. WithAttemptHook calls a function after every HTTP attempt, token requests included, with an
// Attempt (operation, method, route template, attempt number, status or error, duration, request id,
// and the wait before a retry and its reason): the place for tracing spans and metrics. WithLogger logs
// every attempt once at debug level (the same, and the path), never query strings, headers, bodies or
// tokens. WithHTTPClient takes an *http.Client with your own transport (tracing,
// proxies); WithUserAgent adds to the User-Agent "warehousesync-go/<Version>".
package warehousesync
