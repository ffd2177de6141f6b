package warehousesynctest

import "net/http"

// rawJSON is a 200 answer whose JSON the engine wrote (engine.AppendRunsPage, engine.AppendPipeline):
// the same bytes encodeJSON would write for the values, without building them.
func rawJSON(b []byte) reply {
	return reply{status: http.StatusOK, raw: b, contentType: "application/json"}
}
