package warehousesynctest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/schedule"
)

// The defaults of a Server. They are part of the documented behaviour of the fake.
const (
	// DefaultWorkspaceID is the id of a Server's default workspace (Server.DefaultWorkspace), the one
	// Server.Client talks to.
	DefaultWorkspaceID = "12345"
	// DefaultClientID and DefaultClientSecret are the credentials the token endpoint accepts.
	DefaultClientID     = "fake-client-id"
	DefaultClientSecret = "fake-client-secret"
	// DefaultTokenTTL is the lifetime of an access token (expires_in 28800), as mParticle documents.
	DefaultTokenTTL = 8 * time.Hour
	// DefaultMaxActivePipelines is mParticle's documented limit of active pipelines per workspace.
	DefaultMaxActivePipelines = 5
)

// DefaultStartTime is where a manual clock starts: 2025-01-01T00:00:00Z.
func DefaultStartTime() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }

// Option configures a Server.
type Option func(*config)

// config is the settings of one Server, fixed at start.
type config struct {
	budgets             Budgets
	lenientBodies       bool     // unknown members of request bodies are ignored instead of refused
	workspaces          []string // served besides the default workspace (WithWorkspaces)
	addr                string
	workspace           string
	clientID            string
	clientSecret        string
	start               time.Time
	realTime            bool
	wall                wallClock // of the real-time clock, and of the grace of pollWait
	pollGrace           time.Duration
	autoAdvance         bool
	maxActive           int
	tokenTTL            time.Duration
	transformations     []string // nil: any id is accepted
	attemptDuration     time.Duration
	retries             int // -1: default
	retryDelay          time.Duration
	recordLimit         map[ws.Frequency]int64
	catchUpWindow       func(ws.Frequency, time.Time) time.Time
	maxEventsPerAdvance int
	httpLimits          HTTPLimits
	adminToken          string // "": the admin endpoints need no token
	state               stateConfig
}

// HTTPLimits are the timeouts and the header size limit of the HTTP server that NewServer and Start
// start (see net/http.Server for what each means). They bound what a slow or idle client can hold: a
// body sent a byte at a time is cut after ReadTimeout, an idle keep-alive connection is closed after
// IdleTimeout. WriteTimeout also bounds a Fault's Latency.
type HTTPLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxConnections is how many connections the server holds open at once (default 256); further
	// clients wait to be accepted until one closes. With MaxHeaderBytes and the server's body limits
	// it bounds the memory that many slow clients hold together.
	MaxConnections int
}

// DefaultHTTPLimits returns the limits of a Server without WithHTTPLimits: 10 s to read the headers,
// 1 minute to read a whole request, 2 minutes to write the answer, idle connections closed after
// 2 minutes, 64 KiB of headers, and 256 connections at once.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, MaxConnections: 256}
}

func defaultConfig() config {
	return config{
		addr:         "127.0.0.1:0",
		workspace:    DefaultWorkspaceID,
		clientID:     DefaultClientID,
		clientSecret: DefaultClientSecret,
		start:        DefaultStartTime(),
		maxActive:    DefaultMaxActivePipelines,
		tokenTTL:     DefaultTokenTTL,
		retries:      -1,
		wall:         systemClock{},
		pollGrace:    pollGrace,
		httpLimits:   DefaultHTTPLimits(),
		budgets:      DefaultBudgets(),
	}
}

