package warehousesynctest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// The kinds of resources, as messages name them.
const (
	kindConnection = "Connection"
	kindDataModel  = "Data model"
	kindPipeline   = "Pipeline"
	kindRun        = "Pipeline run"
)

// defaultUnreachableMessage is the error of an unreachable connection when the test gave none.
const defaultUnreachableMessage = "Failed to connect to the warehouse account. Check the username and password, " +
	"and make sure the source account ID, region, warehouse, and database entries are correct."

// statusWarehouseUnreachable is mParticle's 505: the warehouse could not be reached.
const statusWarehouseUnreachable = 505

func listConnections(s *Server, c *call) reply {
	provider := c.query.Get("serviceProvider")
	if provider != "" && !wire.ServiceProvider.Has(provider) {
		return badRequest(fmt.Sprintf("serviceProvider: %q is not a valid value; valid values: %s",
			truncate(provider, 40), strings.Join(wire.ServiceProvider.Values(), ", ")))
	}
	out := []engine.Connection{}
	for _, conn := range s.eng.Connections(c.wsID) {
		if provider == "" || conn.ServiceProvider == provider {
			out = append(out, conn)
		}
	}
	return ok(out) // a Connection's JSON masks its secrets
}

func getConnection(s *Server, c *call) reply {
	conn, found := s.eng.Connection(c.wsID, c.params[0])
	if !found {
		return notFound(kindConnection, c.params[0])
	}
	return ok(conn)
}

func createConnection(s *Server, c *call) reply {
	conn, errs := parseConnection(c, "", nil)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if s.eng.HasConnection(c.wsID, conn.ID) {
		return alreadyExists(kindConnection, conn.ID)
	}
	key := resourceKey(kindConnection, conn.ID)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	conn.CreatedOn, conn.CreatedBy = engine.NewTimestamp(c.now), c.clientID
	if err := s.eng.CreateConnection(c.wsID, conn); err != nil {
		return resourceReply(err, conn.ID)
	}
	s.chargeLocked(c.ws, key, int64(len(c.body)))
	return s.connectionReply(c.wsID, conn.ID)
}

func updateConnection(s *Server, c *call) reply {
	id := c.params[0]
	stored, found := s.eng.Connection(c.wsID, id)
	if !found {
		return notFound(kindConnection, id)
	}
	conn, errs := parseConnection(c, id, &stored)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if msg, down := s.eng.Unreachable(c.wsID, id); down {
		return errReply(statusWarehouseUnreachable, msg)
	}
	key := resourceKey(kindConnection, id)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	conn.LastModifiedOn, conn.LastModifiedBy = engine.NewTimestamp(c.now), c.clientID
	if err := s.eng.UpdateConnection(c.wsID, conn); err != nil { // healthy again, and its pipelines
		return resourceReply(err, id)
	}
	s.chargeLocked(c.ws, key, int64(len(c.body)))
	return s.connectionReply(c.wsID, id)
}

// connectionReply answers with the connection as the engine stores it.
func (s *Server) connectionReply(wsID, id string) reply {
	conn, found := s.eng.Connection(wsID, id)
	if !found {
		return notFound(kindConnection, id)
	}
	return ok(conn)
}

func deleteConnection(s *Server, c *call) reply {
	id := c.params[0]
	if err := s.eng.DeleteConnection(c.wsID, id); err != nil { // refused while pipelines use it
		return resourceReply(err, id)
	}
	s.refundLocked(c.ws, resourceKey(kindConnection, id))
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
func parseConnection(c *call, pathID string, stored *engine.Connection) (*engine.Connection, fieldErrors) {
	var errs fieldErrors
	o, valid := decodeObject(c.body, &errs)
	if !valid {
		return nil, errs
	}
	conn := &engine.Connection{}
	if pathID == "" {
		conn.ID = o.slug("id", true)
	} else {
		conn.ID = checkPathID(o, pathID)
	}
	conn.Name = o.required("name", "")
	conn.State = engine.StateValue(o.oneOf("state", true, wire.ConnectionState.Values()...))
	conn.ServiceProvider = o.oneOf("service_provider", true, wire.ServiceProvider.Values()...)
	if stored != nil && conn.ServiceProvider != "" && conn.ServiceProvider != stored.ServiceProvider {
		errs.add("service_provider", "cannot change from %s to %s; create a new connection instead",
			stored.ServiceProvider, conn.ServiceProvider)
	}
	cfg, found := o.obj("config")
	if !found {
		if _, present := o.raw("config"); !present {
			errs.add("config", "is required: an object with the %s settings", orDefault(conn.ServiceProvider, "warehouse"))
		}
		return conn, errs
	}
	provider, known := wire.LookupProvider(conn.ServiceProvider)
	if !known {
		return conn, errs // service_provider's error is recorded
	}
	var old engine.ConnectionConfig // the stored secrets, kept where the body sends the mask
	if stored != nil && stored.ServiceProvider == conn.ServiceProvider {
		old = stored.Config
	}
	what := " for a " + provider.Name + " connection"
	if !c.lenient {
		checkProviderKeys(cfg, provider, &errs)
	}
	values := make(engine.ConnectionConfig, len(provider.Config))
	for _, key := range provider.Config {
		v := cfg.str(key.Name)
		if key.Required {
			v = cfg.required(key.Name, what)
		}
		if key.Secret && v == ws.MaskedSecret {
			if old[key.Name] == "" {
				errs.add(cfg.name(key.Name), "is the mask %s; send the real secret", ws.MaskedSecret)
			}
			v = old[key.Name]
		}
		if v = orDefault(v, key.Default); v != "" {
			values[key.Name] = v
		}
	}
	switch ws.ServiceProvider(conn.ServiceProvider) {
	case ws.ProviderSnowflake:
		arn, external := snowflakeAWS(c.wsID, conn.ID)
		values["aws_iam_user_arn"] = orDefault(values["aws_iam_user_arn"], arn)
		values["aws_external_id"] = orDefault(values["aws_external_id"], external)
	case ws.ProviderRedshift:
		if port := values["port"]; port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				errs.add(cfg.name("port"), "%q is not a port number (1 to 65535)", truncate(port, 20))
			}
		}
	}
	conn.Config = values
	return conn, errs
}

// checkProviderKeys refuses the config members that the provider does not take (another provider's
// keys), naming the key meant when one is close.
func checkProviderKeys(cfg object, provider wire.Provider, errs *fieldErrors) {
	sh := connectionConfigShape(&provider)
	for _, k := range sortedKeys(cfg.m) {
		if _, known := sh.members[k]; !known {
			*errs = append(*errs, strings.Replace(unknownMember(cfg.name(k), k, sh), "unknown member",
				"not a member of a "+provider.Name+" config", 1))
		}
	}
}

// snowflakeAWS derives the AWS user ARN and external id of a Snowflake storage integration from the
// connection's identity, so the same connection always gets the same values.
func snowflakeAWS(workspaceID, connectionID string) (arn, externalID string) {
	sum := sha256.Sum256([]byte(workspaceID + "/" + connectionID))
	arn = "arn:aws:iam::123456789012:user/externalstages/" + hex.EncodeToString(sum[:5])
	externalID = "FAKE_SFCRole=2_" + base64.StdEncoding.EncodeToString(sum[5:20])
	return arn, externalID
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
