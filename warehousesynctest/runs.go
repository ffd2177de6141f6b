package warehousesynctest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
)

func triggerPipeline(s *Server, c *call) reply {
	var errs fieldErrors
	o, valid := decodeObject(c.body, &errs)
	var id string
	if valid {
		id = o.slug("pipeline_id", true)
	}
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if _, found := c.ws.pipelines[id]; !found {
		return notFound(kindPipeline, id)
	}
	runID, err := s.eng.Trigger(c.wsID, id)
	if err != nil {
		return engineReply(err)
	}
	return ok(ws.TriggerResponse{PipelineRunID: runID, Status: ws.TriggerAttemptRequested})
}

// engineReply turns an engine refusal into its answer: 404 for an unknown pipeline, else 400.
func engineReply(err error) reply {
	var ee *engine.Error
	if !errors.As(err, &ee) {
		return errReply(http.StatusInternalServerError, err.Error())
	}
	if ee.Kind == engine.ErrNotFound {
		return errReply(http.StatusNotFound, ee.Message)
	}
	return badRequest(ee.Message)
}

func getReport(s *Server, c *call) reply {
	id := c.params[0]
	p, found := c.ws.pipelines[id]
	if !found {
		return notFound(kindPipeline, id)
	}
	s.autoAdvanceLocked(c.wsID, id, 0)
	rep := ws.Report{PipelineID: id, ConnectionStatus: ws.ConnectionHealthy, DataModelStatus: ws.DataModelValid}
	rep.Status, rep.Errors = s.pipelineStatusLocked(c.wsID, id)
	if conn, found := c.ws.connections[p.ConnectionID]; found {
		rep.ConnectionStatus = conn.Status
		rep.ConnectionErrors = append([]ws.ErrorDetail(nil), conn.Errors...)
	}
	if m, found := c.ws.models[p.DataModelID]; found {
		rep.DataModelStatus = m.Status
		rep.DataModelErrors = append([]ws.ErrorDetail(nil), m.Errors...)
	}
	latest, latestOK := s.eng.Report(c.wsID, id)
	rep.LatestPipelineRun = latest
	rep.LatestSuccessfulPipelineRunID = latestOK
	return ok(rep)
}

func listRuns(s *Server, c *call) reply {
	id := c.params[0]
	if _, found := c.ws.pipelines[id]; !found {
		return notFound(kindPipeline, id)
	}
	q, errs := parseRunQuery(c)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	page := s.eng.ListRuns(c.wsID, id, q)
	if page.Items == nil {
		page.Items = []ws.Run{}
	}
	return ok(page)
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
	if _, found := c.ws.pipelines[id]; !found {
		return notFound(kindPipeline, id)
	}
	runID, err := strconv.ParseInt(rawRunID, 10, 64)
	if err != nil {
		return badRequest(fmt.Sprintf("pipelineRunId: %q is not an integer", truncate(rawRunID, 40)))
	}
	if runID < 1 {
		// Run ids start at 1; and autoAdvanceLocked takes run id 0 for a report poll.
		return errReply(http.StatusNotFound, fmt.Sprintf("Pipeline run '%d' not found.", runID))
	}
	s.autoAdvanceLocked(c.wsID, id, runID)
	run, found := s.eng.Run(c.wsID, id, runID)
	if !found {
		return errReply(http.StatusNotFound, fmt.Sprintf("Pipeline run '%d' not found.", runID))
	}
	return ok(run)
}

// autoAdvanceLocked implements WithAutoAdvance: while the pipeline has an active run (and the run asked
// for, if any, has not ended), the manual clock moves from event to event until what the client polls
// changes: the run's status (runID > 0), or the report's pipeline status and latest run. The events of
// other pipelines due on the way are processed too. So each poll sees the next status of the polled run,
// whatever else the fake is running, and nothing is skipped between two polls.
func (s *Server) autoAdvanceLocked(wsID, pipelineID string, runID int64) {
	if !s.cfg.autoAdvance || s.cfg.realTime {
		return
	}
	if status, _ := s.eng.Status(wsID, pipelineID); status != ws.PipelineRunning {
		return
	}
	seen := s.pollStateLocked(wsID, pipelineID, runID)
	if runID != 0 && (!seen.runFound || seen.run.Terminal()) {
		return
	}
	for s.pollStateLocked(wsID, pipelineID, runID) == seen {
		next, pending := s.eng.NextEvent()
		if !pending {
			return
		}
		// A refusal (the event cap) leaves everything as it was; the client then sees the current state.
		if n, err := s.advanceToLocked(maxTime(next, s.clock.Now())); err != nil || n == 0 {
			return
		}
	}
}

// pollState is what a polling client sees change: a run's status, or a pipeline's status and latest run.
type pollState struct {
	runFound  bool
	run       ws.RunStatus // the polled run's status, when runFound
	status    ws.PipelineStatus
	latestID  int64
	latestRun ws.RunStatus
}

// pollStateLocked is the state a GET of the run runID (or of the report, when runID is 0) shows.
func (s *Server) pollStateLocked(wsID, pipelineID string, runID int64) pollState {
	var st pollState
	if runID != 0 {
		if run, found := s.eng.Run(wsID, pipelineID, runID); found {
			st.runFound, st.run = true, run.Status
		}
		return st
	}
	st.status, _ = s.eng.Status(wsID, pipelineID)
	if latest, _ := s.eng.Report(wsID, pipelineID); latest != nil {
		st.latestID, st.latestRun = latest.ID, latest.Status
	}
	return st
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
