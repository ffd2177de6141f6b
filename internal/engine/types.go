package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wsync-dev/warehousesync/internal/schedule"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// The engine's own types of the resources it keeps, with their own JSON encoding: the fake answers with
// them, and the client decodes with its own types, so a test between the two compares two independent
// encodings of the wire format (api/openapi.yaml) rather than one type with itself. Every enumeration's
// values are internal/wire's.

// ErrorDetail is one entry of an "errors" array: of a faulted pipeline or connection, an invalid data
// model or a failed run.
type ErrorDetail struct {
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
}

// Timestamp is an instant as the API writes it: RFC 3339 in UTC with milliseconds, null when zero.
type Timestamp struct {
	time.Time
}

// NewTimestamp returns t as a Timestamp in UTC.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t.UTC()} }

// String formats t as the API does, or "" for the zero Timestamp.
func (t Timestamp) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timestampLayout)
}

// MarshalJSON writes t as a quoted RFC 3339 UTC time with milliseconds, or null when t is zero.
func (t Timestamp) MarshalJSON() ([]byte, error) { return appendTime(make([]byte, 0, 26), t.Time), nil }

// UnmarshalJSON reads null, "" (the zero Timestamp) or an RFC 3339 time, with or without a zone (none
// means UTC), in the years 0000 to 9999.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Timestamp{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp must be a string or null")
	}
	if s == "" {
		*t = Timestamp{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		v, err = time.Parse("2006-01-02T15:04:05.999999999", s)
	}
	if err != nil {
		return fmt.Errorf("timestamp %q is not RFC 3339", s)
	}
	v = v.UTC()
	if err := wire.CheckYears(s, v); err != nil {
		return err
	}
	*t = Timestamp{Time: v}
	return nil
}

// Delay is a schedule delay ("15m", "5d"); the zero Delay means none and is left out of the JSON.
type Delay struct {
	d schedule.Delay
}

// ParseDelay parses s as schedule.ParseDelay does.
func ParseDelay(s string) (Delay, error) {
	d, err := schedule.ParseDelay(s)
	if err != nil {
		return Delay{}, err
	}
	return Delay{d: d}, nil
}

// IsZero reports whether d is no delay.
func (d Delay) IsZero() bool { return d.d.Unit == 0 }

// String is d as the API writes it, "" for no delay.
func (d Delay) String() string { return d.d.String() }

