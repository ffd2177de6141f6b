package warehousesynctest

import (
	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

func listDataModels(s *Server, c *call) reply {
	return ok(s.eng.DataModels(c.wsID))
}

func getDataModel(s *Server, c *call) reply {
	return s.dataModelReply(c.wsID, c.params[0])
}

// dataModelReply answers with the data model as the engine stores it.
func (s *Server) dataModelReply(wsID, id string) reply {
	m, found := s.eng.DataModel(wsID, id)
	if !found {
		return notFound(kindDataModel, id)
	}
	return ok(m)
}

func createDataModel(s *Server, c *call) reply {
	m, errs := parseDataModel(c, "")
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if s.eng.HasDataModel(c.wsID, m.ID) {
		return alreadyExists(kindDataModel, m.ID)
	}
	key := resourceKey(kindDataModel, m.ID)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	m.CreatedOn, m.CreatedBy = engine.NewTimestamp(c.now), c.clientID
	if err := s.eng.CreateDataModel(c.wsID, m); err != nil {
		return resourceReply(err, m.ID)
	}
	s.chargeLocked(c.ws, key, int64(len(c.body)))
	return s.dataModelReply(c.wsID, m.ID)
}

func updateDataModel(s *Server, c *call) reply {
	id := c.params[0]
	if !s.eng.HasDataModel(c.wsID, id) {
		return notFound(kindDataModel, id)
	}
	m, errs := parseDataModel(c, id)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	key := resourceKey(kindDataModel, id)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	// A PUT fixes the model: it is valid again, and so are the pipelines it faulted.
	m.LastModifiedOn, m.LastModifiedBy = engine.NewTimestamp(c.now), c.clientID
	if err := s.eng.UpdateDataModel(c.wsID, m); err != nil {
		return resourceReply(err, id)
	}
	s.chargeLocked(c.ws, key, int64(len(c.body)))
	return s.dataModelReply(c.wsID, id)
}

func deleteDataModel(s *Server, c *call) reply {
	id := c.params[0]
	if err := s.eng.DeleteDataModel(c.wsID, id); err != nil { // refused while pipelines use it
		return resourceReply(err, id)
	}
	s.refundLocked(c.ws, resourceKey(kindDataModel, id))
	s.refundLocked(c.ws, recordsKey(id)) // its records went with it
	return noContent()
}

// parseDataModel validates a create (pathID "") or update body and builds the data model it describes.
func parseDataModel(c *call, pathID string) (*engine.DataModel, fieldErrors) {
	var errs fieldErrors
	o, valid := decodeObject(c.body, &errs)
	if !valid {
		return nil, errs
	}
	m := &engine.DataModel{}
	if pathID == "" {
		m.ID = o.slug("id", true)
	} else {
		m.ID = checkPathID(o, pathID)
	}
	m.Name = o.required("name", "")
	m.State = engine.StateValue(o.oneOf("state", true, wire.DataModelState.Values()...))
	m.Type = o.oneOf("type", true, wire.DataModelType.Values()...)
	cfg, found := o.obj("config")
	if !found {
		if _, present := o.raw("config"); !present {
			errs.add("config", "is required: an object with sql_query")
		}
		return m, errs
	}
	query, isString := cfg.strOK("sql_query")
	if isString {
		if problem := checkSQL(query); problem != "" {
			errs.add(cfg.name("sql_query"), "%s", problem)
		}
	}
	m.Config.SQLQuery = query
	return m, errs
}