// check reports the first invalid setting.
func (c *config) check() error {
	switch {
	case !validSlug(c.workspace):
		return fmt.Errorf("workspace %q must be a slug of 1 to 128 letters, digits, _ or -", c.workspace)
	case c.clientID == "" || c.clientSecret == "":
		return errors.New("credentials: client id and secret must not be empty")
	case c.maxActive < 0:
		return fmt.Errorf("max active pipelines must not be negative, got %d", c.maxActive)
	case c.tokenTTL < time.Second:
		return fmt.Errorf("token ttl must be at least one second, got %s", c.tokenTTL)
	case c.attemptDuration < 0 || c.retryDelay < 0:
		return errors.New("attempt duration and retry delay must not be negative")
	case c.maxEventsPerAdvance < 0:
		return fmt.Errorf("max events per advance must not be negative, got %d", c.maxEventsPerAdvance)
	case c.httpLimits.ReadHeaderTimeout <= 0 || c.httpLimits.ReadTimeout <= 0 || c.httpLimits.WriteTimeout <= 0 ||
		c.httpLimits.IdleTimeout <= 0:
		return fmt.Errorf("http limits: every timeout must be positive, got %+v", c.httpLimits)
	case c.httpLimits.MaxConnections < 1:
		return fmt.Errorf("http limits: max connections must be 1 or more, got %d", c.httpLimits.MaxConnections)
	case c.httpLimits.MaxHeaderBytes < 1<<10:
		return fmt.Errorf("http limits: max header bytes must be at least 1024, got %d", c.httpLimits.MaxHeaderBytes)
	}
	for _, id := range c.transformations {
		if !validSlug(id) {
			return fmt.Errorf("field transformation id %q must be a slug", id)
		}
	}
	return c.checkWorkspaces()
}

// engineConfig is the engine's configuration at time start.
func (c *config) engineConfig(start time.Time) engine.Config {
	ec := engine.Config{
		Start:               start,
		AttemptDuration:     c.attemptDuration,
		RetryDelay:          c.retryDelay,
		MaxEventsPerAdvance: c.maxEventsPerAdvance,
		MaxRuns:             c.budgets.MaxRuns,
	}
	switch {
	case c.retries == 0:
		ec.Retries = engine.NoRetries
	case c.retries > 0:
		ec.Retries = c.retries
	}
	if len(c.recordLimit) > 0 {
		ec.RecordLimit = make(map[engine.Frequency]int64, len(c.recordLimit))
		for f, n := range c.recordLimit {
			ec.RecordLimit[engine.Frequency(f)] = n
		}
	}
	if window := c.catchUpWindow; window != nil {
		ec.CatchUpWindow = func(p schedule.Period, a time.Time) time.Time { return window(frequencyOf(p), a) }
	}
	return ec
}

func frequencyOf(p schedule.Period) ws.Frequency {
	switch p {
	case schedule.Hourly:
		return ws.FrequencyHourly
	case schedule.Daily:
		return ws.FrequencyDaily
	case schedule.Weekly:
		return ws.FrequencyWeekly
	}
	return ws.FrequencyMonthly
}

// WithAddr makes Start and NewServer listen on addr (host:port; port 0 picks a free port). The default
// is 127.0.0.1:0. On a loopback address the server answers only requests whose Host is localhost or a
// loopback IP (403 otherwise), so that a web page cannot reach it through DNS rebinding; on any other
// address anyone who can reach it can drive it: give it WithAdminToken.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithWorkspace sets the default workspace id (default "12345"): the workspace of Client and of the
// Server's per-workspace methods. The server serves it, those of WithWorkspaces and those added later
// (AddWorkspace); a request to any other workspace id is a 404 naming the known ones.
func WithWorkspace(id string) Option { return func(c *config) { c.workspace = id } }

// WithCredentials sets the client id and secret that the token endpoint accepts (default
// "fake-client-id" / "fake-client-secret").
func WithCredentials(clientID, clientSecret string) Option {
	return func(c *config) { c.clientID, c.clientSecret = clientID, clientSecret }
}

// WithStartTime sets where the manual clock starts (default 2025-01-01T00:00:00Z). It is ignored with
// WithRealTimeClock.
func WithStartTime(t time.Time) Option { return func(c *config) { c.start = t.UTC() } }

// WithRealTimeClock makes the server's clock follow the wall clock: runs progress on their own, driven
// by one goroutine, and Advance, AdvanceTo and RunUntilIdle return an error.
func WithRealTimeClock() Option { return func(c *config) { c.realTime = true } }

