package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"time"
)

// Budgets bound everything that requests can make a Server store, so that no client, however
// hostile, grows its memory without limit. Each budget, when reached, is refused with a status and a
// message that names it (or, for runs and the request log, trims the oldest entries, as documented),
// never by dropping something silently. The binary sets each with a flag (and its environment
// variable), named after the field: -max-body-bytes, -max-field-bytes, and so on.
type Budgets struct {
	// MaxBodyBytes is the largest API request body (default 1 MiB); a larger one is refused with 413.
	MaxBodyBytes int64
	// MaxFieldBytes is the longest string member of an API request body, such as a name, a query or a
	// config value (default 64 KiB); a longer one is refused with 400 naming the member.
	MaxFieldBytes int
	// MaxResources is how many connections, data models and pipelines one workspace may hold together
	// (default 1,000); a create beyond it is refused with 400.
	MaxResources int
	// MaxStoredBytes is the total size of the stored resources of all workspaces, each counted as the
	// size of the body that last wrote it, and of the records seeded through the admin endpoint,
	// counted by an estimate of the memory they hold once decoded (default 64 MiB); a create, update
	// or seed beyond it is refused with 400. A restored snapshot is counted the same way, and refused
	// when it does not fit this budget, MaxResources or MaxFaults.
	MaxStoredBytes int64
	// MaxWorkspaces is how many workspaces the server knows (default 100); adding one beyond it is
	// refused with 409.
	MaxWorkspaces int
	// MaxRuns is how many runs the server stores across all pipelines (default 250,000, about 36 MiB).
	// When a new run goes over it, the oldest finished runs are removed until a tenth of it is free;
	// active runs are never removed.
	MaxRuns int
	// MaxTokens is how many unexpired access tokens the server holds (default 100,000); a token request
	// beyond it is refused with 503 until tokens expire. Issuing a token costs O(1).
	MaxTokens int
	// MaxRequestLogBytes is the memory the request log may hold (default MaxRequestLogBytes, 32 MiB);
	// the oldest requests are dropped to stay under it.
	MaxRequestLogBytes int
	// MaxRequestLogEntries is how many requests the log keeps (default MaxRequestLogEntries, 100,000);
	// the oldest requests are dropped to stay under it.
	MaxRequestLogEntries int
	// MaxFaults is how many HTTP faults may be installed at once (default 1,000); InjectFault beyond it
	// returns an error (400 over HTTP).
	MaxFaults int
}

// DefaultBudgets returns the budgets of a Server without WithBudgets.
func DefaultBudgets() Budgets {
	return Budgets{
		MaxBodyBytes:         1 << 20,
		MaxFieldBytes:        64 << 10,
		MaxResources:         1_000,
		MaxStoredBytes:       64 << 20,
		MaxWorkspaces:        100,
		MaxRuns:              250_000,
		MaxTokens:            100_000,
		MaxRequestLogBytes:   MaxRequestLogBytes,
		MaxRequestLogEntries: MaxRequestLogEntries,
		MaxFaults:            1_000,
	}
}

// WithBudgets replaces the budgets of the server; a zero field keeps its default (DefaultBudgets).
func WithBudgets(b Budgets) Option {
	return func(c *config) {
		d := &c.budgets
		setIf(&d.MaxBodyBytes, b.MaxBodyBytes)
		setIf(&d.MaxFieldBytes, b.MaxFieldBytes)
		setIf(&d.MaxResources, b.MaxResources)
		setIf(&d.MaxStoredBytes, b.MaxStoredBytes)
		setIf(&d.MaxWorkspaces, b.MaxWorkspaces)
		setIf(&d.MaxRuns, b.MaxRuns)
		setIf(&d.MaxTokens, b.MaxTokens)
		setIf(&d.MaxRequestLogBytes, b.MaxRequestLogBytes)
		setIf(&d.MaxRequestLogEntries, b.MaxRequestLogEntries)
		setIf(&d.MaxFaults, b.MaxFaults)
	}
}

func setIf[T int | int64](dst *T, v T) {
	if v != 0 {
		*dst = v
	}
}

// check reports the first budget that is not positive.
func (b Budgets) check() error {
	for _, f := range []struct {
		name string
		v    int64
	}{{"MaxBodyBytes", b.MaxBodyBytes}, {"MaxFieldBytes", int64(b.MaxFieldBytes)}, {"MaxResources", int64(b.MaxResources)},
		{"MaxStoredBytes", b.MaxStoredBytes}, {"MaxWorkspaces", int64(b.MaxWorkspaces)}, {"MaxRuns", int64(b.MaxRuns)},
		{"MaxTokens", int64(b.MaxTokens)}, {"MaxRequestLogBytes", int64(b.MaxRequestLogBytes)},
		{"MaxRequestLogEntries", int64(b.MaxRequestLogEntries)}, {"MaxFaults", int64(b.MaxFaults)}} {
		if f.v < 0 {
			return fmt.Errorf("budgets: %s must be positive (0 keeps the default), got %d", f.name, f.v)
		}
	}
	return nil
}

