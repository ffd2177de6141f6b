package warehousesync_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	ws "github.com/wsync-dev/warehousesync"
)

// BenchmarkPipelinesGet measures one call through the whole request path (validation, request,
// retry wrapper, token cache, decoding) against a loopback server.
func BenchmarkPipelinesGet(b *testing.B) {
	body := []byte(`{"id":"p","name":"p","pipeline_type":"user_attributes","state":"active","status":"idle",` +
		`"sync_mode":{"type":"full"},"schedule":{"type":"on_demand"},"environment":"development",` +
		`"created_on":"2023-10-25T15:21:55.899Z","last_modified_on":null}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := ws.NewClient("w", ws.WithBaseURL(srv.URL), ws.WithBearerToken("t"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Pipelines.Get(ctx, "p"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
