package warehousesynctest

import (
	"strings"
	"time"

	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

func listPipelines(s *Server, c *call) reply {
	return ok(s.eng.Pipelines(c.wsID))
}

func getPipeline(s *Server, c *call) reply {
	// The engine writes the pipeline's JSON: the same bytes as encoding what Pipeline returns.
	buf := s.answers.get(1024)
	b, found := s.eng.AppendPipeline(*buf, c.wsID, c.params[0])
	if !found {
		s.answers.put(buf, b)
		return notFound(kindPipeline, c.params[0])
	}
	return pooledJSON(&s.answers, buf, b)
}

func createPipeline(s *Server, c *call) reply {
	p, errs := s.parsePipeline(c, "", nil)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if s.eng.HasPipeline(c.wsID, p.ID) {
		return alreadyExists(kindPipeline, p.ID)
	}
	p.CreatedOn, p.CreatedBy = engine.NewTimestamp(c.now), c.clientID
	key := resourceKey(kindPipeline, p.ID)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	if err := s.eng.CreatePipeline(c.wsID, p); err != nil {
		return engineReply(err, p.ID)
	}
	s.chargeLocked(c.ws, key, int64(len(c.body)))
	return s.pipelineReply(c.wsID, p.ID)
}

func updatePipeline(s *Server, c *call) reply {
	id := c.params[0]
	stored, found := s.eng.Pipeline(c.wsID, id)
	if !found {
		return notFound(kindPipeline, id)
	}
	p, errs := s.parsePipeline(c, id, &stored)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	p.CreatedOn, p.CreatedBy = stored.CreatedOn, stored.CreatedBy
	p.LastModifiedOn, p.LastModifiedBy = engine.NewTimestamp(c.now), c.clientID
	key := resourceKey(kindPipeline, id)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	if err := s.eng.UpdatePipeline(c.wsID, p); err != nil {
		return engineReply(err, id)
	}
	s.chargeLocked(c.ws, key, int64(len(c.body)))
	return s.pipelineReply(c.wsID, id)
}

func deletePipeline(s *Server, c *call) reply {
	id := c.params[0]
	if err := s.eng.DeletePipeline(c.wsID, id); err != nil {
		return engineReply(err, id)
	}
	s.refundLocked(c.ws, resourceKey(kindPipeline, id))
	return noContent()
}

// pipelineReply answers with the pipeline as the engine stores it, status and errors included.
func (s *Server) pipelineReply(wsID, id string) reply {
	p, found := s.eng.Pipeline(wsID, id)
	if !found {
		return notFound(kindPipeline, id)
	}
	return ok(p)
}

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
	runID, err := s.eng.Trigger(c.wsID, id)
	if err != nil {
		return engineReply(err, id)
	}
	return ok(triggerResponse{PipelineRunID: runID, Status: "attempt_requested"})
}

func getReport(s *Server, c *call) reply {
	id := c.params[0]
	if !s.eng.HasPipeline(c.wsID, id) {
		return notFound(kindPipeline, id)
	}
	s.autoAdvanceLocked(c.wsID, id, 0)
	p, _ := s.eng.Pipeline(c.wsID, id) // the clock may have moved: read what the client sees now
	rep := report{PipelineID: id, Status: p.Status, Errors: p.Errors,
		ConnectionStatus: engine.ConnectionHealthy, DataModelStatus: engine.DataModelValid}
	if conn, found := s.eng.Connection(c.wsID, p.ConnectionID); found {
		rep.ConnectionStatus, rep.ConnectionErrors = conn.Status, conn.Errors
	}
	if m, found := s.eng.DataModel(c.wsID, p.DataModelID); found {
		rep.DataModelStatus, rep.DataModelErrors = m.Status, m.Errors
	}
	rep.LatestPipelineRun, rep.LatestSuccessfulPipelineRunID = s.eng.Report(c.wsID, id)
	return ok(rep)
}

// triggerResponse is the body of a trigger's answer.
type triggerResponse struct {
	PipelineRunID int64  `json:"pipeline_run_id"`
	Status        string `json:"status"`
}