// budgetMessage is the refusal of a budget: what was asked, the budget by its field, and how to raise
// it.
func budgetMessage(what, field string, limit int64) string {
	return fmt.Sprintf("%s: over the fake's budget %s of %d (raise it with WithBudgets, or the binary's -%s flag)",
		what, field, limit, flagName(field))
}

// flagName is the binary's flag of a Budgets field: MaxBodyBytes → max-body-bytes.
func flagName(field string) string {
	var out []byte
	for i := 0; i < len(field); i++ {
		c := field[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				out = append(out, '-')
			}
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

// queuedToken is an issued token in the order of its expiry, for trimming expired tokens in O(1).
type queuedToken struct {
	token   string
	expires time.Time
}

// trimTokensLocked forgets the expired tokens at the front of the queue. Every token lives the same
// TTL on a clock that never goes back, so the queue is in expiry order and each token is trimmed once:
// issuing costs O(1) amortised, whatever the number of live tokens.
func (s *Server) trimTokensLocked(now time.Time) {
	q := s.tokenQueue
	n := 0
	for n < len(q) && !now.Before(q[n].expires) {
		if info, found := s.tokens[q[n].token]; found && !now.Before(info.expires) {
			delete(s.tokens, q[n].token)
		}
		q[n] = queuedToken{}
		n++
	}
	q = q[n:]
	if cap(q) > 64 && len(q) < cap(q)/4 {
		q = append([]queuedToken(nil), q...) // give back the space of trimmed tokens
	}
	s.tokenQueue = q
}

// resourceKey names a stored resource in workspace.cost.
func resourceKey(kind, id string) string { return kind + "/" + id }

// admitLocked returns why storing c's body as the resource key would go over MaxResources (a new
// resource) or MaxStoredBytes, or "" when it fits.
func (s *Server) admitLocked(c *call, key string) string {
	b := s.cfg.budgets
	if n := s.eng.ResourceCount(c.wsID); n >= b.MaxResources {
		if _, exists := c.ws.cost[key]; !exists {
			return budgetMessage(fmt.Sprintf("workspace %s: %d connections, data models and pipelines", c.wsID, n),
				"MaxResources", int64(b.MaxResources))
		}
	}
	if s.overStoredLocked(c.ws, key, int64(len(c.body))) {
		return budgetMessage(fmt.Sprintf("storing %d bytes (%d bytes of resources stored in all workspaces)",
			len(c.body), s.stored), "MaxStoredBytes", b.MaxStoredBytes)
	}
	return ""
}

// recordsKey names a data model's seeded records in workspace.cost.
func recordsKey(modelID string) string { return "records/" + modelID }

// admitRecordsLocked returns why storing n bytes of seeded records for the model would go over
// MaxStoredBytes, or "".
func (s *Server) admitRecordsLocked(w *workspace, modelID string, n int64) string {
	if s.overStoredLocked(w, recordsKey(modelID), n) {
		return budgetMessage(fmt.Sprintf("records: storing %d bytes (%d bytes stored in all workspaces)", n, s.stored),
			"MaxStoredBytes", s.cfg.budgets.MaxStoredBytes)
	}
	return ""
}

// overStoredLocked reports whether w's cost key holding n bytes, in place of what it holds, would go
// over MaxStoredBytes.
func (s *Server) overStoredLocked(w *workspace, key string, n int64) bool {
	return s.stored-w.cost[key]+n > s.cfg.budgets.MaxStoredBytes
}

// chargeLocked records that w's cost key (a resource or a model's records) now holds n bytes.
func (s *Server) chargeLocked(w *workspace, key string, n int64) {
	s.stored += n - w.cost[key]
	w.cost[key] = n
}

// refundLocked records that w's cost key is gone.
func (s *Server) refundLocked(w *workspace, key string) {
	s.stored -= w.cost[key]
	delete(w.cost, key)
}

// budgetError is a refusal for a budget, which the admin endpoints answer with 400.
type budgetError struct{ msg string }

func (e *budgetError) Error() string { return e.msg }

// Bounds of admin bodies other than seeded records and snapshots (which may be large, and are counted
// against MaxStoredBytes when stored): a fault, a message, a list of ids fit in far less.
const (
	// maxAdminSmallBody is the largest body of those admin requests.
	maxAdminSmallBody = 64 << 10
	// maxAdminText is the longest string (a member's name or value) in those bodies: a message, a
	// fault's path or scope. With it, the messages stored per resource (an unreachable connection, an
	// invalid data model, runs made to fail) are bounded by the resources' budgets.
	maxAdminText = 1 << 10
)

// adminStringProblem returns why an admin body holds a string longer than maxAdminText (naming where,
// never quoting it), or "" (also when the body is not JSON: the handler says so).
func adminStringProblem(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	for i := 0; ; i++ {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if str, isString := tok.(string); isString && len(str) > maxAdminText {
			return fmt.Sprintf("request body: a string of %d bytes (the %d. token) is longer than the %d bytes an admin "+
				"message, path or id may have", len(str), i+1, maxAdminText)
		}
	}
}

// Estimates of the memory that decoded rows hold, measured with runtime.ReadMemStats on the rows that
// json.Decoder makes: seeded records are charged against MaxStoredBytes by this estimate when it is
// above the body's size, since a map of one member holds a whole group of 8 slots (a 7-byte row
// {"a":1} holds about 340 bytes once decoded, an empty row about 55).
const (
	emptyObjectCost = 64  // a map without members
	smallObjectCost = 352 // a map of 1 to 8 members: its header and one group of 8 slots
	memberCost      = 80  // each member of a larger map, with its slack for growth
	arrayCost       = 24  // a slice's header
	elementCost     = 32  // each element of a slice: its interface, with its slack for growth
	boxCost         = 8   // a number held in an interface
)

// recordsCost estimates the memory that rows hold.
func recordsCost(rows []map[string]any) int64 {
	n := int64(24 * len(rows))
	for _, r := range rows {
		n += jsonValueCost(r)
	}
	return n
}

// jsonValueCost estimates the memory one decoded JSON value holds beyond the interface that holds it.
func jsonValueCost(v any) int64 {
	switch v := v.(type) {
	case map[string]any:
		n := int64(emptyObjectCost)
		switch {
		case len(v) > 8:
			n += int64(len(v)) * memberCost
		case len(v) > 0:
			n = smallObjectCost
		}
		for k, x := range v {
			n += int64(len(k)) + jsonValueCost(x)
		}
		return n
	case []any:
		n := int64(arrayCost + elementCost*len(v))
		for _, x := range v {
			n += jsonValueCost(x)
		}
		return n
	case string:
		return int64(len(v))
	case json.Number:
		return int64(len(v))
	case nil, bool:
		return 0
	default:
		return boxCost
	}
}

// jsonCost estimates, as jsonValueCost does, the memory that the JSON value in data holds once
// decoded into maps and slices, reading it token by token without building it; it stops, returning
// false, as soon as the estimate passes limit. It lets a body be refused for its decoded size before
// it is decoded: 60 MiB of "{}," rows would otherwise take 1.2 GiB to find out.
func jsonCost(data []byte, limit int64) (int64, bool) {
	type frame struct {
		object  bool
		members int
		key     bool // in an object: the next string is a key
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []frame
	n := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return n, true // the end, or malformed JSON: the decoder that follows says where
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object && top.key {
				if key, isKey := tok.(string); isKey {
					n += int64(len(key))
					top.key = false
					continue
				}
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, key: true})
				continue
			case '[':
				stack = append(stack, frame{})
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch {
			case !top.object:
				n += arrayCost + int64(elementCost*top.members)
			case top.members > 8:
				n += emptyObjectCost + int64(top.members)*memberCost
			case top.members > 0:
				n += smallObjectCost
			default:
				n += emptyObjectCost
			}
		case string:
			n += int64(len(t))
		case json.Number:
			n += boxCost + int64(len(t))
		}
		if len(stack) > 0 { // a value ended: count it as a member or element of its container
			top := &stack[len(stack)-1]
			top.members++
			top.key = top.object
		}
		if n > limit {
			return n, false
		}
	}
}

// limitedListener accepts at most cap(sem) connections at once (HTTPLimits.MaxConnections): Accept
// waits while that many are open, so that clients which open connections and send nothing, or a
// byte at a time, hold a bounded number of goroutines and buffers.
type limitedListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func limitListener(ln net.Listener, n int) net.Listener {
	return &limitedListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

// Accept waits for a free slot, then for a connection; the slot is freed when the connection closes.
func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitedConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
}

// Close stops waiting Accepts and closes the listener.
func (l *limitedListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn frees its listener's slot once, when it is closed.
type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
