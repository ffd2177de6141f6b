package apply

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// Validate checks d with every rule known without the API, and returns every problem at once, each an
// *Error naming the file (with the line and column when d was read by a Loader), the resource, the
// field and the rule: ids, each declared enum value, and the rules that tie fields together (an
// incremental sync needs its iterator, an interval schedule its frequency and start, an events
// pipeline its field transformation, an end after its start). Plan and MakePlan run it first, so an
// invalid state is refused before any request. Rules that need the workspace (does a pipeline's
// connection exist? is a resource new, so that its required fields must all be declared?) are checked
// by the plan, still before any change.
//
// Validate checks only what is declared: a field left out keeps the stored value. Its messages never
// hold a declared value.
func Validate(d *Desired) error { return check(d) }

// oneOf adds an error when the declared value v of field is not one of e's values.
func (l *errorList) oneOf(ref Ref, field string, v string, e wire.Enum) {
	if v != "" && !e.Has(v) {
		l.add(ref, field, "is not one of %s", strings.Join(e.Values(), ", "))
	}
}

// validateConnection applies the offline rules to a declared connection.
func validateConnection(l *errorList, c *ws.Connection) {
	ref := Ref{KindConnection, c.ID}
	l.oneOf(ref, "state", string(c.State), wire.ConnectionState)
	if rc, isRedshift := c.Config.(*ws.RedshiftConfig); isRedshift && rc != nil && rc.Port != "" && !validPort(rc.Port) {
		l.add(ref, "config.port", "must be a port number, 1 to 65535, written without a sign or leading zeros")
	}
}

// validPort reports whether s is a port number in its canonical spelling: another spelling ("05439")
// would be stored as written by one API and as the number by another, a change on every plan.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == s
}

// validateDataModel applies the offline rules to a declared data model.
func validateDataModel(l *errorList, m *ws.DataModel) {
	ref := Ref{KindDataModel, m.ID}
	l.oneOf(ref, "state", string(m.State), wire.DataModelState)
	l.oneOf(ref, "type", string(m.Type), wire.DataModelType)
}

// validatePipeline applies the offline rules to a declared pipeline.
func validatePipeline(l *errorList, p *ws.Pipeline) {
	ref := Ref{KindPipeline, p.ID}
	l.oneOf(ref, "pipeline_type", string(p.PipelineType), wire.PipelineType)
	l.oneOf(ref, "state", string(p.State), wire.PipelineState)
	l.oneOf(ref, "environment", string(p.Environment), wire.Environment)
	if p.DataPlanVersion != nil && *p.DataPlanVersion < 1 {
		l.add(ref, "data_plan_version", "must be 1 or more")
	}
	switch {
	case p.PipelineType == ws.PipelineEvents && p.FieldTransformationID == "":
		l.add(ref, "field_transformation_id", "is required for events pipelines")
	case p.PipelineType == ws.PipelineUserAttributes && p.FieldTransformationID != "":
		l.add(ref, "field_transformation_id", "must be left out for user_attributes pipelines: field transformations are not available for user data")
	}

	sm := p.SyncMode
	l.oneOf(ref, "sync_mode.type", string(sm.Type), wire.SyncModeType)
	l.oneOf(ref, "sync_mode.iterator_data_type", string(sm.IteratorDataType), wire.IteratorDataType)
	if sm.Type == ws.SyncIncremental {
		if sm.IteratorField == "" {
			l.add(ref, "sync_mode.iterator_field", "is required for an incremental sync (declare it with sync_mode.type)")
		}
		if sm.IteratorDataType == "" {
			l.add(ref, "sync_mode.iterator_data_type", "is required for an incremental sync (declare it with sync_mode.type)")
		}
	}
	if !sm.From.IsZero() && !sm.Until.IsZero() && !sm.From.Before(sm.Until.Time) {
		l.add(ref, "sync_mode.until", "must be after sync_mode.from")
	}

	sc := p.Schedule
	l.oneOf(ref, "schedule.type", normalScheduleType(sc.Type), wire.ScheduleType)
	l.oneOf(ref, "schedule.frequency", string(sc.Frequency), wire.Frequency)
	if sc.Type == ws.ScheduleInterval {
		if sc.Frequency == "" {
			l.add(ref, "schedule.frequency", "is required for an interval schedule")
		}
		if sc.Start.IsZero() {
			l.add(ref, "schedule.start", "is required for an interval schedule")
		}
	}
	if !sc.Start.IsZero() && !sc.End.IsZero() && !sc.Start.Before(sc.End.Time) {
		l.add(ref, "schedule.end", "must be after schedule.start")
	}
}

