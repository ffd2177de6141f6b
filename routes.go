package warehousesync

// route names one operation of the API for Attempt: the client method that sends it and the path
// template of its request, relative to the workspace root. A template names its parameters
// ({pipelineId}) and never holds an id or a secret, so tracing and metrics can group by it.
type route struct {
	op       string // "Pipelines.Trigger"
	template string // "/inputs/data-pipelines/trigger"
}

// routeConnection is the route of one connection.
func routeConnection(op string) route { return route{op, "/connections/{connectionId}"} }

// routeDataModel is the route of one data model.
func routeDataModel(op string) route { return route{op, "/data-models/{modelId}"} }

// routePipeline is the route of one pipeline, or of tail below it ("/runs").
func routePipeline(op, tail string) route {
	return route{op, "/inputs/data-pipelines/{pipelineId}" + tail}
}

// tokenOperation is Attempt.Operation of a token request.
const tokenOperation = "Auth.Token"
