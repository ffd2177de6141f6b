package warehousesync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
)

// Connection is where a warehouse is and how to log in to it. It prints (fmt, slog, json.Marshal) with
// every secret masked.
//
// Config holds the warehouse-specific settings: a *SnowflakeConfig, *BigQueryConfig, *RedshiftConfig or
// *DatabricksConfig, or a *RawConfig for a provider this version does not know. When ServiceProvider is
// empty it is filled from the type of Config on encoding.
type Connection struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	State           State            `json:"state"`
	Status          ConnectionStatus `json:"status,omitempty"` // read-only
	Errors          []ErrorDetail    `json:"errors,omitempty"` // read-only
	ServiceProvider ServiceProvider  `json:"service_provider"`
	Config          ConnectionConfig `json:"config"`
	CreatedOn       Timestamp        `json:"created_on"`                 // read-only
	CreatedBy       string           `json:"created_by,omitempty"`       // read-only
	LastModifiedOn  Timestamp        `json:"last_modified_on"`           // read-only; null until the first update
	LastModifiedBy  string           `json:"last_modified_by,omitempty"` // read-only
}

// Snowflake returns c's config as a *SnowflakeConfig, and whether it is one.
func (c *Connection) Snowflake() (*SnowflakeConfig, bool) { return configAs[*SnowflakeConfig](c) }

// BigQuery returns c's config as a *BigQueryConfig, and whether it is one.
func (c *Connection) BigQuery() (*BigQueryConfig, bool) { return configAs[*BigQueryConfig](c) }

// Redshift returns c's config as a *RedshiftConfig, and whether it is one.
func (c *Connection) Redshift() (*RedshiftConfig, bool) { return configAs[*RedshiftConfig](c) }

// Databricks returns c's config as a *DatabricksConfig, and whether it is one.
func (c *Connection) Databricks() (*DatabricksConfig, bool) { return configAs[*DatabricksConfig](c) }

// configAs returns c's config as a T when it is a non-nil T.
func configAs[T interface {
	*SnowflakeConfig | *BigQueryConfig | *RedshiftConfig | *DatabricksConfig
	ConnectionConfig
}](c *Connection) (T, bool) {
	if c == nil {
		return nil, false
	}
	cfg, ok := c.Config.(T)
	return cfg, ok && cfg != nil
}

// ConnectionConfig is the warehouse-specific part of a Connection.
type ConnectionConfig interface {
	// ServiceProvider is the warehouse this config is for.
	ServiceProvider() ServiceProvider
}

// SnowflakeConfig is the config of a Snowflake connection. The server fills AWSIAMUserARN and
// AWSExternalID when they are left empty.
type SnowflakeConfig struct {
	AccountIdentifier  string `json:"account_identifier"`
	Region             string `json:"region"`
	Warehouse          string `json:"warehouse"`
	Database           string `json:"database"`
	Role               string `json:"role"`
	User               string `json:"user"`
	Password           Secret `json:"password,omitempty"` // masked on every read
	StorageIntegration string `json:"storage_integration"`
	AWSIAMUserARN      string `json:"aws_iam_user_arn,omitempty"`
	AWSExternalID      string `json:"aws_external_id,omitempty"`
}

// ServiceProvider returns ProviderSnowflake.
func (*SnowflakeConfig) ServiceProvider() ServiceProvider { return ProviderSnowflake }

// BigQueryConfig is the config of a Google BigQuery connection.
type BigQueryConfig struct {
	Region            string `json:"region"`
	ProjectID         string `json:"project_id"`
	DatasetID         string `json:"dataset_id"`
	ServiceAccountID  string `json:"service_account_id"`
	ServiceAccountKey Secret `json:"service_account_key,omitempty"` // the key file's JSON; masked on every read
}

// ServiceProvider returns ProviderBigQuery.
func (*BigQueryConfig) ServiceProvider() ServiceProvider { return ProviderBigQuery }

// RedshiftConfig is the config of an Amazon Redshift connection. The server fills Port with "5439" when
// it is left empty.
type RedshiftConfig struct {
	Database      string `json:"database"`
	Host          string `json:"host"`
	Port          string `json:"port,omitempty"`
	User          string `json:"user"`
	Password      Secret `json:"password,omitempty"` // masked on every read
	AWSIAMRoleARN string `json:"aws_iam_role_arn"`
}

// ServiceProvider returns ProviderRedshift.
func (*RedshiftConfig) ServiceProvider() ServiceProvider { return ProviderRedshift }

