package warehousesynctest

import (
	"fmt"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

func listDataModels(s *Server, c *call) reply {
	out := []ws.DataModel{}
	for _, id := range sortedKeys(c.ws.models) {
		out = append(out, copyDataModel(c.ws.models[id]))
	}
	return ok(out)
}

func getDataModel(s *Server, c *call) reply {
	m, found := c.ws.models[c.params[0]]
	if !found {
		return notFound(kindDataModel, c.params[0])
	}
	return ok(copyDataModel(m))
}

func createDataModel(s *Server, c *call) reply {
	m, errs := parseDataModel(c, "")
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if _, exists := c.ws.models[m.ID]; exists {
		return alreadyExists(kindDataModel, m.ID)
	}
	key := resourceKey(kindDataModel, m.ID)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	m.Status = ws.DataModelValid
	m.CreatedOn, m.CreatedBy = ws.NewTimestamp(c.now), c.clientID
	c.ws.models[m.ID] = m
	s.chargeLocked(c, key)
	return ok(copyDataModel(m))
}

func updateDataModel(s *Server, c *call) reply {
	id := c.params[0]
	stored, found := c.ws.models[id]
	if !found {
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
	s.chargeLocked(c, key)
	// A PUT fixes the model: it is valid again, and so are the pipelines it faulted.
	delete(c.ws.invalid, id)
	m.Status = ws.DataModelValid
	m.CreatedOn, m.CreatedBy = stored.CreatedOn, stored.CreatedBy
	m.LastModifiedOn, m.LastModifiedBy = ws.NewTimestamp(c.now), c.clientID
	c.ws.models[id] = m
	for _, p := range s.eng.PipelinesUsing(c.wsID, "", id) {
		s.eng.ClearFault(c.wsID, p)
	}
	return ok(copyDataModel(m))
}

func deleteDataModel(s *Server, c *call) reply {
	id := c.params[0]
	if _, found := c.ws.models[id]; !found {
		return notFound(kindDataModel, id)
	}
	if users := s.eng.PipelinesUsing(c.wsID, "", id); len(users) > 0 {
		return badRequest(fmt.Sprintf("%s '%s' is used by pipelines %s; delete them or point them at another data model first.",
			kindDataModel, id, strings.Join(users, ", ")))
	}
	delete(c.ws.models, id)
	delete(c.ws.invalid, id) // its fault and records go with it
	delete(c.ws.sources, id)
	s.refundLocked(c, resourceKey(kindDataModel, id))
	s.chargeRecordsLocked(c.ws, id, 0)
	return noContent()
}

// parseDataModel validates a create (pathID "") or update body and builds the data model it describes.
func parseDataModel(c *call, pathID string) (*ws.DataModel, fieldErrors) {
	var errs fieldErrors
	o, valid := decodeObject(c.body, &errs)
	if !valid {
		return nil, errs
	}
	m := &ws.DataModel{}
	if pathID == "" {
		m.ID = o.slug("id", true)
	} else {
		m.ID = checkPathID(o, pathID)
	}
	m.Name = o.required("name", "")
	m.State = ws.State(o.oneOf("state", true, wire.DataModelState.Values()...))
	m.Type = ws.DataModelType(o.oneOf("type", true, wire.DataModelType.Values()...))
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

func copyDataModel(m *ws.DataModel) ws.DataModel {
	out := *m
	out.Errors = append([]ws.ErrorDetail(nil), m.Errors...)
	return out
}