// clearablePipelineFields are the optional fields of a pipeline, which a desired state may clear.
var clearablePipelineFields = []string{
	"field_transformation_id", "partner_feed_id", "partner_feed_key", "data_plan_id", "data_plan_version",
	"sync_mode.iterator_field", "sync_mode.iterator_data_type", "sync_mode.until",
	"schedule.frequency", "schedule.delay", "schedule.start", "schedule.end",
}

// validateCleared refuses a field declared empty that cannot be cleared: a required field, a secret
// (empty means unchanged) or one the resource does not have.
func validateCleared(l *errorList, d *Desired) {
	providers := map[string]ws.ServiceProvider{}
	for _, c := range d.Connections {
		if c != nil {
			providers[c.ID] = providerOf(c)
		}
	}
	for _, ref := range slices.SortedFunc(maps.Keys(d.Cleared), func(a, b Ref) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	}) {
		for _, field := range d.Cleared[ref] {
			switch ref.Kind {
			case KindPipeline:
				if slices.Contains(clearablePipelineFields, field) {
					continue
				}
			case KindConnection:
				p, known := wire.LookupProvider(string(providers[ref.ID]))
				key, isConfig := strings.CutPrefix(field, "config.")
				if known && isConfig && slices.ContainsFunc(p.Config, func(k wire.ConfigKey) bool {
					return k.Name == key && !k.Required && !k.Secret
				}) {
					continue
				}
			}
			l.add(ref, field, "is declared empty (null or \"\"), which clears a field, but only optional fields can be cleared; leave it out to keep the stored value")
		}
	}
}

// normalScheduleType is t as the API writes it: the documented spelling "on-demand" is on_demand.
func normalScheduleType(t ws.ScheduleType) string {
	if t == wire.ScheduleOnDemandAlias {
		return string(ws.ScheduleOnDemand)
	}
	return string(t)
}

// validateNew refuses a resource that does not exist yet and leaves out a field the API requires on
// create.
func validateNew(l *errorList, v any) {
	req := func(ref Ref, field string, empty bool) {
		if empty {
			l.add(ref, field, "is required for a new %s", strings.ReplaceAll(string(ref.Kind), "_", " "))
		}
	}
	switch r := v.(type) {
	case *ws.Connection:
		ref := Ref{KindConnection, r.ID}
		req(ref, "name", r.Name == "")
		req(ref, "state", r.State == "")
		req(ref, "config", r.Config == nil)
		if r.Config == nil {
			return
		}
		p, known := wire.LookupProvider(string(providerOf(r)))
		if !known {
			return
		}
		cfg, err := toMap(r.Config)
		if err != nil {
			return
		}
		secrets := map[string]bool{}
		for _, s := range secretsOf(r) {
			secrets[s.path] = *s.val != ""
		}
		for _, k := range p.Config {
			if !k.Required {
				continue
			}
			if k.Secret {
				req(ref, "config."+k.Name, !secrets["config."+k.Name])
				continue
			}
			req(ref, "config."+k.Name, wire.IsEmpty(cfg[k.Name]))
		}
	case *ws.DataModel:
		ref := Ref{KindDataModel, r.ID}
		req(ref, "name", r.Name == "")
		req(ref, "state", r.State == "")
		req(ref, "type", r.Type == "")
		req(ref, "config.sql_query", r.Config.SQLQuery == "")
	case *ws.Pipeline:
		ref := Ref{KindPipeline, r.ID}
		req(ref, "name", r.Name == "")
		req(ref, "pipeline_type", r.PipelineType == "")
		req(ref, "state", r.State == "")
		req(ref, "environment", r.Environment == "")
		req(ref, "sync_mode.type", r.SyncMode.Type == "")
		req(ref, "schedule.type", r.Schedule.Type == "")
	}
}
