package warehousesync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// referenceRun is run 251 or 252 of the reference's runs list.
func referenceRun(t *testing.T, id int64) ws.Run {
	at := ts(t, "2023-10-25T18:11:57.321Z")
	if id == 252 {
		at = ts(t, "2023-10-25T19:11:57.321Z")
	}
	return ws.Run{
		ID: id, PipelineID: "example-pipeline", Type: ws.RunScheduled, Status: ws.RunSuccess,
		Errors:      []ws.ErrorDetail{{Message: "string"}},
		LogicalDate: at, StartedOn: at, EndedOn: at, RangeStart: at, RangeEnd: at,
		SuccessfulRecords: 100, FailedRecords: 0,
	}
}

func TestRunsList(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/example-pipeline/runs", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{
			"currentPage": {"2"},
			"pageSize":    {"100"},
			"startDate":   {"2023-10-25T00:00:00Z"},
			"endDate":     {"2023-10-26T00:00:00Z"},
		})
		testHeaders(t, r)
		testNoBody(t, r)
		writeJSON(w, http.StatusOK, reference(t, "runs-list-response"))
	})
	plus2 := time.FixedZone("UTC+2", 2*60*60)
	page, err := c.Runs.List(context.Background(), "example-pipeline", &ws.ListRunsOptions{
		CurrentPage: 2,
		PageSize:    100,
		StartDate:   time.Date(2023, 10, 25, 0, 0, 0, 0, time.UTC),
		EndDate:     time.Date(2023, 10, 26, 2, 0, 0, 0, plus2), // sent in UTC
	})
	require.NoError(t, err)
	assert.Equal(t, &ws.RunPage{
		Items:       []*ws.Run{ptr(referenceRun(t, 251)), ptr(referenceRun(t, 252))},
		CurrentPage: 1, PageSize: 50, TotalPages: 1, TotalItems: 1,
	}, page)
}

func TestRunsListWithoutOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/p/runs", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		writeJSON(w, http.StatusOK, `{"items":[],"current_page":1,"page_size":50}`)
	})
	for _, opts := range []*ws.ListRunsOptions{nil, {}} {
		page, err := c.Runs.List(context.Background(), "p", opts)
		require.NoError(t, err)
		assert.Empty(t, page.Items)
	}
}

func TestRunsGet(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/example-pipeline/runs/251", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeaders(t, r)
		writeJSON(w, http.StatusOK, reference(t, "runs-get-response"))
	})
	run, err := c.Runs.Get(context.Background(), "example-pipeline", 251)
	require.NoError(t, err)
	want := referenceRun(t, 251)
	assert.Equal(t, &want, run)
}

func TestRunsGetDecodesNumbersSentAsStrings(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/p/runs/7", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":"7","pipeline_id":"p","status":"running","successful_records":"1200",`+
			`"failed_records":null,"logical_date":"2022-12-09T22:00:06.98","range_start":null}`)
	})
	run, err := c.Runs.Get(context.Background(), "p", 7)
	require.NoError(t, err)
	assert.Equal(t, &ws.Run{
		ID: 7, PipelineID: "p", Status: ws.RunRunning, SuccessfulRecords: 1200,
		LogicalDate: ws.NewTimestamp(time.Date(2022, 12, 9, 22, 0, 6, 980e6, time.UTC)),
	}, run)
}

// runPages serves pages of runs: page n (1-based) holds ids 10n+1 … 10n+perPage; pages beyond last
// are empty. It counts requests and records the pages asked for.
type runPages struct {
	last    int
	perPage int
	mutate  func(page int, body map[string]any) // optional: bend the answer
	calls   atomic.Int32
	asked   chan int
}

func (p *runPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	n, err := strconv.Atoi(r.URL.Query().Get("currentPage"))
	if err != nil {
		n = 0 // absent
	}
	if p.asked != nil {
		p.asked <- n
	}
	var items []string
	if n >= 1 && n <= p.last {
		for i := 1; i <= p.perPage; i++ {
			items = append(items, fmt.Sprintf(`{"id":%d,"pipeline_id":"p","status":"success"}`, 10*n+i))
		}
	}
	current := n
	if p.mutate != nil {
		body := map[string]any{"current_page": n}
		p.mutate(n, body)
		current = body["current_page"].(int)
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"items":[%s],"current_page":%d,"page_size":%d,"total_pages":%d,"has_previous_page":%t,"has_next_page":%t}`,
		strings.Join(items, ","), current, p.perPage, p.last, n > 1, n < p.last))
}

