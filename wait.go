package warehousesync

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultPollInterval is how often Runs.Wait and Pipelines.WaitIdle read the status unless
// WithPollInterval or PollEvery says otherwise.
const DefaultPollInterval = 5 * time.Second

// ErrNoProgress is what a pause function given to WithPollWait returns when the run cannot progress,
// for example on a fake whose clock does not move: the wait then ends with an error wrapping it instead
// of polling forever.
var ErrNoProgress = errors.New("the run cannot progress")

// pollSettings are the client-wide settings of every wait.
type pollSettings struct {
	interval time.Duration                                           // 0: DefaultPollInterval
	wait     func(ctx context.Context, interval time.Duration) error // nil: sleep with ctx
}

// WithPollInterval sets how long Runs.Wait and Pipelines.WaitIdle wait between two reads, for every
// call of the client (default DefaultPollInterval; values of 0 or less keep the default). PollEvery
// overrides it for one call.
func WithPollInterval(d time.Duration) Option {
	return func(s *settings) {
		if d > 0 {
			s.poll.interval = d
		}
	}
}

// WithPollWait replaces the pause between two reads of Runs.Wait and Pipelines.WaitIdle: f is called
// with the wait's context and the poll interval instead of sleeping. A non-nil error from f ends the
// wait, which returns it wrapped (f may return ErrNoProgress to say the run cannot progress). A fake
// server uses it to move its clock instead of sleeping; nil keeps the default, a sleep that ends early
// when ctx ends.
func WithPollWait(f func(ctx context.Context, interval time.Duration) error) Option {
	return func(s *settings) { s.poll.wait = f }
}

// WaitOption configures one call of Runs.Wait or Pipelines.WaitIdle.
type WaitOption func(*waitSettings)

type waitSettings struct {
	interval time.Duration
	onPoll   func(v any)
}

// OnPoll calls f with each value this wait reads, before it decides whether to wait on: a *Run for
// Runs.Wait, a *Report for Pipelines.WaitIdle. It is for a live display of the progress; f runs on the
// waiting goroutine and must not block.
func OnPoll(f func(v any)) WaitOption {
	return func(w *waitSettings) { w.onPoll = f }
}

// PollEvery sets how long this wait waits between two reads (default: the client's WithPollInterval,
// else DefaultPollInterval; values of 0 or less keep the default).
func PollEvery(d time.Duration) WaitOption {
	return func(w *waitSettings) {
		if d > 0 {
			w.interval = d
		}
	}
}

// poller paces the reads of one wait.
type poller struct {
	interval time.Duration
	onPoll   func(v any)
	wait     func(ctx context.Context, interval time.Duration) error
	timer    *time.Timer
}

// newPoller returns the poller of one wait: the client's settings, then opts.
func (c *Client) newPoller(opts []WaitOption) *poller {
	cfg := waitSettings{interval: c.poll.interval}
	if cfg.interval <= 0 {
		cfg.interval = DefaultPollInterval
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	return &poller{interval: cfg.interval, onPoll: cfg.onPoll, wait: c.poll.wait}
}

// pause waits one interval, or less when ctx ends (then it returns ctx.Err()).
func (p *poller) pause(ctx context.Context) error {
	if p.wait != nil {
		if err := p.wait(ctx, p.interval); err != nil {
			return err
		}
		return ctx.Err()
	}
	if p.timer == nil {
		p.timer = time.NewTimer(p.interval)
	} else {
		p.timer.Reset(p.interval)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-p.timer.C:
		return nil
	}
}

// stop releases the poller's timer.
func (p *poller) stop() {
	if p.timer != nil {
		p.timer.Stop()
	}
}

// waitFailed is the error of a wait that ended before its goal: err is ctx's error, a read's error or
// the pause function's; status is the last status read ("" when none was).
func waitFailed(what, status string, err error) error {
	if status == "" {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return fmt.Errorf("waiting for %s (last status %s): %w", what, status, err)
}

// pollUntil reads with get until done says the value read is final and returns it, pausing between
// reads as the client's poll settings and opts say. When ctx ends first, or a read or the pause fails,
// it returns the last value read (nil if none) and an error that names what it waited for, the last
// status read (status of the last value) and the cause. A nil ctx is a *ValidationError, as for every
// request (newRequest checks it too, but a wait uses ctx before its first request).
func pollUntil[T any, S ~string](ctx context.Context, c *Client, opts []WaitOption, what string,
	get func(context.Context) (*T, error), done func(*T) bool, status func(*T) S) (*T, error) {
	if ctx == nil {
		return nil, &ValidationError{Field: "ctx", Rule: "must not be nil"}
	}
	poll := c.newPoller(opts)
	defer poll.stop()
	var last *T
	lastStatus := func() string {
		if last == nil {
			return ""
		}
		return string(status(last))
	}
	for {
		if ctx.Err() != nil {
			return last, waitFailed(what, lastStatus(), ctx.Err())
		}
		v, err := get(ctx)
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return last, waitFailed(what, lastStatus(), err)
		}
		if poll.onPoll != nil {
			poll.onPoll(v)
		}
		if last = v; done(v) {
			return v, nil
		}
		if err := poll.pause(ctx); err != nil {
			return last, waitFailed(what, lastStatus(), err)
		}
	}
}
