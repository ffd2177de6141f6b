package warehousesync_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// A hostile server, on loopback, that speaks broken HTTP or answers with what a careful client must not
// pass on.

// rawServer answers every connection with the bytes answer returns for the request's head.
func rawServer(t *testing.T, answer func(head string) string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				br := bufio.NewReader(conn)
				var head strings.Builder
				for {
					line, err := br.ReadString('\n')
					head.WriteString(line)
					if err != nil || line == "\r\n" {
						break
					}
				}
				_, _ = conn.Write([]byte(answer(head.String())))
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// outputs is every text a call shows: its error (%v, %+v), the attempt hook's Attempts and the debug log.
type outputs struct {
	mu    sync.Mutex
	hooks []ws.Attempt
	log   bytes.Buffer
}

func (o *outputs) options() []ws.Option {
	return []ws.Option{
		ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}),
		ws.WithLogger(slog.New(slog.NewJSONHandler(&o.log, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		ws.WithAttemptHook(func(_ context.Context, a ws.Attempt) {
			o.mu.Lock()
			o.hooks = append(o.hooks, a)
			o.mu.Unlock()
		}),
	}
}

func (o *outputs) text(err error) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := fmt.Sprintf("%v\n%+v\n%s\n", err, err, o.log.String())
	for _, a := range o.hooks {
		s += fmt.Sprintf("%+v %v\n", a, a.Err)
	}
	return s
}

func TestTransportErrorsQuotingTheTokenAreWithheld(t *testing.T) {
	t.Parallel()
	const token = "Tok3nQuotedBack42"
	for name, answer := range map[string]func(string) string{
		"header line":  func(string) string { return "HTTP/1.1 401 Unauthorized\r\nBearer " + token + "\r\n\r\n" },
		"version":      func(string) string { return "HTTP/9" + token + " 401 x\r\n\r\n" },
		"status code":  func(string) string { return "HTTP/1.1 " + token + " x\r\n\r\n" },
		"header lower": func(string) string { return "HTTP/1.1 401 x\r\nbearer " + strings.ToLower(token) + "\r\n\r\n" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out outputs
			c, err := ws.NewClient("ws-1", append(out.options(), ws.WithBaseURL(rawServer(t, answer)), ws.WithBearerToken(token))...)
			require.NoError(t, err)
			_, err = c.Connections.List(context.Background(), nil)
			require.Error(t, err)
			text := strings.ToLower(out.text(err))
			assert.NotContains(t, text, strings.ToLower(token)[:8])
			assert.Contains(t, text, "withheld")
		})
	}
}