// report is the body of a pipeline's status report, in the engine's types.
type report struct {
	PipelineID                    string                  `json:"pipeline_id"`
	Status                        engine.PipelineStatus   `json:"status"`
	Errors                        []engine.ErrorDetail    `json:"errors,omitempty"`
	ConnectionStatus              engine.ConnectionStatus `json:"connection_status"`
	ConnectionErrors              []engine.ErrorDetail    `json:"connection_errors,omitempty"`
	DataModelStatus               engine.DataModelStatus  `json:"data_model_status"`
	DataModelErrors               []engine.ErrorDetail    `json:"data_model_errors,omitempty"`
	LatestSuccessfulPipelineRunID *int64                  `json:"latest_successful_pipeline_run_id"`
	LatestPipelineRun             *engine.Run             `json:"latest_pipeline_run"`
}

// parsePipeline validates a create (pathID "") or update body and builds the pipeline it describes.
func (s *Server) parsePipeline(c *call, pathID string, stored *engine.Pipeline) (*engine.Pipeline, fieldErrors) {
	var errs fieldErrors
	o, valid := decodeObject(c.body, &errs)
	if !valid {
		return nil, errs
	}
	p := &engine.Pipeline{}
	if pathID == "" {
		p.ID = o.slug("id", true)
	} else {
		p.ID = checkPathID(o, pathID)
	}
	p.Name = o.required("name", "")
	p.PipelineType = engine.PipelineType(o.oneOf("pipeline_type", true, wire.PipelineType.Values()...))
	p.ConnectionID = o.slug("connection_id", true)
	if p.ConnectionID != "" && validSlug(p.ConnectionID) {
		if !s.eng.HasConnection(c.wsID, p.ConnectionID) {
			errs.add("connection_id", "%s '%s' not found.", kindConnection, p.ConnectionID)
		}
	}
	p.DataModelID = o.slug("data_model_id", true)
	if p.DataModelID != "" && validSlug(p.DataModelID) {
		if !s.eng.HasDataModel(c.wsID, p.DataModelID) {
			errs.add("data_model_id", "%s '%s' not found.", kindDataModel, p.DataModelID)
		}
	}
	p.FieldTransformationID = o.slug("field_transformation_id", false)
	s.checkFieldTransformation(c.wsID, p, &errs)
	p.PartnerFeedID = o.int64("partner_feed_id")
	p.PartnerFeedKey = o.str("partner_feed_key")
	p.State = engine.StateValue(o.oneOf("state", true, wire.PipelineState.Values()...))
	p.Environment = engine.Environment(o.oneOf("environment", true, wire.Environment.Values()...))
	p.DataPlanID = o.str("data_plan_id")
	p.DataPlanVersion = o.int64("data_plan_version")
	if p.DataPlanVersion != nil && *p.DataPlanVersion < 1 {
		errs.add("data_plan_version", "must be 1 or more, got %d", *p.DataPlanVersion)
	}
	parseSyncMode(o, p, stored)
	parseSchedule(o, p)
	if p.State == engine.StateActive && s.cfg.maxActive > 0 {
		var active []string
		for _, id := range s.eng.ActivePipelines(c.wsID) {
			if id != p.ID {
				active = append(active, id)
			}
		}
		if len(active) >= s.cfg.maxActive {
			errs.add("state", "at most %d pipelines may be active in a workspace (active: %s); pause or delete one first",
				s.cfg.maxActive, strings.Join(active, ", "))
		}
	}
	return p, errs
}

// checkFieldTransformation applies the pipeline type's rule and the workspace's registry.
func (s *Server) checkFieldTransformation(wsID string, p *engine.Pipeline, errs *fieldErrors) {
	ft := p.FieldTransformationID
	switch {
	case p.PipelineType == engine.PipelineEvents && ft == "":
		errs.add("field_transformation_id", "is required for events pipelines")
	case p.PipelineType == engine.PipelineUserAttributes && ft != "":
		errs.add("field_transformation_id", "must be left out for user_attributes pipelines: field transformations are not available for user data")
	case ft != "" && validSlug(ft) && !s.eng.KnowsFieldTransformation(wsID, ft):
		known, _ := s.eng.FieldTransformations(wsID)
		errs.add("field_transformation_id", "Field transformation '%s' not found (known: %s).",
			ft, orDefault(strings.Join(known, ", "), "none"))
	}
}