// WithAutoAdvance makes a GET of a run or of a report, while the pipeline has an active run, first move
// the manual clock from event to event until what the client polls changes (the run's status, or the
// report's status and latest run), processing every other event on the way. A client polling for a run's
// end, such as Runs.Wait, thus sees each next status at once and finishes in milliseconds. Other reads
// (the pipeline, the runs list) never move the clock.
func WithAutoAdvance() Option { return func(c *config) { c.autoAdvance = true } }

// WithMaxActivePipelines sets how many pipelines may be active in one workspace (default 5; 0: no limit).
func WithMaxActivePipelines(n int) Option { return func(c *config) { c.maxActive = n } }

// WithTokenTTL sets the lifetime of access tokens on the server's clock (default 8 hours).
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithFieldTransformations registers the field transformation ids every workspace knows at start; a
// pipeline naming another id is then a 400. Without it, any slug is accepted. An id given twice counts
// once.
func WithFieldTransformations(ids ...string) Option {
	return func(c *config) {
		known := append([]string{}, ids...) // not nil even when empty: nil means any id
		slices.Sort(known)
		c.transformations = slices.Compact(known)
	}
}

// WithAttemptDuration sets how long one attempt of a run lasts in fake time (default 1 minute).
func WithAttemptDuration(d time.Duration) Option { return func(c *config) { c.attemptDuration = d } }

// WithRetries sets how many times a failed attempt is retried (default 2; 0: no retries).
func WithRetries(n int) Option { return func(c *config) { c.retries = max(n, 0) } }

// WithRetryDelay sets the wait between a failed attempt and its retry (default 5 minutes).
func WithRetryDelay(d time.Duration) Option { return func(c *config) { c.retryDelay = d } }

// WithRecordLimit sets the most records one run of a pipeline of frequency freq may sync; a run over it
// fails. freq "" is the limit of once and on-demand runs. Default: no limit.
func WithRecordLimit(freq ws.Frequency, n int64) Option {
	return func(c *config) {
		if c.recordLimit == nil {
			c.recordLimit = map[ws.Frequency]int64{}
		}
		c.recordLimit[freq] = n
	}
}

// WithCatchUpWindow replaces mParticle's catch-up window of a new pipeline (hourly 7 days, daily 6
// months, weekly 3 years, monthly 5 years): window returns the earliest interval end that still gets a
// run of its own when a pipeline of frequency f first becomes active at activated.
func WithCatchUpWindow(window func(f ws.Frequency, activated time.Time) time.Time) Option {
	return func(c *config) { c.catchUpWindow = window }
}

// WithMaxEventsPerAdvance caps the events one clock move may process (default 1,000,000); a larger move
// is refused before anything changes.
func WithMaxEventsPerAdvance(n int) Option { return func(c *config) { c.maxEventsPerAdvance = n } }

// WithHTTPLimits replaces the timeouts, the header size limit and the connection limit of the server's
// HTTP server; a zero field keeps its default (DefaultHTTPLimits).
func WithHTTPLimits(l HTTPLimits) Option {
	return func(c *config) {
		d := &c.httpLimits
		for _, f := range []struct {
			dst *time.Duration
			v   time.Duration
		}{{&d.ReadHeaderTimeout, l.ReadHeaderTimeout}, {&d.ReadTimeout, l.ReadTimeout},
			{&d.WriteTimeout, l.WriteTimeout}, {&d.IdleTimeout, l.IdleTimeout}} {
			if f.v != 0 {
				*f.dst = f.v
			}
		}
		if l.MaxConnections != 0 {
			d.MaxConnections = l.MaxConnections
		}
		if l.MaxHeaderBytes != 0 {
			d.MaxHeaderBytes = l.MaxHeaderBytes
		}
	}
}

// WithAdminToken makes the admin endpoints under /_fake/ require the header Authorization: Bearer
// token (401 otherwise). The binary requires one when it listens on an address other than loopback.
func WithAdminToken(token string) Option { return func(c *config) { c.adminToken = token } }
