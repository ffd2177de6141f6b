package warehousesynctest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
)

// The kinds of resources, as messages name them.
const (
	kindConnection = "Connection"
	kindDataModel  = "Data model"
	kindPipeline   = "Pipeline"
)

var (
	connectionStates = []string{string(ws.StateNew), string(ws.StateActive), string(ws.StateInactive)}
	providers        = []string{string(ws.ProviderSnowflake), string(ws.ProviderBigQuery), string(ws.ProviderRedshift), string(ws.ProviderDatabricks)}
)

// defaultUnreachableMessage is the error of an unreachable connection when the test gave none.
const defaultUnreachableMessage = "Failed to connect to the warehouse account. Check the username and password, " +
	"and make sure the source account ID, region, warehouse, and database entries are correct."

// statusWarehouseUnreachable is mParticle's 505: the warehouse could not be reached.
const statusWarehouseUnreachable = 505

func listConnections(s *Server, c *call) reply {
	provider := c.query.Get("serviceProvider")
	if provider != "" && !slices.Contains(providers, provider) {
		return badRequest(fmt.Sprintf("serviceProvider: %q is not a valid value; valid values: %s",
			truncate(provider, 40), strings.Join(providers, ", ")))
	}
	out := []ws.Connection{}
	for _, id := range sortedKeys(c.ws.connections) {
		if conn := c.ws.connections[id]; provider == "" || string(conn.ServiceProvider) == provider {
			out = append(out, maskedConnection(conn))
		}
	}
	return ok(out)
}

func getConnection(s *Server, c *call) reply {
	conn, found := c.ws.connections[c.params[0]]
	if !found {
		return notFound(kindConnection, c.params[0])
	}
	return ok(maskedConnection(conn))
}

func createConnection(s *Server, c *call) reply {
	conn, errs := parseConnection(c, "", nil)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if _, exists := c.ws.connections[conn.ID]; exists {
		return badRequest(fmt.Sprintf("%s '%s' already exists.", kindConnection, conn.ID))
	}
	if msg, down := c.ws.unreachable[conn.ID]; down {
		return errReply(statusWarehouseUnreachable, msg)
	}
	conn.Status = ws.ConnectionHealthy
	conn.CreatedOn, conn.CreatedBy = ws.NewTimestamp(c.now), c.clientID
	c.ws.connections[conn.ID] = conn
	return ok(maskedConnection(conn))
}

func updateConnection(s *Server, c *call) reply {
	id := c.params[0]
	stored, found := c.ws.connections[id]
	if !found {
		return notFound(kindConnection, id)
	}
	conn, errs := parseConnection(c, id, stored)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if msg, down := c.ws.unreachable[id]; down {
		return errReply(statusWarehouseUnreachable, msg)
	}
	conn.Status = ws.ConnectionHealthy
	conn.CreatedOn, conn.CreatedBy = stored.CreatedOn, stored.CreatedBy
	conn.LastModifiedOn, conn.LastModifiedBy = ws.NewTimestamp(c.now), c.clientID
	c.ws.connections[id] = conn
	for _, p := range s.eng.PipelinesUsing(c.wsID, id, "") {
		s.eng.ClearFault(c.wsID, p)
	}
	return ok(maskedConnection(conn))
}

func deleteConnection(s *Server, c *call) reply {
	id := c.params[0]
	if _, found := c.ws.connections[id]; !found {
		return notFound(kindConnection, id)
	}
	if users := s.eng.PipelinesUsing(c.wsID, id, ""); len(users) > 0 {
		return badRequest(fmt.Sprintf("%s '%s' is used by pipelines %s; delete them or point them at another connection first.",
			kindConnection, id, strings.Join(users, ", ")))
	}
	delete(c.ws.connections, id)
	return noContent()
}

// checkPathID validates the id of a PUT body against the path: empty takes the path's id.
func checkPathID(o object, pathID string) string {
	id := o.str("id")
	if id == "" {
		return pathID
	}
	if id != pathID {
		o.errs.add("id", "%q does not match the id in the path %q; the id of a resource cannot change", truncate(id, 40), pathID)
	}
	return pathID
}