// withBody is a raw 400 answer with body.
func withBody(body string) string {
	return fmt.Sprintf("HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

func TestServerTextIsPrintableAndShort(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ answer, want string }{
		"newline in a message": {
			withBody(`{"errors":[{"message":"a\nlevel=ERROR forged \u001b[31m"}]}`),
			`GET /connections: 400 Bad Request: a\u000alevel=ERROR forged \u001b[31m`},
		"escape in the reason phrase": {"HTTP/1.1 400 Bad\x1b[2J\r\nContent-Length: 0\r\n\r\n", "GET /connections: 400 Bad Request"},
		"right-to-left override":      {"HTTP/1.1 400 Bad \u202eRequest\r\nContent-Length: 0\r\n\r\n", "GET /connections: 400 Bad Request"},
		"long reason phrase": {"HTTP/1.1 400 " + strings.Repeat("A", 100<<10) + "\r\nContent-Length: 0\r\n\r\n",
			"GET /connections: 400 Bad Request"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := ws.NewClient("ws-1", ws.WithBaseURL(rawServer(t, func(string) string { return tc.answer })),
				ws.WithBearerToken("tok"), ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}))
			require.NoError(t, err)
			_, err = c.Connections.List(context.Background(), nil)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestTokenResponseIsCheckedBeforeItsTokenIsSent(t *testing.T) {
	t.Parallel()
	const secret = "Xk29fQ-p81LmZ0"
	for name, body := range map[string]string{
		"access_token is the secret":    `{"access_token":"` + secret + `","expires_in":3600,"token_type":"Bearer"}`,
		"access_token holds the secret": `{"access_token":"eyJ.` + strings.ToUpper(secret) + `.x","token_type":"Bearer"}`,
		"token_type is the secret":      `{"access_token":"abc","token_type":"` + secret + `"}`,
		"token_type is not bearer":      `{"access_token":"abc","token_type":"MAC"}`,
		"access_token has a space":      `{"access_token":"a b","token_type":"Bearer"}`,
		"access_token has a line break": `{"access_token":"a\r\nX-Evil: 1","token_type":"Bearer"}`,
		"access_token is only padding":  `{"access_token":"==","token_type":"Bearer"}`,
		"access_token is huge":          `{"access_token":"` + strings.Repeat("a", 17<<10) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var seen []string
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Get("Authorization"))
				mu.Unlock()
				writeJSON(w, 200, `[]`)
			}))
			t.Cleanup(api.Close)
			tok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, body) }))
			t.Cleanup(tok.Close)
			c, err := ws.NewClient("ws-1", ws.WithBaseURL(api.URL), ws.WithClientCredentials("id", secret),
				ws.WithTokenURL(tok.URL), ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}))
			require.NoError(t, err)
			_, err = c.Connections.List(context.Background(), nil)
			require.ErrorContains(t, err, "fetching access token")
			assert.NotContains(t, strings.ToLower(err.Error()), strings.ToLower(secret[:6]))
			assert.Empty(t, seen, "the API got a request")
		})
	}
	t.Run("bearer in any case is accepted", func(t *testing.T) {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, "Bearer eyJ-a_b.c~d+e/f==", r.Header.Get("Authorization"))
			writeJSON(w, 200, `[]`)
		}))
		t.Cleanup(api.Close)
		tok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"access_token":"eyJ-a_b.c~d+e/f==","token_type":"bEaReR"}`)
		}))
		t.Cleanup(tok.Close)
		c, err := ws.NewClient("ws-1", ws.WithBaseURL(api.URL), ws.WithClientCredentials("id", secret), ws.WithTokenURL(tok.URL))
		require.NoError(t, err)
		_, err = c.Connections.List(context.Background(), nil)
		require.NoError(t, err)
	})
}

// A careless http:// address would send the client secret and every access token in clear text: only
// local hosts may use http.
func TestPlainHTTPOnlyForLocalHosts(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://api.mparticle.com", "http://API.MPARTICLE.COM.", "http://8.8.8.8:80",
		"http://[2001:4860:4860::8888]", "http://example.com/mparticle", "http://proxy.corp.example.org:8080",
		"http://[::ffff:8.8.8.8]", "http://xn--mnchen-3ya.de"} {
		_, err := ws.NewClient("ws-1", ws.WithBaseURL(u), ws.WithBearerToken("tok"))
		assert.ErrorContains(t, err, "base URL", u)
		assert.ErrorContains(t, err, "must use https", u)
		_, err = ws.NewClient("ws-1", ws.WithTokenURL(u+"/oauth/token"), ws.WithClientCredentials("id", "secret"))
		assert.ErrorContains(t, err, "token URL", u)
		assert.ErrorContains(t, err, "must use https", u)
	}
	for _, u := range []string{"http://127.0.0.1:1", "http://[::1]:8080", "http://localhost:8080", "http://LOCALHOST",
		"http://fake:8080", "http://api.invalid", "http://fake.test", "http://svc.cluster.internal", "http://10.0.0.5",
		"http://192.168.1.2", "http://[fe80::1%25eth0]:80", "http://warehousesync-fake.localhost",
		"https://api.mparticle.com"} {
		_, err := ws.NewClient("ws-1", ws.WithBaseURL(u), ws.WithTokenURL(u+"/oauth/token"), ws.WithClientCredentials("id", "secret"))
		assert.NoError(t, err, u)
	}
	_, err := ws.NewClientFromEnv(ws.WithLookupEnv(func(k string) (string, bool) {
		v, ok := map[string]string{ws.EnvWorkspaceID: "1", ws.EnvClientID: "id", ws.EnvClientSecret: "s",
			ws.EnvAPIURL: "http://api.mparticle.com"}[k]
		return v, ok
	}))
	assert.ErrorContains(t, err, "must use https")
}

// Every redirect code, every way to spell another origin, from the token URL and from the API, with the
// client's own HTTP client and with a caller's whose CheckRedirect follows everything or stops at the
// first: the client secret and the token never reach another origin.
func TestNoRedirectCarriesACredentialToAnotherOrigin(t *testing.T) {
	t.Parallel()
	const secret, token = "S3cretOfTheClient77", "T0kenOfTheBearer88"
	other := newElsewhere(t)
	otherPort := other.url[strings.LastIndex(other.url, ":")+1:]
	var mu sync.Mutex
	var leaks []string
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, hc := range []*http.Client{nil, {CheckRedirect: func(*http.Request, []*http.Request) error { return nil }},
			{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}} {
			// The origin redirects /hop within itself first, then everything else to target.
			var target string
			origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/hop" {
					w.Header().Set("Location", target)
				} else {
					w.Header().Set("Location", "/hop")
				}
				w.WriteHeader(code)
			}))
			t.Cleanup(origin.Close)
			port := origin.URL[strings.LastIndex(origin.URL, ":")+1:]
			for _, loc := range []string{other.url + "/x", "//127.0.0.1:" + otherPort + "/x", "http://u:p@127.0.0.1:" + otherPort,
				"http://localhost:" + port + "/x", "http://LOCALHOST:" + otherPort, "http://127.0.0.1.:" + otherPort,
				"http://[::1]:" + otherPort, "http://127.1:" + otherPort, "https://127.0.0.1:" + port, "http://0x7f000001:" + otherPort,
				"http://127.0.0.1:" + otherPort + "/x?back=" + origin.URL, "\\\\127.0.0.1:" + otherPort, "http:127.0.0.1:" + otherPort,
				"/\\127.0.0.1:" + otherPort, "http://127.0.0.1:" + otherPort + "%2f", " http://127.0.0.1:" + otherPort} {
				target = loc
				for _, opts := range [][]ws.Option{
					{ws.WithClientCredentials("id", secret), ws.WithTokenURL(origin.URL + "/oauth/token")},
					{ws.WithBearerToken(token)},
				} {
					opts = append(opts, ws.WithBaseURL(origin.URL), ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}))
					if hc != nil {
						opts = append(opts, ws.WithHTTPClient(hc))
					}
					c, err := ws.NewClient("ws-1", opts...)
					require.NoError(t, err)
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					_, err = c.Connections.List(ctx, nil)
					cancel()
					if err != nil && (strings.Contains(err.Error(), secret[:8]) || strings.Contains(err.Error(), token[:8])) {
						mu.Lock()
						leaks = append(leaks, fmt.Sprintf("%d %q: %v", code, loc, err))
						mu.Unlock()
					}
				}
			}
		}
	}
	assert.Empty(t, leaks)
	for _, r := range other.requests() {
		assert.NotContains(t, r, secret[:8])
		assert.NotContains(t, r, token[:8])
	}
}

// A caller's CheckRedirect that allows every redirect does not make a same-origin loop endless: the
// attempt timeout bounds each round trip, not the chain.
func TestRedirectLoopStopsWhateverTheCallersCheckRedirectSays(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "/again", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	c, err := ws.NewClient("ws-1", ws.WithBaseURL(srv.URL), ws.WithBearerToken("tok"),
		ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}),
		ws.WithHTTPClient(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.Connections.List(ctx, nil)
	assert.ErrorContains(t, err, "stopped after 10 redirects")
	assert.Equal(t, int32(10), n.Load(), "the request and its 9 redirects, as net/http's default")
}

// A server that announces a next page forever, each with a new number and a run, ends the iteration
// after MaxRunPages pages with an error, in constant memory.
func TestRunsAllStopsAtItsPageBudget(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/p/runs", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 200, `{"items":[{"id":1,"status":"success"}],"current_page":`+r.URL.Query().Get("currentPage")+
			`,"has_next_page":true}`)
	})
	runs, last := 0, error(nil)
	for run, err := range c.Runs.All(context.Background(), "p", nil) {
		if err != nil {
			last = err
			break
		}
		_ = run
		runs++
	}
	assert.ErrorContains(t, last, "stopped after 10000 pages (MaxRunPages)")
	assert.Equal(t, ws.MaxRunPages, runs)
	assert.Equal(t, int32(ws.MaxRunPages), n.Load())
}

// Endless headers: the client reads at most MaxResponseHeaderBytes (1 MiB) of them, where net/http's
// default is 10 MiB an attempt.
func TestResponseHeadersHaveABudget(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	big := strings.Repeat("a", 1000)
	for i := range 8000 { // 8 MB of headers
		fmt.Fprintf(&b, "X-Pad-%d: %s\r\n", i, big)
	}
	b.WriteString("Content-Length: 2\r\n\r\n[]")
	answer := b.Bytes()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 4096)
				_, _ = conn.Read(buf)
				_, _ = conn.Write(answer)
			}()
		}
	}()
	var attempts atomic.Int32
	c, err := ws.NewClient("ws-1", ws.WithBaseURL("http://"+l.Addr().String()), ws.WithBearerToken("tok"),
		ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
		ws.WithAttemptHook(func(context.Context, ws.Attempt) { attempts.Add(1) }))
	require.NoError(t, err)
	var callErr error
	alloc := allocatedBy(func() { _, callErr = c.Connections.List(context.Background(), nil) })
	assert.ErrorContains(t, callErr, "headers exceeded")
	t.Logf("%d attempts allocated %.1f MiB", attempts.Load(), float64(alloc)/(1<<20))
	assert.Equal(t, int32(4), attempts.Load())
	assert.Less(t, alloc, uint64(16<<20), "at most 1 MiB of headers an attempt, where net/http reads 10")
}

// WithResponse's headers withhold a value that echoes the token, also split across two headers.
func TestRecordedHeadersWithholdTheToken(t *testing.T) {
	t.Parallel()
	const token = "Tok3nInTheHeaders55"
	for name, h := range map[string]map[string]string{
		"www-authenticate": {"Www-Authenticate": `Bearer realm="x", token="` + token + `"`, "X-Request-Id": "abc-1"},
		"location":         {"Location": "/x?t=" + url.QueryEscape(strings.ToLower(token)), "X-Request-Id": "abc-1"},
		"split":            {"X-A": token[:5], "X-B": token[5:], "X-Request-Id": "abc-1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, status := range []int{200, 400} {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					for k, v := range h {
						w.Header().Set(k, v)
					}
					writeJSON(w, status, `[]`)
				}))
				t.Cleanup(srv.Close)
				c, err := ws.NewClient("ws-1", ws.WithBaseURL(srv.URL), ws.WithBearerToken(token), ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}))
				require.NoError(t, err)
				var resp ws.Response
				_, _ = c.Connections.List(ws.WithResponse(context.Background(), &resp), nil)
				require.Equal(t, status, resp.StatusCode)
				all := strings.ToLower(fmt.Sprint(resp.Header))
				assert.NotContains(t, all, strings.ToLower(token[:6]))
				assert.NotContains(t, all, strings.ToLower(token[5:11]))
				assert.Contains(t, all, "withheld")
			}
		})
	}
	t.Run("clean headers are kept as they are", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "abc-1")
			writeJSON(w, 200, `[]`)
		}))
		t.Cleanup(srv.Close)
		c, err := ws.NewClient("ws-1", ws.WithBaseURL(srv.URL), ws.WithBearerToken(token))
		require.NoError(t, err)
		var resp ws.Response
		_, err = c.Connections.List(ws.WithResponse(context.Background(), &resp), nil)
		require.NoError(t, err)
		assert.Equal(t, "abc-1", resp.Header.Get("X-Request-Id"))
	})
}

// A user agent with a line break or a non-ASCII character failed every request at send time (net/http
// refuses the header); NewClient refuses it, naming the option.
func TestUserAgentIsAHeaderValue(t *testing.T) {
	t.Parallel()
	for _, ua := range []string{"app/1\r\nX-Evil: 1", "app/1\x00", "app/ü"} {
		_, err := ws.NewClient("ws-1", ws.WithBearerToken("tok"), ws.WithUserAgent(ua))
		assert.EqualError(t, err, "WithUserAgent must hold only printable ASCII (a header value)", "%q", ua)
	}
	_, err := ws.NewClient("ws-1", ws.WithBearerToken("tok"), ws.WithUserAgent(" app/1 (x; y) "))
	assert.NoError(t, err)
}