// DatabricksConfig is the config of a Databricks connection.
type DatabricksConfig struct {
	Provider string `json:"provider"` // the Databricks organization name of the metastore
	Schema   string `json:"schema"`
}

// ServiceProvider returns ProviderDatabricks.
func (*DatabricksConfig) ServiceProvider() ServiceProvider { return ProviderDatabricks }

// RawConfig keeps the config of a provider this version does not know, byte for byte, so a connection
// read from a newer API can be written back unchanged. The client cannot know which of its fields are
// secrets, so it treats all of it as secret: json.Marshal writes it as MaskedSecret, and fmt (every verb,
// %#v included, of a RawConfig or a pointer to one), slog and String show only the provider and the
// size. Only the client's own request encoding sends the kept bytes.
type RawConfig struct {
	Provider ServiceProvider
	JSON     json.RawMessage
}

// ServiceProvider returns the provider the config came with.
func (c RawConfig) ServiceProvider() ServiceProvider { return c.Provider }

// MarshalJSON writes MaskedSecret in place of the whole config (null when no bytes are kept), so that
// json.Marshal never reveals any part of it.
func (c RawConfig) MarshalJSON() ([]byte, error) {
	if len(c.JSON) == 0 {
		return []byte("null"), nil
	}
	return json.Marshal(MaskedSecret)
}

// LogValue makes slog show only the provider and the size, as String does.
func (c RawConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String shows only the provider and the size, since an unknown config may hold secrets anywhere.
func (c RawConfig) String() string {
	return fmt.Sprintf("RawConfig{Provider: %s, %d bytes}", c.Provider, len(c.JSON))
}

// GoString shows only the provider and the size, for %#v.
func (c RawConfig) GoString() string {
	return fmt.Sprintf("warehousesync.RawConfig{Provider: %q, JSON: /* %d bytes withheld */}", string(c.Provider), len(c.JSON))
}

// Format makes every fmt verb print String (quoted for %q) and %#v print GoString, so that no verb
// (%x, %d, …) reaches the kept bytes.
func (c RawConfig) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, c.GoString())
	case verb == 'q':
		_, _ = io.WriteString(f, strconv.Quote(c.String()))
	default:
		_, _ = io.WriteString(f, c.String())
	}
}

// String prints c with its config's fields and every secret masked, so that fmt and slog's text handler
// show a connection (also inside slices and maps, where fmt would otherwise print a pointer).
func (c Connection) String() string { return fmt.Sprintf("%+v", connectionWire(c)) }

// String prints the config's fields, the password masked.
func (c *SnowflakeConfig) String() string {
	if c == nil {
		return "<nil>"
	}
	type plain SnowflakeConfig
	return fmt.Sprintf("SnowflakeConfig%+v", plain(*c))
}

// String prints the config's fields, the service-account key masked.
func (c *BigQueryConfig) String() string {
	if c == nil {
		return "<nil>"
	}
	type plain BigQueryConfig
	return fmt.Sprintf("BigQueryConfig%+v", plain(*c))
}

// String prints the config's fields, the password masked.
func (c *RedshiftConfig) String() string {
	if c == nil {
		return "<nil>"
	}
	type plain RedshiftConfig
	return fmt.Sprintf("RedshiftConfig%+v", plain(*c))
}

// String prints the config's fields.
func (c *DatabricksConfig) String() string {
	if c == nil {
		return "<nil>"
	}
	type plain DatabricksConfig
	return fmt.Sprintf("DatabricksConfig%+v", plain(*c))
}

// connectionWire is Connection with a raw config, for encoding and decoding.
type connectionWire Connection