// MarshalText writes d as String does.
func (d Delay) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a delay; "" is no delay.
func (d *Delay) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Delay{}
		return nil
	}
	v, err := ParseDelay(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// StateValue is the state of a pipeline (new, active or paused: wire.PipelineState), connection or data
// model (new, active or inactive).
type StateValue string

// The pipeline states.
const (
	StateNew    StateValue = "new"
	StateActive StateValue = "active"
	StatePaused StateValue = "paused"
)

// PipelineStatus is the status of a pipeline.
type PipelineStatus string

// The pipeline statuses.
const (
	PipelineIdle    PipelineStatus = "idle"
	PipelineRunning PipelineStatus = "running"
	PipelineFaulted PipelineStatus = "faulted"
	PipelineStopped PipelineStatus = "stopped"
)

// PipelineType says whether a pipeline ingests user attributes or events.
type PipelineType string

// The pipeline types.
const (
	PipelineUserAttributes PipelineType = "user_attributes"
	PipelineEvents         PipelineType = "events"
)

// SyncModeType says which rows each run of a pipeline syncs.
type SyncModeType string

// The sync mode types.
const (
	SyncIncremental SyncModeType = "incremental"
	SyncFull        SyncModeType = "full"
)

// IteratorDataType is the type of a pipeline's iterator column.
type IteratorDataType string

// The iterator data types.
const (
	IteratorTimestamp      IteratorDataType = "timestamp"
	IteratorDatetime       IteratorDataType = "datetime"
	IteratorDatetimeTZ     IteratorDataType = "datetime_tz"
	IteratorDate           IteratorDataType = "date"
	IteratorTimestampLTZ   IteratorDataType = "timestamp_ltz"
	IteratorTimestampNTZ   IteratorDataType = "timestamp_ntz"
	IteratorTimestampTZ    IteratorDataType = "timestamp_tz"
	IteratorUnixTimeMillis IteratorDataType = "timestamp_unixtime_ms"
	IteratorUnixTimeSecs   IteratorDataType = "timestamp_unixtime_s"
)

// ScheduleType says when a pipeline runs.
type ScheduleType string

// The schedule types.
const (
	ScheduleInterval ScheduleType = "interval"
	ScheduleOnce     ScheduleType = "once"
	ScheduleOnDemand ScheduleType = "on_demand"
)

// Frequency is how often an interval schedule runs.
type Frequency string

// The frequencies.
const (
	FrequencyHourly  Frequency = "hourly"
	FrequencyDaily   Frequency = "daily"
	FrequencyWeekly  Frequency = "weekly"
	FrequencyMonthly Frequency = "monthly"
)

// Environment is the mParticle environment a pipeline sends data as.
type Environment string

// The environments.
const (
	EnvironmentDevelopment Environment = "development"
	EnvironmentProduction  Environment = "production"
)

// RunType says why a run was created.
type RunType string

// The run types.
const (
	RunScheduled RunType = "scheduled"
	RunManual    RunType = "manual"
)

// RunStatus is the status of a run.
type RunStatus string

// The run statuses.
const (
	RunQueued   RunStatus = "queued"
	RunRunning  RunStatus = "running"
	RunRetrying RunStatus = "retrying"
	RunSuccess  RunStatus = "success"
	RunFailed   RunStatus = "failed"
	RunStopped  RunStatus = "stopped"
)

// Pipeline is a pipeline as the API writes it.
type Pipeline struct {
	ID                    string         `json:"id"`
	Name                  string         `json:"name"`
	PipelineType          PipelineType   `json:"pipeline_type"`
	ConnectionID          string         `json:"connection_id"`
	FieldTransformationID string         `json:"field_transformation_id,omitempty"`
	DataModelID           string         `json:"data_model_id"`
	PartnerFeedID         *int64         `json:"partner_feed_id,omitempty"`
	PartnerFeedKey        string         `json:"partner_feed_key,omitempty"`
	State                 StateValue     `json:"state"`
	Status                PipelineStatus `json:"status,omitempty"`
	Errors                []ErrorDetail  `json:"errors,omitempty"`
	SyncMode              SyncMode       `json:"sync_mode"`
	Schedule              Schedule       `json:"schedule"`
	Environment           Environment    `json:"environment"`
	DataPlanID            string         `json:"data_plan_id,omitempty"`
	DataPlanVersion       *int64         `json:"data_plan_version,omitempty"`
	CreatedOn             Timestamp      `json:"created_on"`
	CreatedBy             string         `json:"created_by,omitempty"`
	LastModifiedOn        Timestamp      `json:"last_modified_on"`
	LastModifiedBy        string         `json:"last_modified_by,omitempty"`
}

// SyncMode says which rows each run syncs.
type SyncMode struct {
	Type             SyncModeType     `json:"type"`
	IteratorField    string           `json:"iterator_field,omitempty"`
	IteratorDataType IteratorDataType `json:"iterator_data_type,omitempty"`
	From             Timestamp        `json:"from,omitzero"`
	Until            Timestamp        `json:"until,omitzero"`
}

// Schedule says when a pipeline runs.
type Schedule struct {
	Type      ScheduleType `json:"type"`
	Frequency Frequency    `json:"frequency,omitempty"`
	Delay     Delay        `json:"delay,omitzero"`
	Start     Timestamp    `json:"start,omitzero"`
	End       Timestamp    `json:"end,omitzero"`
}

// Run is one run of a pipeline as the API writes it.
type Run struct {
	ID                int64         `json:"id"`
	PipelineID        string        `json:"pipeline_id"`
	Type              RunType       `json:"type"`
	Status            RunStatus     `json:"status"`
	Errors            []ErrorDetail `json:"errors,omitempty"`
	LogicalDate       Timestamp     `json:"logical_date"`
	StartedOn         Timestamp     `json:"started_on"`
	EndedOn           Timestamp     `json:"ended_on"`
	RangeStart        Timestamp     `json:"range_start"`
	RangeEnd          Timestamp     `json:"range_end"`
	SuccessfulRecords int64         `json:"successful_records"`
	FailedRecords     int64         `json:"failed_records"`
}

// RunPage is one page of a pipeline's runs, in ascending logical date, then id.
type RunPage struct {
	Items           []*Run `json:"items"`
	CurrentPage     int    `json:"current_page"`
	PageSize        int    `json:"page_size"`
	TotalPages      int    `json:"total_pages"`
	TotalItems      int    `json:"total_items"`
	HasPreviousPage bool   `json:"has_previous_page"`
	HasNextPage     bool   `json:"has_next_page"`
}

// Terminal reports whether s is final: success, failed or stopped.
func (s RunStatus) Terminal() bool { return s == RunSuccess || s == RunFailed || s == RunStopped }

// ConnectionStatus is the health of a connection.
type ConnectionStatus string

// The connection statuses.
const (
	ConnectionHealthy ConnectionStatus = "healthy"
	ConnectionFaulted ConnectionStatus = "faulted"
)

// DataModelStatus is the validity of a data model.
type DataModelStatus string

// The data model statuses.
const (
	DataModelValid   DataModelStatus = "valid"
	DataModelInvalid DataModelStatus = "invalid"
)

// StateInactive is the inactive state of a connection or data model.
const StateInactive StateValue = "inactive"

// MaskedSecret is what the API writes for a secret that is set.
const MaskedSecret = "************"

// Connection is a connection as the engine keeps it: its config's keys and values as the provider's
// table in internal/wire names them, secrets in clear. Its JSON masks every secret that is set.
type Connection struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	State           StateValue       `json:"state"`
	Status          ConnectionStatus `json:"status,omitempty"`
	Errors          []ErrorDetail    `json:"errors,omitempty"`
	ServiceProvider string           `json:"service_provider"`
	Config          ConnectionConfig `json:"config"`
	CreatedOn       Timestamp        `json:"created_on"`
	CreatedBy       string           `json:"created_by,omitempty"`
	LastModifiedOn  Timestamp        `json:"last_modified_on"`
	LastModifiedBy  string           `json:"last_modified_by,omitempty"`
}

