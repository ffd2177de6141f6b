package warehousesynctest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsync-dev/warehousesync/internal/engine"
)

// apiPrefix is the path of every workspace's API root: apiPrefix + "{workspaceId}/...".
const apiPrefix = "/platform/v2/workspaces/"

// Server is a fake Warehouse Sync API: the workspace API, the OAuth token endpoint and the admin
// endpoints under /_fake/, over one engine that owns every resource and runs pipelines on the server's
// own clock. Its methods are safe for concurrent use. Two Servers share nothing.
type Server struct {
	cfg         config
	tb          testing.TB // nil for a Server made by Start
	routes      []route[handler]
	adminRoutes []route[adminHandler]
	shapes      map[string]*shape       // of request bodies, by route (bodyShapes)
	queries     map[string][]queryParam // the documented query parameters, by route (queryParams)

	// tokenMu lets a request look its token up (tokenKnown) before it takes mu: tokens is written with
	// both held, and read with either.
	tokenMu sync.Mutex

	mu         countedMutex // guards everything below, the engine included
	clock      clock
	eng        *engine.Engine
	workspaces map[string]*workspace
	tokens     map[string]tokenInfo
	tokenQueue []queuedToken // the tokens in expiry order (budgets.go)
	stored     int64         // bytes of stored resources, against Budgets.MaxStoredBytes
	faults     []*faultState
	log        requestLog

	answers answerBufs // the buffers of the engine's JSON answers, reused across requests

	http *http.Server
	url  string
	done chan struct{} // closed when the server stops
	bulk chan struct{} // one slot: the admin operations on large documents run one at a time
	wg   sync.WaitGroup
	stop sync.Once
}

// countedMutex is a mutex that counts how often it was locked, so that tests can check that a request
// takes it once.
type countedMutex struct {
	sync.Mutex
	locks atomic.Int64
}

// Lock locks the mutex and counts it.
func (m *countedMutex) Lock() {
	m.Mutex.Lock()
	m.locks.Add(1)
}

// NewServer starts a Server on a free loopback port for the test t, stops it when the test ends, and
// fails the test if it cannot start, or if it ends with an injected Fault that never fired (unless the
// fault is Optional).
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("warehousesynctest: %v", err)
		return nil
	}
	s.tb = t
	t.Cleanup(func() {
		t.Helper() // report at the NewServer call; the message names each fault's InjectFault call
		s.mu.Lock()
		unfired := s.unfiredFaultsLocked()
		s.mu.Unlock()
		for _, f := range unfired {
			t.Errorf("warehousesynctest: the fault %s never fired: no request matched it (set Optional to allow that)", f)
		}
		s.Close()
	})
	return s
}

// Start starts a Server for a program (the binary uses it): it listens on 127.0.0.1:0 unless WithAddr
// says otherwise. Stop it with Close or Shutdown.
func Start(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	s := &Server{
		cfg:         cfg,
		routes:      apiRoutes(),
		adminRoutes: adminRoutes(),
		shapes:      bodyShapes(),
		queries:     queryParams(),
		workspaces:  map[string]*workspace{},
		log:         requestLog{maxBytes: cfg.budgets.MaxRequestLogBytes, maxEntries: cfg.budgets.MaxRequestLogEntries},
		tokens:      map[string]tokenInfo{},
		url:         "http://" + ln.Addr().String(),
		done:        make(chan struct{}),
		bulk:        make(chan struct{}, 1),
	}
	var start time.Time
	s.clock, start = newClock(s)
	s.eng = engine.New(cfg.engineConfig(start))
	for _, id := range cfg.knownWorkspaces() {
		s.workspaces[id] = s.newWorkspaceLocked(id)
	}
	if err := s.startFromSnapshot(); err != nil {
		_ = ln.Close()
		return nil, err
	}
	lim := cfg.httpLimits
	s.http = &http.Server{
		Handler:           s.guardHost(s.Handler(), isLoopback(ln.Addr())),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// Serve returns http.ErrServerClosed after Close or Shutdown; nothing else stops it.
		_ = s.http.Serve(limitListener(ln, lim.MaxConnections))
	}()
	s.clock.start()
	return s, nil
}

// isLoopback reports whether a listener's address is a loopback IP.
func isLoopback(a net.Addr) bool {
	tcp, isTCP := a.(*net.TCPAddr)
	return isTCP && tcp.IP.IsLoopback()
}

// guardHost refuses, when the server listens on loopback, requests whose Host is neither localhost nor a
// loopback IP: a web page that rebinds its own name to 127.0.0.1 must not reach the fake.
func (s *Server) guardHost(h http.Handler, loopback bool) http.Handler {
	if !loopback {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLocalHost(r.Host) {
			writeReply(w, errReply(http.StatusForbidden, fmt.Sprintf("Forbidden: Host %q is not this server's "+
				"address. The fake listens on loopback and answers only requests for localhost or a loopback IP, "+
				"so that web pages cannot reach it by DNS rebinding.", truncate(r.Host, 80))))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isLocalHost reports whether a Host header names localhost or a loopback IP, with or without a port.
func isLocalHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// adminTokenProblem returns why an admin request is refused for want of the admin token, or "".
func (s *Server) adminTokenProblem(r *http.Request) string {
	if s.cfg.adminToken == "" {
		return ""
	}
	if token, found := bearerToken(r); found && equalSecret(token, s.cfg.adminToken) {
		return ""
	}
	return "Unauthorized: the admin endpoints need Authorization: Bearer <admin token>, the token the server was started with."
}

// Handler returns the whole fake as an http.Handler: the API under /platform/v2/workspaces/{id}/, the
// token endpoint POST /oauth/token and the admin endpoints under /_fake/. Use it to mount the fake in
// another server; URL and TokenURL keep pointing at the Server's own listener. The Host check and the
// timeouts of the Server's own listener (WithAddr, WithHTTPLimits) are then that server's to set.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// URL is the API root, for example http://127.0.0.1:PORT: a client adds /platform/v2/workspaces/{id}.
func (s *Server) URL() string { return s.url }

// TokenURL is the OAuth token endpoint, URL() + "/oauth/token".
func (s *Server) TokenURL() string { return s.url + tokenPath }

// WorkspaceID returns the default workspace id (DefaultWorkspaceID unless WithWorkspace).
func (s *Server) WorkspaceID() string { return s.cfg.workspace }

// Credentials returns the client id and secret the token endpoint accepts.
func (s *Server) Credentials() (clientID, clientSecret string) {
	return s.cfg.clientID, s.cfg.clientSecret
}

// Close stops the server at once: open connections are closed and the real-time goroutine ends. It is
// safe to call more than once.
func (s *Server) Close() {
	_ = s.http.Close()
	s.stopBackground()
}

// Shutdown stops the server gracefully: it stops accepting requests, waits for the ones in flight until
// ctx ends, then stops the real-time goroutine.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
	}
	s.stopBackground()
	return err
}

// stopBackground ends the real-time goroutine and waits for it and for the serve goroutine.
func (s *Server) stopBackground() {
	s.stop.Do(func() { close(s.done) })
	s.wg.Wait()
}

// Reset empties the server: every workspace's connections, data models, pipelines, runs, seeded
// records, connection and data model faults, the HTTP faults and the request log. The clock keeps its
// time, the options and the known workspaces stay, and issued tokens stay valid.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.eng.Reset()                  // keeps the run id counter: run ids increase across the whole server
	for id := range s.workspaces { // the known workspaces stay, emptied
		s.workspaces[id] = s.newWorkspaceLocked(id)
	}
	s.stored = 0
	s.faults = nil
	s.log.reset()
	s.settleLocked()
}