// MarshalJSON encodes c, filling service_provider from the config type when it is empty. Every secret
// is written as MaskedSecret (see Secret): the JSON of a Connection is safe to log or print. The client
// sends the real secrets, and only the fields the API takes, through its own request encoding.
func (c Connection) MarshalJSON() ([]byte, error) {
	w := connectionWire(c)
	if w.ServiceProvider == "" && w.Config != nil {
		w.ServiceProvider = w.Config.ServiceProvider()
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes c, choosing the config type from service_provider. The config of an unknown
// provider is kept as a *RawConfig.
func (c *Connection) UnmarshalJSON(b []byte) error {
	var aux struct {
		*connectionWire
		Config json.RawMessage `json:"config"`
	}
	aux.connectionWire = (*connectionWire)(c)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	c.Config = nil
	raw := bytes.TrimSpace(aux.Config)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var cfg ConnectionConfig
	switch c.ServiceProvider {
	case ProviderSnowflake:
		cfg = &SnowflakeConfig{}
	case ProviderBigQuery:
		cfg = &BigQueryConfig{}
	case ProviderRedshift:
		cfg = &RedshiftConfig{}
	case ProviderDatabricks:
		cfg = &DatabricksConfig{}
	default:
		c.Config = &RawConfig{Provider: c.ServiceProvider, JSON: append(json.RawMessage(nil), raw...)}
		return nil
	}
	if err := json.Unmarshal(raw, cfg); err != nil {
		return fmt.Errorf("decoding %s config: %w", c.ServiceProvider, err)
	}
	c.Config = cfg
	return nil
}

// ConnectionsService manages the workspace's warehouse connections (/connections).
type ConnectionsService service

// ListConnectionsOptions filters Connections.List.
type ListConnectionsOptions struct {
	// ServiceProvider keeps only the connections to one kind of warehouse (empty: all).
	ServiceProvider ServiceProvider `url:"serviceProvider,omitempty"`
}

// List returns the workspace's connections; opts may be nil.
func (s *ConnectionsService) List(ctx context.Context, opts *ListConnectionsOptions) ([]*Connection, error) {
	conns, err := call[[]*Connection](ctx, s.client, route{"Connections.List", "/connections"}, http.MethodGet, "connections", opts, nil)
	if err != nil {
		return nil, err
	}
	return *conns, nil
}

// Get returns the connection connectionID. Its secrets come back as MaskedSecret.
func (s *ConnectionsService) Get(ctx context.Context, connectionID string) (*Connection, error) {
	if err := validateID("connectionID", connectionID); err != nil {
		return nil, err
	}
	return call[Connection](ctx, s.client, routeConnection("Connections.Get"), http.MethodGet, "connections/"+url.PathEscape(connectionID), nil, nil)
}

// Create creates conn (POST) and returns the stored connection. ServiceProvider may be left empty: it
// is taken from the type of conn.Config. ErrWarehouseUnreachable (a 505) means that the warehouse
// could not be reached with the given settings.
// A Create retried after a lost answer (a 5xx or network error) that meets "already exists" reads the
// resource back and succeeds if it matches; see ErrOutcomeUnknown and ErrAlreadyExists.
func (s *ConnectionsService) Create(ctx context.Context, conn *Connection) (*Connection, error) {
	if err := validateConnection(conn); err != nil {
		return nil, err
	}
	return create(ctx, s.client, route{"Connections.Create", "/connections"}, routeConnection("Connections.Create"), "connections", "connections/"+url.PathEscape(conn.ID), "connection", conn, conn.request())
}

// Update replaces the connection conn.ID with conn (PUT) and returns the stored connection. A secret
// sent back as MaskedSecret keeps the stored secret, so a connection read with Get can be changed and
// written back. An update clears a fault of the connection.
func (s *ConnectionsService) Update(ctx context.Context, conn *Connection) (*Connection, error) {
	if err := validateConnection(conn); err != nil {
		return nil, err
	}
	return call[Connection](ctx, s.client, routeConnection("Connections.Update"), http.MethodPut, "connections/"+url.PathEscape(conn.ID), nil, conn.request())
}

// Delete deletes the connection connectionID. A connection that a pipeline uses cannot be deleted.
func (s *ConnectionsService) Delete(ctx context.Context, connectionID string) error {
	if err := validateID("connectionID", connectionID); err != nil {
		return err
	}
	return s.client.delete(ctx, routeConnection("Connections.Delete"), "connections/"+url.PathEscape(connectionID))
}

// validateConnection checks a connection about to be sent: not nil, a valid ID, and a ServiceProvider
// that, when set, is the provider of the config's type (the API would otherwise answer with errors
// about the fields of the provider named, which the config does not have).
func validateConnection(conn *Connection) error {
	if err := validateBody("connection", conn); err != nil {
		return err
	}
	if conn.ServiceProvider == "" || conn.Config == nil {
		return nil
	}
	if want := conn.Config.ServiceProvider(); want != "" && want != conn.ServiceProvider {
		return &ValidationError{Field: "connection.ServiceProvider", Value: string(conn.ServiceProvider),
			Rule: fmt.Sprintf("does not match the config, a %T for %s (set %s or leave it empty)", conn.Config, want, want)}
	}
	return nil
}

// identity returns c's ID and whether c is not nil, for validateBody.
func (c *Connection) identity() (string, bool) {
	if c == nil {
		return "", false
	}
	return c.ID, true
}
