package warehousesync_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// A context from WithResponse records the status, headers and raw body of the call's last response.
func TestWithResponseRecordsTheResponse(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 1, MinWait: 1, MaxWait: 1}))
	tries := 0
	mux.HandleFunc("/data-models/m", func(w http.ResponseWriter, r *http.Request) {
		tries++
		w.Header().Set("X-Request-Id", "req-"+string(rune('0'+tries)))
		if tries == 1 {
			writeJSON(w, http.StatusServiceUnavailable, `{"errors":[{"message":"busy"}]}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"id":"m","name":"Model","future_field":1}`)
	})
	mux.HandleFunc("/data-models/gone", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-404")
		writeJSON(w, http.StatusNotFound, `{"errors":[{"message":"Data model 'gone' not found."}]}`)
	})
	mux.HandleFunc("/data-models/d", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})

	var resp ws.Response
	ctx := ws.WithResponse(context.Background(), &resp)
	m, err := c.DataModels.Get(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, "m", m.ID)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the last attempt's")
	assert.Equal(t, "req-2", resp.Header.Get("X-Request-Id"))
	assert.JSONEq(t, `{"id":"m","name":"Model","future_field":1}`, string(resp.Body))

	_, err = c.DataModels.Get(ctx, "gone")
	require.ErrorIs(t, err, ws.ErrNotFound)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "req-404", resp.Header.Get("X-Request-Id"))
	assert.Nil(t, resp.Body, "an error's body is in the APIError")

	require.NoError(t, c.DataModels.Delete(ctx, "d"))
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Empty(t, resp.Body)
}

// WithResponse shows the HTTP response behind a call: here the request id and the rate-limit headers
// of a successful Get.
func ExampleWithResponse() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-42")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"sf","name":"Snowflake"}`))
	}))
	defer api.Close()
	c, err := ws.NewClient("12345", ws.WithBaseURL(api.URL), ws.WithBearerToken("token"))
	if err != nil {
		fmt.Println(err)
		return
	}

	var resp ws.Response
	conn, err := c.Connections.Get(ws.WithResponse(context.Background(), &resp), "sf")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(conn.Name, resp.StatusCode, resp.Header.Get("X-Request-Id"), string(resp.Body))
	// Output: Snowflake 200 req-42 {"id":"sf","name":"Snowflake"}
}