// collect runs All and returns the ids and the errors it yielded.
func collect(t *testing.T, c *ws.Client, opts *ws.ListRunsOptions, limit int) ([]int64, []error) {
	t.Helper()
	var ids []int64
	var errs []error
	for run, err := range c.Runs.All(context.Background(), "p", opts) {
		if err != nil {
			assert.Nil(t, run, "run yielded with an error")
			errs = append(errs, err)
			continue
		}
		ids = append(ids, run.ID)
		if limit > 0 && len(ids) == limit {
			break
		}
	}
	return ids, errs
}

func TestRunsAll(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	pages := &runPages{last: 3, perPage: 2, asked: make(chan int, 10)}
	mux.Handle("/inputs/data-pipelines/p/runs", pages)

	ids, errs := collect(t, c, nil, 0)
	assert.Empty(t, errs)
	assert.Equal(t, []int64{11, 12, 21, 22, 31, 32}, ids)
	close(pages.asked)
	var asked []int
	for n := range pages.asked {
		asked = append(asked, n)
	}
	assert.Equal(t, []int{1, 2, 3}, asked)
}

func TestRunsAllStartsAtCurrentPageAndCopiesOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.Handle("/inputs/data-pipelines/p/runs", &runPages{last: 3, perPage: 1})
	opts := &ws.ListRunsOptions{CurrentPage: 2, PageSize: 1}
	seq := c.Runs.All(context.Background(), "p", opts)
	opts.CurrentPage = 3 // after All: must not matter
	var ids []int64
	for run, err := range seq {
		require.NoError(t, err)
		ids = append(ids, run.ID)
	}
	assert.Equal(t, []int64{21, 31}, ids)
	assert.Equal(t, 3, opts.CurrentPage, "the caller's options are not changed")

	// The sequence can run again, from the same start.
	ids = ids[:0]
	for run, err := range seq {
		require.NoError(t, err)
		ids = append(ids, run.ID)
	}
	assert.Equal(t, []int64{21, 31}, ids)
}

func TestRunsAllEarlyBreak(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	pages := &runPages{last: 5, perPage: 2}
	mux.Handle("/inputs/data-pipelines/p/runs", pages)
	ids, errs := collect(t, c, nil, 3)
	assert.Empty(t, errs)
	assert.Equal(t, []int64{11, 12, 21}, ids)
	assert.EqualValues(t, 2, pages.calls.Load(), "no page is fetched after the break")
}

func TestRunsAllYieldsAnErrorOnceAndStops(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("/inputs/data-pipelines/p/runs", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			writeJSON(w, http.StatusNotFound, `{"statusCode":404,"errors":[{"message":"Pipeline 'p' not found."}]}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"items":[{"id":1}],"current_page":1,"has_next_page":true}`)
	})
	ids, errs := collect(t, c, nil, 0)
	assert.Equal(t, []int64{1}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ws.ErrNotFound)
	assert.EqualValues(t, 2, calls.Load())
}

func TestRunsAllStopsOnARepeatedOrEmptyPage(t *testing.T) {
	t.Parallel()
	for name, mutate := range map[string]func(int, map[string]any){
		// A server that ignores currentPage answers page 1 again and again.
		"same page number": func(_ int, body map[string]any) { body["current_page"] = 1 },
		// A server that goes backwards.
		"earlier page number": func(n int, body map[string]any) { body["current_page"] = max(n-1, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			pages := &runPages{last: 100, perPage: 1, mutate: mutate}
			mux.Handle("/inputs/data-pipelines/p/runs", pages)
			ids, errs := collect(t, c, nil, 0)
			assert.Empty(t, errs)
			assert.Equal(t, []int64{11}, ids)
			assert.EqualValues(t, 2, pages.calls.Load())
		})
	}
	t.Run("empty page that claims a next one", func(t *testing.T) {
		t.Parallel()
		c, mux := setup(t)
		var calls atomic.Int32
		mux.HandleFunc("/inputs/data-pipelines/p/runs", func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			writeJSON(w, http.StatusOK, fmt.Sprintf(`{"items":[],"current_page":%s,"has_next_page":true}`,
				r.URL.Query().Get("currentPage")))
		})
		ids, errs := collect(t, c, nil, 0)
		assert.Empty(t, errs)
		assert.Empty(t, ids)
		assert.EqualValues(t, 1, calls.Load())
	})
}

