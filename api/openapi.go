package api

import _ "embed" // for the embedded description

// openapiYAML is the description; a string, so it cannot be changed.
//
//go:embed openapi.yaml
var openapiYAML string

// OpenAPI returns the OpenAPI 3.0 description of the Warehouse Sync API as YAML. Each call returns a new
// copy, so callers may change it freely.
func OpenAPI() []byte {
	return []byte(openapiYAML)
}
