package warehousesynctest

import (
	"context"
	"errors"
	"fmt"
	"time"

	ws "github.com/wsync-dev/warehousesync"
)

// pollGrace is how long, in wall time, the pause of a waiting client (pollWait) waits for a manual
// clock that nothing advances before it gives up with ErrNoProgress.
const pollGrace = time.Second

// realTimePollInterval is how often the client of a real-time server polls a run.
const realTimePollInterval = 100 * time.Millisecond

// NewClient returns a *warehousesync.Client for the default workspace, pointed at the server and
// authenticated with its credentials (unless opts choose another way to authenticate), or the error
// warehousesync.NewClient gives for opts. opts are applied after these defaults and may replace them:
//   - Its retries wait 1 to 10 ms (a Retry-After is capped there too), so fault tests stay fast.
//   - Runs.Wait and Pipelines.WaitIdle never sleep on a manual clock. With WithAutoAdvance each poll
//     moves the clock to the polled run's next status, so the pause between polls returns at once.
//     Without it only the test moves the clock: the pause returns as soon as the clock moves (srv.Advance
//     from another goroutine), and when it has not moved for a second of wall time the wait ends with an
//     error matching warehousesync.ErrNoProgress that names the fix, instead of hanging. With the
//     real-time clock the client polls every 100 ms.
func (s *Server) NewClient(opts ...ws.Option) (*ws.Client, error) {
	all := s.ClientOptions()
	defaults := all[: len(all)-1 : len(all)-1] // without the credentials, the last
	c, err := ws.NewClient(s.cfg.workspace, append(defaults, opts...)...)
	if errors.Is(err, ws.ErrNoCredentials) { // opts choose no other way to authenticate: the server's
		c, err = ws.NewClient(s.cfg.workspace, append(all, opts...)...)
	}
	if err != nil {
		return nil, fmt.Errorf("warehousesynctest: client: %w", err)
	}
	return c, nil
}

// ClientOptions returns every option Client sets, for code that builds its own client against the
// fake, such as production code under test:
//
//	c, err := warehousesync.NewClient(srv.WorkspaceID(), srv.ClientOptions()...)
//
// They are the API and token addresses, the fast retries, the poll interval and, above all, the pause
// between polls that follows the server's clock (without it, a wait on a manual clock that nothing
// moves lasts until its context ends, forever without a deadline, where this pause ends it with
// ErrNoProgress), and last the server's credentials. Each call returns new options: each client gets
// its own pause.
func (s *Server) ClientOptions() []ws.Option {
	return []ws.Option{
		ws.WithBaseURL(s.URL()),
		ws.WithTokenURL(s.TokenURL()),
		ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}),
		ws.WithPollInterval(realTimePollInterval),
		ws.WithPollWait(s.newPollWait()),
		ws.WithClientCredentials(s.cfg.clientID, s.cfg.clientSecret),
	}
}

// Client is NewClient for tests: on a Server made by NewServer it fails the test when opts are refused.
// A Server made by Start has no test to fail: there Client returns nil when opts are refused, and
// programs should call NewClient, which returns the error.
func (s *Server) Client(opts ...ws.Option) *ws.Client {
	c, err := s.NewClient(opts...)
	if err != nil && s.tb != nil {
		s.tb.Helper()
		s.tb.Fatal(err)
	}
	return c
}

// newPollWait returns the pause between two polls of one client (see Client): the clock's.
func (s *Server) newPollWait() func(ctx context.Context, interval time.Duration) error {
	return s.clock.pollWait()
}
