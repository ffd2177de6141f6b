package warehousesynctest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wsync-dev/warehousesync/internal/engine"
)

func listRuns(s *Server, c *call) reply {
	id := c.params[0]
	if !s.eng.HasPipeline(c.wsID, id) {
		return notFound(kindPipeline, id)
	}
	q, errs := parseRunQuery(c)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	// The engine writes the page's JSON from its stored runs: the same bytes as encoding the page.
	buf := s.answers.get(4096)
	return pooledJSON(&s.answers, buf, s.eng.AppendRunsPage(*buf, c.wsID, id, q))
}

// parseRunQuery validates currentPage, pageSize, startDate and endDate.
func parseRunQuery(c *call) (engine.RunQuery, fieldErrors) {
	var errs fieldErrors
	q := engine.RunQuery{Page: 1, PageSize: engine.DefaultPageSize}
	intParam := func(name string, lo, hi int) int {
		v := c.query.Get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			errs.add(name, "%q must be an integer from %d to %d", truncate(v, 20), lo, hi)
			return 0
		}
		return n
	}
	if n := intParam("currentPage", 1, 1<<31-1); n > 0 {
		q.Page = n
	}
	if n := intParam("pageSize", 1, engine.MaxPageSize); n > 0 {
		q.PageSize = n
	}
	dateParam := func(name string) *time.Time {
		v := c.query.Get(name)
		if v == "" {
			return nil
		}
		t, err := parseRFC3339(v)
		if err != nil {
			hint := ""
			if strings.Contains(v, " ") {
				hint = "; a + in a query string must be sent as %2B (an unescaped + reads as a space)"
			}
			errs.add(name, "%q is not an RFC 3339 timestamp (for example 2023-10-25T18:11:57Z)%s", truncate(v, 40), hint)
			return nil
		}
		return &t
	}
	q.From, q.To = dateParam("startDate"), dateParam("endDate")
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		errs.add("endDate", "must not be before startDate")
	}
	return q, errs
}

func getRun(s *Server, c *call) reply {
	id, rawRunID := c.params[0], c.params[1]
	if !s.eng.HasPipeline(c.wsID, id) {
		return notFound(kindPipeline, id)
	}
	runID, err := strconv.ParseInt(rawRunID, 10, 64)
	if err != nil {
		return badRequest(fmt.Sprintf("pipelineRunId: %q is not an integer", truncate(rawRunID, 40)))
	}
	if runID < 1 {
		// Run ids start at 1; and autoAdvanceLocked takes run id 0 for a report poll.
		return notFound(kindRun, strconv.FormatInt(runID, 10))
	}
	s.autoAdvanceLocked(c.wsID, id, runID)
	buf := s.answers.get(512)
	run, found := s.eng.AppendRun(*buf, c.wsID, id, runID)
	if !found {
		s.answers.put(buf, run)
		return notFound(kindRun, strconv.FormatInt(runID, 10))
	}
	return pooledJSON(&s.answers, buf, run)
}