// parseConnection validates a create (pathID "") or update body and builds the connection it describes,
// keeping stored secrets where the body sends the mask.
func parseConnection(c *call, pathID string, stored *ws.Connection) (*ws.Connection, fieldErrors) {
	var errs fieldErrors
	o, valid := decodeObject(c.body, &errs)
	if !valid {
		return nil, errs
	}
	conn := &ws.Connection{}
	if pathID == "" {
		conn.ID = o.slug("id", true)
	} else {
		conn.ID = checkPathID(o, pathID)
	}
	conn.Name = o.required("name", "")
	conn.State = ws.State(o.oneOf("state", true, connectionStates...))
	conn.ServiceProvider = ws.ServiceProvider(o.oneOf("service_provider", true, providers...))
	if stored != nil && conn.ServiceProvider != "" && conn.ServiceProvider != stored.ServiceProvider {
		errs.add("service_provider", "cannot change from %s to %s; create a new connection instead",
			stored.ServiceProvider, conn.ServiceProvider)
	}
	cfg, found := o.obj("config")
	if !found {
		if _, present := o.raw("config"); !present {
			errs.add("config", "is required: an object with the %s settings", orDefault(string(conn.ServiceProvider), "warehouse"))
		}
		return conn, errs
	}
	what := " for a " + string(conn.ServiceProvider) + " connection"
	secret := func(field string, old ws.Secret) ws.Secret {
		v := cfg.required(field, what)
		if v == ws.MaskedSecret {
			if old == "" {
				errs.add(cfg.name(field), "is the mask %s; send the real secret", ws.MaskedSecret)
			}
			return old
		}
		return ws.Secret(v)
	}
	switch conn.ServiceProvider {
	case ws.ProviderSnowflake:
		var old ws.SnowflakeConfig
		if stored != nil {
			if sc, isSF := stored.Config.(*ws.SnowflakeConfig); isSF {
				old = *sc
			}
		}
		sf := &ws.SnowflakeConfig{
			AccountIdentifier:  cfg.required("account_identifier", what),
			Region:             cfg.required("region", what),
			Warehouse:          cfg.required("warehouse", what),
			Database:           cfg.required("database", what),
			Role:               cfg.required("role", what),
			User:               cfg.required("user", what),
			Password:           secret("password", old.Password),
			StorageIntegration: cfg.required("storage_integration", what),
			AWSIAMUserARN:      cfg.str("aws_iam_user_arn"),
			AWSExternalID:      cfg.str("aws_external_id"),
		}
		arn, external := snowflakeAWS(c.wsID, conn.ID)
		sf.AWSIAMUserARN = orDefault(sf.AWSIAMUserARN, arn)
		sf.AWSExternalID = orDefault(sf.AWSExternalID, external)
		conn.Config = sf
	case ws.ProviderBigQuery:
		var old ws.Secret
		if stored != nil {
			if bq, isBQ := stored.Config.(*ws.BigQueryConfig); isBQ {
				old = bq.ServiceAccountKey
			}
		}
		conn.Config = &ws.BigQueryConfig{
			Region:            cfg.required("region", what),
			ProjectID:         cfg.required("project_id", what),
			DatasetID:         cfg.required("dataset_id", what),
			ServiceAccountID:  cfg.required("service_account_id", what),
			ServiceAccountKey: secret("service_account_key", old),
		}
	case ws.ProviderRedshift:
		var old ws.Secret
		if stored != nil {
			if rs, isRS := stored.Config.(*ws.RedshiftConfig); isRS {
				old = rs.Password
			}
		}
		rs := &ws.RedshiftConfig{
			Database:      cfg.required("database", what),
			Host:          cfg.required("host", what),
			Port:          cfg.str("port"),
			User:          cfg.required("user", what),
			Password:      secret("password", old),
			AWSIAMRoleARN: cfg.required("aws_iam_role_arn", what),
		}
		if rs.Port == "" {
			rs.Port = "5439"
		} else if n, err := strconv.Atoi(rs.Port); err != nil || n < 1 || n > 65535 {
			errs.add(cfg.name("port"), "%q is not a port number (1 to 65535)", truncate(rs.Port, 20))
		}
		conn.Config = rs
	case ws.ProviderDatabricks:
		conn.Config = &ws.DatabricksConfig{
			Provider: cfg.required("provider", what),
			Schema:   cfg.required("schema", what),
		}
	}
	return conn, errs
}

// snowflakeAWS derives the AWS user ARN and external id of a Snowflake storage integration from the
// connection's identity, so the same connection always gets the same values.
func snowflakeAWS(workspaceID, connectionID string) (arn, externalID string) {
	sum := sha256.Sum256([]byte(workspaceID + "/" + connectionID))
	arn = "arn:aws:iam::123456789012:user/externalstages/" + hex.EncodeToString(sum[:5])
	externalID = "FAKE_SFCRole=2_" + base64.StdEncoding.EncodeToString(sum[5:20])
	return arn, externalID
}

// maskedConnection returns a copy of conn as the API shows it: every secret masked.
func maskedConnection(conn *ws.Connection) ws.Connection {
	out := *conn
	out.Errors = append([]ws.ErrorDetail(nil), conn.Errors...)
	switch cfg := conn.Config.(type) {
	case *ws.SnowflakeConfig:
		c := *cfg
		c.Password = mask(c.Password)
		out.Config = &c
	case *ws.BigQueryConfig:
		c := *cfg
		c.ServiceAccountKey = mask(c.ServiceAccountKey)
		out.Config = &c
	case *ws.RedshiftConfig:
		c := *cfg
		c.Password = mask(c.Password)
		out.Config = &c
	case *ws.DatabricksConfig:
		c := *cfg
		out.Config = &c
	}
	return out
}

func mask(s ws.Secret) ws.Secret {
	if s == "" {
		return ""
	}
	return ws.MaskedSecret
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
