package warehousesync

// RequestJSON encodes v as the client sends it in a create or update: through the request form of a
// *Connection, *DataModel or *Pipeline, with secrets in clear; any other value as json.Marshal does.
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
