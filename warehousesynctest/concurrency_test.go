package warehousesynctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// TestConcurrentMixedOperations runs writers, readers, the clock and the inspection API against one
// server at once (run it with -race): every object a reader sees is whole, and every writer finds its
// last write.
func TestConcurrentMixedOperations(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithMaxActivePipelines(0))
	a.seedBasics()
	require.NoError(t, srv.InjectFault(Fault{Path: "/inputs/data-pipelines/unused", Status: 503, Optional: true}))

	const workers, rounds = 8, 15
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, model, pipe := fmt.Sprintf("c-%d", w), fmt.Sprintf("m-%d", w), fmt.Sprintf("p-%d", w)
			expect := func(status, want int, body []byte) {
				assert.Equal(t, want, status, string(body))
			}
			s, b := a.do(http.MethodPost, "/connections", redshiftBody(conn))
			expect(s, http.StatusOK, b)
			s, b = a.do(http.MethodPost, "/data-models", dataModelBody(model))
			expect(s, http.StatusOK, b)
			for r := 0; r < rounds; r++ {
				body := pipelineBody(pipe, conn, model)
				body["name"] = fmt.Sprintf("%s round %d", pipe, r)
				if r%3 == 0 {
					s, b = a.do(http.MethodPost, "/inputs/data-pipelines", body)
				} else {
					s, b = a.do(http.MethodPut, "/inputs/data-pipelines/"+pipe, body)
				}
				expect(s, http.StatusOK, b)
				var got ws.Pipeline
				s, b = a.do(http.MethodGet, "/inputs/data-pipelines/"+pipe, nil)
				expect(s, http.StatusOK, b)
				assert.NoError(t, json.Unmarshal(b, &got))
				assert.Equal(t, body["name"], got.Name, "a writer reads its own last write")
				cb := redshiftBody(conn)
				cb["name"] = fmt.Sprintf("%s round %d", conn, r)
				s, b = a.do(http.MethodPut, "/connections/"+conn, cb)
				expect(s, http.StatusOK, b)
				if r%3 == 2 {
					s, b = a.do(http.MethodDelete, "/inputs/data-pipelines/"+pipe, nil)
					expect(s, http.StatusNoContent, b)
				}
			}
		}()
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 3; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var pipes []ws.Pipeline
				s, b := a.do(http.MethodGet, "/inputs/data-pipelines", nil)
				assert.Equal(t, http.StatusOK, s)
				assert.NoError(t, json.Unmarshal(b, &pipes))
				for _, p := range pipes {
					assert.True(t, strings.HasPrefix(p.Name, p.ID+" round "), "whole object: %+v", p)
					assert.Equal(t, "c-"+strings.TrimPrefix(p.ID, "p-"), p.ConnectionID)
					assert.NotEmpty(t, p.Status)
				}
				var conns []ws.Connection
				s, b = a.do(http.MethodGet, "/connections?serviceProvider=Redshift", nil)
				assert.Equal(t, http.StatusOK, s)
				assert.NoError(t, json.Unmarshal(b, &conns))
				for _, c := range conns {
					assert.Equal(t, ws.Secret(ws.MaskedSecret), c.Config.(*ws.RedshiftConfig).Password)
				}
				_ = srv.Requests()
				_ = srv.Advance(time.Minute)
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	var pipes []ws.Pipeline
	a.must(http.StatusOK, http.MethodGet, "/inputs/data-pipelines", nil, &pipes)
	// rounds = 15: the last round (14) is an update after the re-create in round 12; round 14 % 3 == 2
	// deletes it, so every pipeline is gone and every connection carries its last name.
	assert.Empty(t, pipes)
	var conns []ws.Connection
	a.must(http.StatusOK, http.MethodGet, "/connections?serviceProvider=Redshift", nil, &conns)
	require.Len(t, conns, workers)
	for _, c := range conns {
		assert.Equal(t, c.ID+fmt.Sprintf(" round %d", rounds-1), c.Name)
	}
}
