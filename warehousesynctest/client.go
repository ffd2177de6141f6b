package warehousesynctest

import (
	"errors"
	"time"

	ws "github.com/wsync-dev/warehousesync"
)

// Client returns a *warehousesync.Client for the default workspace, pointed at the server and
// authenticated with its credentials (unless opts choose another way to authenticate). Its retries wait 1 to 10 ms (a Retry-After is capped there too), so
// fault tests stay fast; opts are applied after these defaults and may replace them. With an option the
// client refuses, Client fails the test of a Server made by NewServer, and returns nil for one made by
// Start.
func (s *Server) Client(opts ...ws.Option) *ws.Client {
	all := append([]ws.Option{
		ws.WithBaseURL(s.URL()),
		ws.WithTokenURL(s.TokenURL()),
		ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}),
	}, opts...)
	c, err := ws.NewClient(s.cfg.workspace, all...)
	if errors.Is(err, ws.ErrNoCredentials) { // opts choose no other way to authenticate: the server's
		c, err = ws.NewClient(s.cfg.workspace, append(all[:3:3], append([]ws.Option{
			ws.WithClientCredentials(s.cfg.clientID, s.cfg.clientSecret)}, opts...)...)...)
	}
	if err != nil {
		if s.tb != nil {
			s.tb.Helper()
			s.tb.Fatalf("warehousesynctest: client: %v", err)
		}
		return nil
	}
	return c
}
