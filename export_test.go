package warehousesync

// RequestJSON returns what the client encodes for v in a create or update: the request form of a
// *Connection, *DataModel or *Pipeline (parameters only, secrets in clear); any other value as it is.
func RequestJSON(v any) any {
	switch v := v.(type) {
	case *Connection:
		return v.request()
	case *DataModel:
		return v.request()
	case *Pipeline:
		return v.request()
	}
	return v
}
