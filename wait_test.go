package warehousesync_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// pauseRecorder is a WithPollWait function that records the intervals it was asked to wait, and
// answers with err once it has been called failAfter times (never when failAfter is 0).
type pauseRecorder struct {
	mu        sync.Mutex
	intervals []time.Duration
	failAfter int
	err       error
}

func (p *pauseRecorder) pause(_ context.Context, interval time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.intervals = append(p.intervals, interval)
	if p.failAfter > 0 && len(p.intervals) >= p.failAfter {
		return p.err
	}
	return nil
}

func (p *pauseRecorder) got() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.intervals...)
}

// TestWaitUsesTheClientsPollSettings checks that WithPollInterval sets every wait's interval, that
// PollEvery overrides it for one call, and that WithPollWait replaces the sleep (this test would take an
// hour otherwise).
func TestWaitUsesTheClientsPollSettings(t *testing.T) {
	t.Parallel()
	rec := &pauseRecorder{}
	c, mux := setup(t, ws.WithPollInterval(time.Hour), ws.WithPollWait(rec.pause))
	h, calls := statusSequence(t, ws.RunQueued, ws.RunRunning, ws.RunSuccess)
	mux.Handle("/inputs/data-pipelines/p/runs/13325", h)
	run, err := c.Runs.Wait(context.Background(), "p", 13325)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)
	assert.EqualValues(t, 3, calls.Load())
	assert.Equal(t, []time.Duration{time.Hour, time.Hour}, rec.got(), "one pause between two reads")

	calls.Store(0)
	_, err = c.Runs.Wait(context.Background(), "p", 13325, ws.PollEvery(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{time.Hour, time.Hour, time.Minute, time.Minute}, rec.got(), "PollEvery wins")
}

// TestWaitDefaultsToDefaultPollInterval checks the interval a client without poll options uses.
func TestWaitDefaultsToDefaultPollInterval(t *testing.T) {
	t.Parallel()
	rec := &pauseRecorder{}
	c, mux := setup(t, ws.WithPollInterval(0), ws.WithPollWait(rec.pause))
	h, _ := statusSequence(t, ws.RunRunning, ws.RunSuccess)
	mux.Handle("/inputs/data-pipelines/p/runs/13325", h)
	_, err := c.Runs.Wait(context.Background(), "p", 13325)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{ws.DefaultPollInterval}, rec.got())
}

// TestWaitEndsWithThePauseError checks that a pause function's error ends the wait, wrapped, with the
// last run read.
func TestWaitEndsWithThePauseError(t *testing.T) {
	t.Parallel()
	rec := &pauseRecorder{failAfter: 2, err: ws.ErrNoProgress}
	c, mux := setup(t, ws.WithPollWait(rec.pause))
	h, calls := statusSequence(t, ws.RunRunning)
	mux.Handle("/inputs/data-pipelines/p/runs/13325", h)
	run, err := c.Runs.Wait(context.Background(), "p", 13325)
	require.ErrorIs(t, err, ws.ErrNoProgress)
	assert.Contains(t, err.Error(), "waiting for run 13325 of pipeline p (last status running)")
	require.NotNil(t, run)
	assert.Equal(t, ws.RunRunning, run.Status)
	assert.EqualValues(t, 2, calls.Load(), "no read after the failed pause")

	other := errors.New("clock stopped")
	rec = &pauseRecorder{failAfter: 1, err: other}
	c, mux = setup(t, ws.WithPollWait(rec.pause))
	h, _ = statusSequence(t, ws.RunQueued)
	mux.Handle("/inputs/data-pipelines/p/runs/13325", h)
	_, err = c.Runs.Wait(context.Background(), "p", 13325)
	require.ErrorIs(t, err, other)
}
