package warehousesynctest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
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
		return alreadyExists(kindConnection, conn.ID)
	}
	key := resourceKey(kindConnection, conn.ID)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	conn.Status = ws.ConnectionHealthy
	conn.CreatedOn, conn.CreatedBy = ws.NewTimestamp(c.now), c.clientID
	c.ws.connections[conn.ID] = conn
	s.chargeLocked(c, key)
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
	key := resourceKey(kindConnection, id)
	if msg := s.admitLocked(c, key); msg != "" {
		return badRequest(msg)
	}
	conn.Status = ws.ConnectionHealthy
	conn.CreatedOn, conn.CreatedBy = stored.CreatedOn, stored.CreatedBy
	conn.LastModifiedOn, conn.LastModifiedBy = ws.NewTimestamp(c.now), c.clientID
	c.ws.connections[id] = conn
	s.chargeLocked(c, key)
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
	delete(c.ws.unreachable, id) // a fault set on it goes with it
	s.refundLocked(c, resourceKey(kindConnection, id))
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
	conn.State = ws.State(o.oneOf("state", true, wire.ConnectionState.Values()...))
	conn.ServiceProvider = ws.ServiceProvider(o.oneOf("service_provider", true, wire.ServiceProvider.Values()...))
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
	provider, known := wire.LookupProvider(string(conn.ServiceProvider))
	if !known {
		return conn, errs // service_provider's error is recorded
	}
	var old map[string]string // the stored secrets, kept where the body sends the mask
	if stored != nil && stored.ServiceProvider == conn.ServiceProvider {
		old = configValues(stored.Config)
	}
	what := " for a " + provider.Name + " connection"
	if !c.lenient {
		checkProviderKeys(cfg, provider, &errs)
	}
	values := make(map[string]string, len(provider.Config))
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
		values[key.Name] = orDefault(v, key.Default)
	}
	switch conn.ServiceProvider {
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
	config, err := typedConfig(conn.ServiceProvider, values)
	if err != nil {
		errs.add("config", "%s", err)
	}
	conn.Config = config
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

// configValues returns the keys and values of a stored config, secrets included. It reads the struct's
// fields by their JSON keys rather than marshalling it, since a Secret marshals as the mask.
func configValues(cfg ws.ConnectionConfig) map[string]string {
	values := map[string]string{}
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return values
	}
	e := v.Elem()
	for i := range e.NumField() {
		key, _, _ := strings.Cut(e.Type().Field(i).Tag.Get("json"), ",")
		if f := e.Field(i); f.Kind() == reflect.String && key != "" && key != "-" {
			values[key] = f.String()
		}
	}
	return values
}

// typedConfig builds the client's config type of provider from its keys and values, by decoding them
// as a response would be decoded, so the fake names no config type here.
func typedConfig(provider ws.ServiceProvider, values map[string]string) (ws.ConnectionConfig, error) {
	body, err := json.Marshal(struct {
		ServiceProvider ws.ServiceProvider `json:"service_provider"`
		Config          map[string]string  `json:"config"`
	}{provider, values})
	if err != nil {
		return nil, err
	}
	var conn ws.Connection
	if err := json.Unmarshal(body, &conn); err != nil {
		return nil, err
	}
	return conn.Config, nil
}

// snowflakeAWS derives the AWS user ARN and external id of a Snowflake storage integration from the
// connection's identity, so the same connection always gets the same values.
func snowflakeAWS(workspaceID, connectionID string) (arn, externalID string) {
	sum := sha256.Sum256([]byte(workspaceID + "/" + connectionID))
	arn = "arn:aws:iam::123456789012:user/externalstages/" + hex.EncodeToString(sum[:5])
	externalID = "FAKE_SFCRole=2_" + base64.StdEncoding.EncodeToString(sum[5:20])
	return arn, externalID
}

// maskedConnection returns a copy of conn as the API shows it: every secret of the provider's table
// masked.
func maskedConnection(conn *ws.Connection) ws.Connection {
	out := *conn
	out.Errors = append([]ws.ErrorDetail(nil), conn.Errors...)
	out.Config = maskedConfig(conn.Config)
	return out
}

// maskedConfig returns a copy of cfg, a pointer to a config struct, with each field whose JSON key the
// provider's table marks secret set to the mask (an empty secret stays empty).
func maskedConfig(cfg ws.ConnectionConfig) ws.ConnectionConfig {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return cfg
	}
	provider, _ := wire.LookupProvider(string(cfg.ServiceProvider()))
	secrets := provider.SecretKeys()
	c := reflect.New(v.Elem().Type()).Elem()
	c.Set(v.Elem())
	for i := range c.NumField() {
		key, _, _ := strings.Cut(c.Type().Field(i).Tag.Get("json"), ",")
		if f := c.Field(i); f.Kind() == reflect.String && f.Len() > 0 && slices.Contains(secrets, key) {
			f.SetString(ws.MaskedSecret)
		}
	}
	masked, _ := c.Addr().Interface().(ws.ConnectionConfig)
	return masked
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
