package wire

import "slices"

// Enum names one enumerated field of the API.
type Enum int

// The enumerated fields. Each one's Values are the strings the wire carries, in the order the API
// reference lists them.
const (
	ConnectionState  Enum = iota // connection state: new, active, inactive
	ConnectionStatus             // connection status (read-only)
	DataModelState               // data model state: new, active, inactive
	DataModelStatus              // data model status (read-only)
	DataModelType                // data model type: sql
	PipelineState                // pipeline state: new, active, paused
	PipelineStatus               // pipeline status (read-only)
	PipelineType                 // pipeline_type
	ServiceProvider              // a connection's service_provider: the names of Providers
	SyncModeType                 // sync_mode.type
	IteratorDataType             // sync_mode.iterator_data_type
	ScheduleType                 // schedule.type, as the API writes it (see ScheduleOnDemandAlias)
	Frequency                    // schedule.frequency
	Environment                  // environment
	RunType                      // a run's type
	RunStatus                    // a run's status
	TriggerStatus                // the status of a trigger's answer
	numEnums
)

// ScheduleOnDemandAlias is the spelling of schedule type on_demand that the reference's text uses; the
// API accepts it in requests and always writes on_demand.
const ScheduleOnDemandAlias = "on-demand"

// Enums returns every enumerated field, for tests and tools that walk them all.
func Enums() []Enum {
	out := make([]Enum, 0, numEnums)
	for e := Enum(0); e < numEnums; e++ {
		out = append(out, e)
	}
	return out
}

// Values returns the values of e, a new slice on each call.
func (e Enum) Values() []string {
	_, values := e.def()
	return values
}

// String returns the name of e, as in "PipelineType".
func (e Enum) String() string {
	name, _ := e.def()
	return name
}

// Has reports whether v is one of the values of e.
func (e Enum) Has(v string) bool { return slices.Contains(e.Values(), v) }

// def is the table: the name and the values of e.
func (e Enum) def() (name string, values []string) {
	switch e {
	case ConnectionState:
		return "ConnectionState", []string{"new", "active", "inactive"}
	case ConnectionStatus:
		return "ConnectionStatus", []string{"healthy", "faulted"}
	case DataModelState:
		return "DataModelState", []string{"new", "active", "inactive"}
	case DataModelStatus:
		return "DataModelStatus", []string{"valid", "invalid"}
	case DataModelType:
		return "DataModelType", []string{"sql"}
	case PipelineState:
		return "PipelineState", []string{"new", "active", "paused"}
	case PipelineStatus:
		return "PipelineStatus", []string{"idle", "running", "faulted", "stopped"}
	case PipelineType:
		return "PipelineType", []string{"user_attributes", "events"}
	case ServiceProvider:
		providers := Providers()
		names := make([]string, len(providers))
		for i, p := range providers {
			names[i] = p.Name
		}
		return "ServiceProvider", names
	case SyncModeType:
		return "SyncModeType", []string{"incremental", "full"}
	case IteratorDataType:
		return "IteratorDataType", []string{
			"timestamp", "datetime", "datetime_tz", "date", "timestamp_ltz", "timestamp_ntz", "timestamp_tz",
			"timestamp_unixtime_ms", "timestamp_unixtime_s",
		}
	case ScheduleType:
		return "ScheduleType", []string{"interval", "once", "on_demand"}
	case Frequency:
		return "Frequency", []string{"hourly", "daily", "weekly", "monthly"}
	case Environment:
		return "Environment", []string{"development", "production"}
	case RunType:
		return "RunType", []string{"scheduled", "manual"}
	case RunStatus:
		return "RunStatus", []string{"queued", "running", "retrying", "success", "failed", "stopped"}
	case TriggerStatus:
		return "TriggerStatus", []string{"attempt_requested"}
	}
	return "Enum(?)", nil
}
