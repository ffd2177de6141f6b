package warehousesync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/wsync-dev/warehousesync/internal/schedule"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// ErrorDetail is one entry of an "errors" array: of an error response, or of a faulted connection,
// invalid data model, faulted pipeline or failed run.
type ErrorDetail struct {
	Message string `json:"message"`
	// Code is sent by some Platform API services; Warehouse Sync usually leaves it out.
	Code string `json:"code,omitempty"`
}

// UnmarshalJSON decodes d, taking code as a string or as the text of any other JSON value (a number,
// say): the API promises only message, and an unexpected code must not make a response undecodable.
func (d *ErrorDetail) UnmarshalJSON(b []byte) error {
	var aux struct {
		Message string          `json:"message"`
		Code    json.RawMessage `json:"code"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	d.Message, d.Code = aux.Message, ""
	switch code := bytes.TrimSpace(aux.Code); {
	case len(code) == 0 || string(code) == "null":
	case code[0] == '"':
		return json.Unmarshal(code, &d.Code)
	default:
		d.Code = string(code)
	}
	return nil
}

// Timestamp is an instant as the API writes it. It decodes every shape seen in real responses:
// RFC 3339 with a zone ("2023-10-24T19:59:30.828Z", "2023-10-24T21:59:30+02:00"), without a zone, which
// means UTC ("2023-02-03T23:53:08.413"), with 0 to 9 fraction digits ("2022-12-09T22:00:06.98"), and null,
// which leaves the zero Timestamp. It encodes as RFC 3339 in UTC with milliseconds, and the zero Timestamp
// as null.
//
// Every method of time.Time works on a Timestamp and takes a time.Time: run.EndedOn.After(deadline),
// run.StartedOn.IsZero(). Between two Timestamps, == compares instants, since every Timestamp the package
// makes (NewTimestamp, ParseTimestamp, decoding) is in UTC without a monotonic clock reading; the time
// methods need the field: run.EndedOn.Sub(run.StartedOn.Time).
type Timestamp struct {
	time.Time
}

// timestampLayout is how Timestamps are written: RFC 3339, UTC, milliseconds.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// NewTimestamp returns t as a Timestamp in UTC.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t.UTC()} }

// ParseTimestamp parses s in any of the shapes Timestamp accepts. The instant must lie in the years 0000
// to 9999 in UTC, the range a Timestamp can be written in.
func ParseTimestamp(s string) (Timestamp, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999999", s)
	}
	if err != nil {
		return Timestamp{}, fmt.Errorf("timestamp %q is not RFC 3339 (for example 2023-10-24T19:59:30.828Z)", s)
	}
	t = t.UTC()
	if err := wire.CheckYears(s, t); err != nil {
		return Timestamp{}, err
	}
	return Timestamp{Time: t}, nil
}

// String formats t as the API does, or "" for the zero Timestamp.
func (t Timestamp) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timestampLayout)
}

// MarshalJSON encodes t as an RFC 3339 UTC string with milliseconds, or null when t is zero.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.String() + `"`), nil
}

// UnmarshalJSON decodes null or a string in any accepted shape.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Timestamp{}
		return nil
	}
	// The shape the API sends most, RFC 3339 with a zone, is parsed from the bytes themselves, without
	// copying them into a string: time.Time's decoder accepts it (and nothing ParseTimestamp rejects
	// or reads otherwise, other than the years, which are checked here too).
	if len(b) > 2 && b[0] == '"' {
		var tt time.Time
		if tt.UnmarshalJSON(b) == nil {
			if u := tt.UTC(); wire.InYears(u) {
				*t = Timestamp{Time: u}
				return nil
			}
		}
	}
	return t.unmarshalOther(b)
}

// unmarshalOther is UnmarshalJSON for every other shape: "", a time without a zone, an escaped string,
// and what fails.
func (t *Timestamp) unmarshalOther(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp must be a string or null, got %s", truncate(b, 40))
	}
	if s == "" {
		*t = Timestamp{}
		return nil
	}
	parsed, err := ParseTimestamp(s)
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}