// parseSyncMode validates sync_mode into p; stored is the pipeline being updated, whose from is fixed.
func parseSyncMode(o object, p *engine.Pipeline, stored *engine.Pipeline) {
	sm, found := o.obj("sync_mode")
	if !found {
		if _, present := o.raw("sync_mode"); !present {
			o.errs.add("sync_mode", "is required: an object with type (incremental or full)")
		}
		return
	}
	p.SyncMode.Type = engine.SyncModeType(sm.oneOf("type", true, wire.SyncModeType.Values()...))
	incremental := p.SyncMode.Type == engine.SyncIncremental
	p.SyncMode.IteratorField = sm.str("iterator_field")
	if incremental && p.SyncMode.IteratorField == "" {
		if _, isString := sm.strOK("iterator_field"); isString {
			o.errs.add(sm.name("iterator_field"), "is required for incremental sync mode")
		}
	}
	p.SyncMode.IteratorDataType = engine.IteratorDataType(sm.oneOf("iterator_data_type", incremental, wire.IteratorDataType.Values()...))
	from, until := sm.timestamp("from"), sm.timestamp("until")
	p.SyncMode.From, p.SyncMode.Until = tsOrZero(from), tsOrZero(until)
	if !from.IsZero() && !until.IsZero() && !from.Before(until) {
		o.errs.add(sm.name("until"), "must be after sync_mode.from")
	}
	if stored != nil {
		fromGiven := sm.str("from") != ""
		if (!fromGiven || !from.IsZero()) && !from.Equal(stored.SyncMode.From.Time) {
			o.errs.add(sm.name("from"), "cannot be changed after the pipeline is created (it is %s)",
				orDefault(stored.SyncMode.From.String(), "unset"))
		}
	}
}

// parseSchedule validates schedule into p.
func parseSchedule(o object, p *engine.Pipeline) {
	sc, found := o.obj("schedule")
	if !found {
		if _, present := o.raw("schedule"); !present {
			o.errs.add("schedule", "is required: an object with type (interval, once or on_demand)")
		}
		return
	}
	switch t, isString := sc.strOK("type"); {
	case !isString:
	case t == "":
		o.errs.add(sc.name("type"), "is required; valid values: %s", strings.Join(wire.ScheduleType.Values(), ", "))
	case t == wire.ScheduleOnDemandAlias || t == string(engine.ScheduleOnDemand):
		p.Schedule.Type = engine.ScheduleOnDemand
	case t == string(engine.ScheduleInterval) || t == string(engine.ScheduleOnce):
		p.Schedule.Type = engine.ScheduleType(t)
	default:
		o.errs.add(sc.name("type"), "%q is not a valid value; valid values: %s", truncate(t, 40), strings.Join(wire.ScheduleType.Values(), ", "))
	}
	interval := p.Schedule.Type == engine.ScheduleInterval
	p.Schedule.Frequency = engine.Frequency(sc.oneOf("frequency", interval, wire.Frequency.Values()...))
	start, end := sc.timestamp("start"), sc.timestamp("end")
	if interval && sc.str("start") == "" {
		if _, isString := sc.strOK("start"); isString {
			o.errs.add(sc.name("start"), "is required for interval schedules")
		}
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		o.errs.add(sc.name("end"), "must be after schedule.start")
	}
	p.Schedule.Start, p.Schedule.End = tsOrZero(start), tsOrZero(end)
	if d := sc.str("delay"); d != "" {
		delay, err := engine.ParseDelay(d)
		if err != nil {
			o.errs.add(sc.name("delay"), "%s (it must match ^[0-9]+[smhdwy]$)", err.Error())
		}
		p.Schedule.Delay = delay
	}
}

// tsOrZero is t as a Timestamp, the zero Timestamp (null) when t is zero.
func tsOrZero(t time.Time) engine.Timestamp {
	if t.IsZero() {
		return engine.Timestamp{}
	}
	return engine.NewTimestamp(t)
}
