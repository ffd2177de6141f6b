package warehousesynctest

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkPipelineCreateDelete measures one validated create and one delete of a pipeline over HTTP.
func BenchmarkPipelineCreateDelete(b *testing.B) {
	_, a := newAPI(b, WithMaxActivePipelines(0))
	a.seedBasics()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("p-%d", i)
		a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody(id, "conn", "model"), nil)
		a.must(http.StatusNoContent, http.MethodDelete, "/inputs/data-pipelines/"+id, nil, nil)
	}
}

// BenchmarkListConnections measures listing 100 connections over HTTP.
func BenchmarkListConnections(b *testing.B) {
	_, a := newAPI(b)
	for i := 0; i < 100; i++ {
		a.must(http.StatusOK, http.MethodPost, "/connections", redshiftBody(fmt.Sprintf("c-%03d", i)), nil)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.must(http.StatusOK, http.MethodGet, "/connections", nil, nil)
	}
}