// Delay is a schedule delay: a whole number followed by a unit, s (seconds), m (minutes), h (hours),
// d (days of 24 hours), w (weeks) or y (years of 12 calendar months), as in "15m" or "5d". Build one
// with Minutes(15), Days(5) and the like, or parse one with ParseDelay. The zero Delay means no delay
// and is left out of requests.
type Delay struct {
	d schedule.Delay
}

// ParseDelay parses s ("15m", "5d", "1w", "1y"). It rejects anything that does not match
// ^[0-9]+[smhdwy]$ and delays longer than 100 years.
func ParseDelay(s string) (Delay, error) {
	d, err := schedule.ParseDelay(s)
	if err != nil {
		return Delay{}, err
	}
	return Delay{d: d}, nil
}

// Seconds returns a delay of n seconds ("30s"). The constructors of Delay never fail, so they fit in a
// struct literal; a negative delay or one longer than 100 years is refused by Pipelines.Create and
// Pipelines.Update with a *ValidationError before any request.
func Seconds(n int64) Delay { return Delay{d: schedule.Delay{N: n, Unit: schedule.Second}} }

// Minutes returns a delay of n minutes ("15m"); see Seconds.
func Minutes(n int64) Delay { return Delay{d: schedule.Delay{N: n, Unit: schedule.Minute}} }

// Hours returns a delay of n hours ("2h"); see Seconds.
func Hours(n int64) Delay { return Delay{d: schedule.Delay{N: n, Unit: schedule.Hour}} }

// Days returns a delay of n days of 24 hours ("5d"); see Seconds.
func Days(n int64) Delay { return Delay{d: schedule.Delay{N: n, Unit: schedule.Day}} }

// Weeks returns a delay of n weeks ("1w"); see Seconds.
func Weeks(n int64) Delay { return Delay{d: schedule.Delay{N: n, Unit: schedule.Week}} }

// Years returns a delay of n years of 12 calendar months ("1y"); see Seconds.
func Years(n int64) Delay { return Delay{d: schedule.Delay{N: n, Unit: schedule.Year}} }

// validate checks a delay built with a constructor against the rule ParseDelay applies.
func (d Delay) validate(field string) error {
	if d.IsZero() {
		return nil
	}
	if _, err := schedule.ParseDelay(d.String()); err != nil {
		return &ValidationError{Field: field, Value: d.String(),
			Rule: "must be a whole number, not negative, of s, m, h, d, w or y, at most 100 years"}
	}
	return nil
}

// IsZero reports whether d is unset.
func (d Delay) IsZero() bool { return d.d.Unit == 0 }

// String returns d as the API writes it ("15m"), or "" when unset.
func (d Delay) String() string { return d.d.String() }

// Duration is the length of d; a year counts as 365 days. Use AddTo for calendar-exact years.
func (d Delay) Duration() time.Duration { return d.d.Duration() }

// AddTo returns t + d, with years as 12 calendar months (the day clamped to the month's length).
func (d Delay) AddTo(t time.Time) time.Time { return d.d.AddTo(t) }

// MarshalText encodes d as "15m".
func (d Delay) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "15m"; an empty string is the zero Delay.
func (d *Delay) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Delay{}
		return nil
	}
	parsed, err := ParseDelay(string(b))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// MaskedSecret is what the API returns in place of every secret (passwords, service-account keys). Sent
// back unchanged in an update, it means "keep the stored secret".
const MaskedSecret = "************"

// Secret is a credential inside a connection config. It prints as MaskedSecret with fmt and slog and is
// encoded as MaskedSecret by json.Marshal, so no output path of a value that holds one (a Connection, a
// slice, array or map value of them, an exported field of a struct of the caller's) reveals it. Go gives
// the type no say in two places: fmt prints an unexported struct field without calling its methods, and
// encoding/json writes a map key of string kind as it is; keep secrets out of both. Only the client's
// own request encoding sends the real value to the API. Convert it with string(s) when the real value
// is needed.
type Secret string

// String returns MaskedSecret for any non-empty secret, so %v and %s never print the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return MaskedSecret
}

