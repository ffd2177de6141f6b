package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"time"

	ws "github.com/wsync-dev/warehousesync"
)

// The hostile inputs of the budget tests: what an authenticated client can send to grow the server.
// Each runs in process (srv.Handler) and returns the peak live heap it saw, sampled after a GC every
// few requests, above the heap before it started.

// peakHeap samples the live heap.
type peakHeap struct{ base, peak uint64 }

func newPeakHeap() *peakHeap { return &peakHeap{base: liveHeap()} }

func (p *peakHeap) sample() {
	if h := liveHeap(); h > p.base && h-p.base > p.peak {
		p.peak = h - p.base
	}
}

// serve sends one request to the handler and returns its status.
func serve(h http.Handler, method, target, token, body string) int {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// mintToken gets a token from the handler.
func mintToken(h http.Handler, srv *Server) string {
	id, secret := srv.Credentials()
	body, _ := json.Marshal(map[string]string{"client_id": id, "client_secret": secret,
		"audience": ws.DefaultAudience, "grant_type": "client_credentials"})
	req := httptest.NewRequest(http.MethodPost, "/oauth/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &tr)
	return tr.AccessToken
}

// hostileCreates creates n data models whose names are nameBytes long; it returns the peak heap and how
// many creates were accepted.
func hostileCreates(srv *Server, n, nameBytes int) (uint64, int) {
	h := srv.Handler()
	token := mintToken(h, srv)
	name := strings.Repeat("n", nameBytes)
	p := newPeakHeap()
	accepted := 0
	for i := range n {
		body := fmt.Sprintf(`{"id":"m%d","name":"%s","state":"active","type":"sql","config":{"sql_query":"SELECT 1"}}`, i, name)
		if serve(h, http.MethodPost, apiPrefix+srv.WorkspaceID()+"/data-models", token, body) == http.StatusOK {
			accepted++
		}
		if i%(n/10+1) == 0 {
			p.sample()
		}
	}
	p.sample()
	return p.peak, accepted
}

// hostileTokens mints n tokens and returns the peak heap and the time per mint of each quarter.
func hostileTokens(srv *Server, n int) (uint64, []time.Duration) {
	h := srv.Handler()
	p := newPeakHeap()
	var perMint []time.Duration
	for q := range 4 {
		start := time.Now()
		for range n / 4 {
			mintToken(h, srv)
		}
		perMint = append(perMint, time.Since(start)/time.Duration(n/4))
		_ = q
		p.sample()
	}
	return p.peak, perMint
}

// hostileQueries sends n list requests whose query strings hold keys distinct keys (or, with
// documented, one documented parameter repeated keys times).
func hostileQueries(srv *Server, n, keys int, documented bool) uint64 {
	h := srv.Handler()
	token := mintToken(h, srv)
	var q strings.Builder
	for i := range keys {
		if i > 0 {
			q.WriteByte('&')
		}
		if documented {
			q.WriteString("serviceProvider=Snowflake")
		} else {
			fmt.Fprintf(&q, "k%d=1", i)
		}
	}
	target := apiPrefix + srv.WorkspaceID() + "/connections?" + q.String()
	p := newPeakHeap()
	for i := range n {
		serve(h, http.MethodGet, target, token, "")
		if i%(n/10+1) == 0 {
			p.sample()
		}
	}
	p.sample()
	runtime.KeepAlive(srv)
	return p.peak
}