// ConnectionConfig is a connection's config: key → value, secrets in clear.
type ConnectionConfig map[string]string

// MarshalJSON writes c as the API shows it, secrets masked: the config's keys in the provider table's
// order, a key written when it has a value or when it is required and not secret, a secret that is set
// written as MaskedSecret. It appends to one buffer, as encoding/json would write the same fields.
func (c Connection) MarshalJSON() ([]byte, error) {
	dst := make([]byte, 0, 512)
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, c.ID)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, c.Name)
	dst = append(dst, `,"state":`...)
	dst = appendString(dst, string(c.State))
	dst = appendOptString(dst, `,"status":`, string(c.Status))
	dst = appendErrors(dst, c.Errors)
	dst = append(dst, `,"service_provider":`...)
	dst = appendString(dst, c.ServiceProvider)
	dst = append(dst, `,"config":`...)
	dst = appendConfig(dst, c.ServiceProvider, c.Config)
	dst = append(dst, `,"created_on":`...)
	dst = appendTime(dst, c.CreatedOn.Time)
	dst = appendOptString(dst, `,"created_by":`, c.CreatedBy)
	dst = append(dst, `,"last_modified_on":`...)
	dst = appendTime(dst, c.LastModifiedOn.Time)
	dst = appendOptString(dst, `,"last_modified_by":`, c.LastModifiedBy)
	return append(dst, '}'), nil
}

// appendConfig appends a connection's config of provider as MarshalJSON writes it; null when nil.
func appendConfig(dst []byte, provider string, values ConnectionConfig) []byte {
	if values == nil {
		return append(dst, "null"...)
	}
	p, _ := wire.LookupProvider(provider)
	dst = append(dst, '{')
	first := true
	for _, k := range p.Config {
		v := values[k.Name]
		if v == "" && (!k.Required || k.Secret) {
			continue
		}
		if k.Secret {
			v = MaskedSecret
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, k.Name)
		dst = append(dst, ':')
		dst = appendString(dst, v)
	}
	return append(dst, '}')
}

// UnmarshalJSON reads a connection as MarshalJSON writes it; the config keeps the non-empty string
// values of the provider table's keys.
func (c *Connection) UnmarshalJSON(b []byte) error {
	var aux struct {
		ID              string           `json:"id"`
		Name            string           `json:"name"`
		State           StateValue       `json:"state"`
		Status          ConnectionStatus `json:"status"`
		Errors          []ErrorDetail    `json:"errors"`
		ServiceProvider string           `json:"service_provider"`
		Config          map[string]any   `json:"config"`
		CreatedOn       Timestamp        `json:"created_on"`
		CreatedBy       string           `json:"created_by"`
		LastModifiedOn  Timestamp        `json:"last_modified_on"`
		LastModifiedBy  string           `json:"last_modified_by"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*c = Connection{ID: aux.ID, Name: aux.Name, State: aux.State, Status: aux.Status, Errors: aux.Errors,
		ServiceProvider: aux.ServiceProvider, CreatedOn: aux.CreatedOn, CreatedBy: aux.CreatedBy,
		LastModifiedOn: aux.LastModifiedOn, LastModifiedBy: aux.LastModifiedBy}
	if aux.Config == nil {
		return nil
	}
	p, _ := wire.LookupProvider(c.ServiceProvider)
	c.Config = ConnectionConfig{}
	for _, k := range p.Config {
		switch v := aux.Config[k.Name].(type) {
		case nil:
		case string:
			if v != "" {
				c.Config[k.Name] = v
			}
		default:
			return fmt.Errorf("config.%s: must be a string", k.Name)
		}
	}
	return nil
}

// DataModel is a data model as the API writes it.
type DataModel struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	State          StateValue      `json:"state"`
	Status         DataModelStatus `json:"status,omitempty"`
	Errors         []ErrorDetail   `json:"errors,omitempty"`
	Type           string          `json:"type"`
	Config         DataModelConfig `json:"config"`
	CreatedOn      Timestamp       `json:"created_on"`
	CreatedBy      string          `json:"created_by,omitempty"`
	LastModifiedOn Timestamp       `json:"last_modified_on"`
	LastModifiedBy string          `json:"last_modified_by,omitempty"`
}

// DataModelConfig holds the query of a data model.
type DataModelConfig struct {
	SQLQuery string `json:"sql_query"`
}