// GoString returns MaskedSecret quoted, so %#v never prints the value.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue makes slog print MaskedSecret.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes s as MaskedSecret (or "" when s is empty), never as its value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// IsMasked reports whether s is the mask the API returns instead of the stored value.
func (s Secret) IsMasked() bool { return s == MaskedSecret }

// flexInt64 decodes a JSON number, a string holding an integer, or null (as 0). The API documents some
// counters and ids as strings but sends integers.
type flexInt64 int64

func (f *flexInt64) UnmarshalJSON(b []byte) error {
	n, err := wire.DecodeInteger(b)
	if err != nil {
		return err
	}
	*f = flexInt64(n)
	return nil
}

// flexInt64Ptr is flexInt64 for optional fields: null leaves the pointer nil.
type flexInt64Ptr struct{ p **int64 }

func (f flexInt64Ptr) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*f.p = nil
		return nil
	}
	var n flexInt64
	if err := n.UnmarshalJSON(b); err != nil {
		return err
	}
	v := int64(n)
	*f.p = &v
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Int64 returns a pointer to v, for optional integer fields such as Pipeline.PartnerFeedID.
func Int64(v int64) *int64 { return &v }

// State is the state of a connection (new, active, inactive), data model (new, active, inactive) or
// pipeline (new, active, paused).
type State string

// The states.
const (
	StateNew      State = "new"
	StateActive   State = "active"
	StateInactive State = "inactive" // connections and data models
	StatePaused   State = "paused"   // pipelines
)

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

// DataModelType is the kind of a data model; only sql exists.
type DataModelType string

// DataModelSQL is the only data model type.
const DataModelSQL DataModelType = "sql"

// PipelineStatus is the status of a pipeline.
type PipelineStatus string

// The pipeline statuses.
const (
	PipelineIdle    PipelineStatus = "idle"
	PipelineRunning PipelineStatus = "running"
	PipelineFaulted PipelineStatus = "faulted"
	PipelineStopped PipelineStatus = "stopped"
)

// ServiceProvider is the kind of warehouse a connection reaches.
type ServiceProvider string

// The warehouses this version knows.
const (
	ProviderSnowflake  ServiceProvider = "Snowflake"
	ProviderBigQuery   ServiceProvider = "BigQuery"
	ProviderRedshift   ServiceProvider = "Redshift"
	ProviderDatabricks ServiceProvider = "Databricks"
)

// PipelineType says whether a pipeline ingests user attributes or events.
type PipelineType string

// The pipeline types.
const (
	PipelineUserAttributes PipelineType = "user_attributes"
	PipelineEvents         PipelineType = "events" // needs a FieldTransformationID
)

// SyncModeType says which rows each run of a pipeline syncs.
type SyncModeType string

// The sync mode types.
const (
	SyncIncremental SyncModeType = "incremental" // rows whose iterator lies in the run's range
	SyncFull        SyncModeType = "full"        // every row within from/until, on each run
)

// IteratorDataType is the type of a pipeline's iterator column.
type IteratorDataType string

// The iterator data types mParticle documents.
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
	ScheduleOnDemand ScheduleType = "on_demand" // "on-demand" is decoded as this too
)

// UnmarshalText decodes a schedule type, reading the documented spelling "on-demand" as ScheduleOnDemand.
func (s *ScheduleType) UnmarshalText(b []byte) error {
	if string(b) == "on-demand" {
		*s = ScheduleOnDemand
		return nil
	}
	*s = ScheduleType(b)
	return nil
}

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
	RunManual    RunType = "manual" // created by Pipelines.Trigger
)

// RunStatus is the status of a pipeline run.
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

// Terminal reports whether s is final: success, failed or stopped.
func (s RunStatus) Terminal() bool {
	return s == RunSuccess || s == RunFailed || s == RunStopped
}

// TriggerStatus is the status the trigger endpoint answers with.
type TriggerStatus string

// TriggerAttemptRequested is the status of a successful trigger.
const TriggerAttemptRequested TriggerStatus = "attempt_requested"