// statusSequence answers a run's status from a list, repeating the last one.
func statusSequence(t *testing.T, statuses ...ws.RunStatus) (http.HandlerFunc, *atomic.Int32) {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		i := min(int(calls.Add(1))-1, len(statuses)-1)
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"id":13325,"pipeline_id":"p","type":"manual","status":%q}`, statuses[i]))
	}, &calls
}

func TestRunsWait(t *testing.T) {
	t.Parallel()
	for _, final := range []ws.RunStatus{ws.RunSuccess, ws.RunFailed, ws.RunStopped} {
		t.Run(string(final), func(t *testing.T) {
			t.Parallel()
			rec := &pauseRecorder{} // pauses without sleeping
			c, mux := setup(t, ws.WithPollWait(rec.pause))
			h, calls := statusSequence(t, ws.RunQueued, ws.RunRunning, ws.RunRetrying, final, ws.RunRunning)
			mux.Handle("/inputs/data-pipelines/p/runs/13325", h)
			run, err := c.Runs.Wait(context.Background(), "p", 13325, ws.PollEvery(time.Millisecond))
			require.NoError(t, err)
			assert.Equal(t, final, run.Status)
			assert.EqualValues(t, 4, calls.Load(), "stops at the first terminal status")
			assert.Len(t, rec.got(), 3, "one pause between two reads")
		})
	}
}

// TestRunsWaitEndsWithTheContext is the test of the default pause, a timer: two pauses of a
// millisecond, the second reusing the timer, then a context that ends.
func TestRunsWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	mux.HandleFunc("/inputs/data-pipelines/p/runs/5", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 3 {
			cancel()
		}
		writeJSON(w, http.StatusOK, `{"id":5,"pipeline_id":"p","status":"running"}`)
	})
	run, err := c.Runs.Wait(ctx, "p", 5, ws.PollEvery(time.Millisecond))
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, run, "the last run read is returned")
	assert.Equal(t, ws.RunRunning, run.Status)
	assert.Contains(t, err.Error(), "waiting for run 5 of pipeline p")
}

func TestRunsWaitReturnsAnErrorOfARead(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/p/runs/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, `{"errors":[{"message":"Run 5 not found."}]}`)
	})
	run, err := c.Runs.Wait(context.Background(), "p", 5, ws.PollEvery(time.Hour))
	assert.Nil(t, run)
	require.ErrorIs(t, err, ws.ErrNotFound)
	var apiErr *ws.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "/inputs/data-pipelines/p/runs/5", apiErr.Path)
}

func TestRunsWaitDoesNotPollAfterTheContextEnded(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("/inputs/data-pipelines/p/runs/5", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, http.StatusOK, `{"id":5,"status":"running"}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run, err := c.Runs.Wait(ctx, "p", 5)
	assert.Nil(t, run)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, calls.Load())
}

func TestRunsWaitRejectsANilContextAndOption(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/inputs/data-pipelines/p/runs/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":5,"status":"success"}`)
	})
	// Like every other method: a *ValidationError naming ctx, not a panic.
	var nilCtx context.Context
	run, err := c.Runs.Wait(nilCtx, "p", 5)
	assert.Nil(t, run)
	var ve *ws.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ctx", ve.Field)

	// A nil option is skipped, as NewClient skips a nil Option.
	run, err = c.Runs.Wait(context.Background(), "p", 5, nil)
	require.NoError(t, err)
	assert.Equal(t, ws.RunSuccess, run.Status)
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
