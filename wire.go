package warehousesync

// The request bodies the client sends. They hold only the parameters the API reference lists for a
// create or an update (no status, errors, created_* or last_modified_*), and they are the one place
// where secrets are written in clear: every public type encodes its secrets masked.

// connectionRequest is the body of a connection create or update.
type connectionRequest struct {
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	State           State           `json:"state"`
	ServiceProvider ServiceProvider `json:"service_provider"`
	Config          any             `json:"config"`
}

// request returns the body that creates or updates c; c must not be nil.
func (c *Connection) request() connectionRequest {
	r := connectionRequest{ID: c.ID, Name: c.Name, State: c.State, ServiceProvider: c.ServiceProvider}
	if r.ServiceProvider == "" && c.Config != nil {
		r.ServiceProvider = c.Config.ServiceProvider()
	}
	r.Config = revealedConfig(c.Config)
	return r
}

// The configs as sent: a field of the outer struct hides the embedded field of the same JSON name, so
// the secret is written as a plain string and every other field as the config type says.
type (
	snowflakeRequest struct {
		*SnowflakeConfig
		Password string `json:"password,omitempty"`
	}
	bigQueryRequest struct {
		*BigQueryConfig
		ServiceAccountKey string `json:"service_account_key,omitempty"`
	}
	redshiftRequest struct {
		*RedshiftConfig
		Password string `json:"password,omitempty"`
	}
)

// revealedConfig returns cfg in the form that is sent: with its secrets in clear, and a *RawConfig as
// the bytes it keeps. A config type of the caller's own is encoded as it is.
func revealedConfig(cfg ConnectionConfig) any {
	switch c := cfg.(type) {
	case *SnowflakeConfig:
		if c != nil {
			return snowflakeRequest{c, string(c.Password)}
		}
	case *BigQueryConfig:
		if c != nil {
			return bigQueryRequest{c, string(c.ServiceAccountKey)}
		}
	case *RedshiftConfig:
		if c != nil {
			return redshiftRequest{c, string(c.Password)}
		}
	case *RawConfig:
		if c != nil && len(c.JSON) > 0 {
			return c.JSON
		}
		return nil
	case RawConfig:
		if len(c.JSON) > 0 {
			return c.JSON
		}
		return nil
	}
	return cfg
}

// dataModelRequest is the body of a data model create or update.
type dataModelRequest struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	State  State           `json:"state"`
	Type   DataModelType   `json:"type"`
	Config DataModelConfig `json:"config"`
}

// request returns the body that creates or updates m; m must not be nil.
func (m *DataModel) request() dataModelRequest {
	return dataModelRequest{ID: m.ID, Name: m.Name, State: m.State, Type: m.Type, Config: m.Config}
}

// pipelineRequest is the body of a pipeline create or update.
type pipelineRequest struct {
	ID                    string       `json:"id"`
	Name                  string       `json:"name"`
	PipelineType          PipelineType `json:"pipeline_type"`
	ConnectionID          string       `json:"connection_id"`
	FieldTransformationID string       `json:"field_transformation_id,omitempty"`
	DataModelID           string       `json:"data_model_id"`
	PartnerFeedID         *int64       `json:"partner_feed_id,omitempty"`
	PartnerFeedKey        string       `json:"partner_feed_key,omitempty"`
	State                 State        `json:"state"`
	SyncMode              SyncMode     `json:"sync_mode"`
	Schedule              Schedule     `json:"schedule"`
	Environment           Environment  `json:"environment"`
	DataPlanID            string       `json:"data_plan_id,omitempty"`
	DataPlanVersion       *int64       `json:"data_plan_version,omitempty"`
}

// request returns the body that creates or updates p; p must not be nil.
func (p *Pipeline) request() pipelineRequest {
	return pipelineRequest{
		ID: p.ID, Name: p.Name, PipelineType: p.PipelineType, ConnectionID: p.ConnectionID,
		FieldTransformationID: p.FieldTransformationID, DataModelID: p.DataModelID,
		PartnerFeedID: p.PartnerFeedID, PartnerFeedKey: p.PartnerFeedKey, State: p.State,
		SyncMode: p.SyncMode, Schedule: p.Schedule, Environment: p.Environment,
		DataPlanID: p.DataPlanID, DataPlanVersion: p.DataPlanVersion,
	}
}
