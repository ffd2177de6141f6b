package warehousesync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// logBuffer is a concurrency-safe sink for a JSON slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records returns the logged records with the given message.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func debugLogger(buf *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var fastRetries = ws.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

func TestLogsEveryAttempt(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	c, mux := setup(t, ws.WithLogger(debugLogger(logs)), ws.WithRetryPolicy(fastRetries))
	var calls atomic.Int32
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, http.StatusServiceUnavailable, `{"errors":[{"message":"try later"}]}`)
			return
		}
		writeJSON(w, http.StatusOK, `[]`)
	})
	_, err := c.Connections.List(context.Background(), &ws.ListConnectionsOptions{ServiceProvider: ws.ProviderBigQuery})
	require.NoError(t, err)

	recs := logs.records(t, "warehousesync request")
	require.Len(t, recs, 2)
	for i, status := range []float64{503, 200} {
		assert.Equal(t, "DEBUG", recs[i]["level"])
		assert.Equal(t, "GET", recs[i]["method"])
		assert.Equal(t, "/connections", recs[i]["path"])
		assert.Equal(t, float64(i+1), recs[i]["attempt"])
		assert.Equal(t, status, recs[i]["status"])
		assert.Contains(t, recs[i], "duration")
	}
	// Each attempt is logged once: retryablehttp's own lines ("performing request" with the full URL,
	// "retrying request") are not.
	assert.NotContains(t, logs.String(), "retryablehttp")
	assert.NotContains(t, logs.String(), "serviceProvider=", "the query string is never logged")
}

// TestLoggedNetworkErrorsHaveNoQueryString: the error of a failed attempt quoted the request URL,
// query string and all.
func TestLoggedNetworkErrorsHaveNoQueryString(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	c, err := ws.NewClient("w", ws.WithBaseURL("http://127.0.0.1:1"), ws.WithBearerToken("t"),
		ws.WithLogger(debugLogger(logs)), ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}))
	require.NoError(t, err)
	_, err = c.Connections.List(context.Background(), &ws.ListConnectionsOptions{ServiceProvider: ws.ProviderBigQuery})
	require.Error(t, err)
	recs := logs.records(t, "warehousesync request")
	require.Len(t, recs, 1)
	assert.Contains(t, recs[0]["error"], "connection refused")
	assert.NotContains(t, logs.String(), "serviceProvider")
}

func TestLogsNetworkErrors(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	c, err := ws.NewClient("w", ws.WithBaseURL("http://127.0.0.1:1"), ws.WithBearerToken("t"),
		ws.WithLogger(debugLogger(logs)), ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond}))
	require.NoError(t, err)
	_, err = c.DataModels.Get(context.Background(), "m")
	require.Error(t, err)
	recs := logs.records(t, "warehousesync request")
	require.Len(t, recs, 2)
	assert.Equal(t, float64(2), recs[1]["attempt"])
	assert.Contains(t, recs[1]["error"], "connect")
	assert.NotContains(t, recs[1], "status")
}

// TestNoSecretInLogsOrErrors runs failing calls of every kind with debug logging and checks that no
// secret (client secret, access token, password, service-account key) appears in a log line, an error
// string or a printed connection.
func TestNoSecretInLogsOrErrors(t *testing.T) {
	t.Parallel()
	const (
		password   = "pw-Very-Secret-42"
		accountKey = `{"private_key":"-----BEGIN PRIVATE KEY-----KEYMATERIAL-----END PRIVATE KEY-----"}`
	)
	secrets := []string{testClientSecret, "tok-1", "tok-2", "tok-3", password, "KEYMATERIAL"} // tokenServer hands out tok-N

	logs := &logBuffer{}
	tokens := newTokenServer(t)
	c, mux := setupAuth(t,
		ws.WithClientCredentials(testClientID, testClientSecret),
		ws.WithTokenURL(tokens.url),
		ws.WithLogger(debugLogger(logs)),
		ws.WithRetryPolicy(fastRetries),
	)
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, `{"errors":[{"message":"config.warehouse is required"}]}`)
	})
	mux.HandleFunc("/connections/sf", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusInternalServerError, `{"errors":[{"message":"internal error"}]}`)
	})
	mux.HandleFunc("/connections/bq", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusUnauthorized, `{"errors":[{"message":"Unauthorized"}]}`)
	})
	mux.HandleFunc("/inputs/data-pipelines/trigger", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusTooManyRequests, `{"errors":[{"message":"slow down"}]}`)
	})

	ctx := context.Background()
	sf := &ws.Connection{ID: "sf", Name: "sf", Config: &ws.SnowflakeConfig{User: "u", Password: password}}
	bq := &ws.Connection{ID: "bq", Name: "bq", Config: &ws.BigQueryConfig{ServiceAccountKey: ws.Secret(accountKey)}}
	var errs []error
	_, err := c.Connections.Create(ctx, sf)
	errs = append(errs, err)
	_, err = c.Connections.Update(ctx, sf)
	errs = append(errs, err)
	_, err = c.Connections.Update(ctx, bq)
	errs = append(errs, err)
	_, err = c.Pipelines.Trigger(ctx, "p")
	errs = append(errs, err)

	// A client whose token request fails.
	badTokens := newTokenServer(t)
	badTokens.fail = `{"error":"access_denied","error_description":"Unauthorized"}`
	c2, _ := setupAuth(t, ws.WithClientCredentials(testClientID, testClientSecret), ws.WithTokenURL(badTokens.url),
		ws.WithLogger(debugLogger(logs)))
	_, err = c2.Connections.Create(ctx, sf)
	errs = append(errs, err)

	var texts []string
	for _, err := range errs {
		require.Error(t, err)
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		var apiErr *ws.APIError
		if errors.As(err, &apiErr) {
			texts = append(texts, string(apiErr.Body))
		}
	}
	for _, conn := range []*ws.Connection{sf, bq} {
		texts = append(texts, fmt.Sprintf("%v %+v %#v %+v", conn.Config, conn.Config, conn.Config, *conn))
	}
	texts = append(texts, logs.String())
	require.NotEmpty(t, logs.records(t, "warehousesync request"), "the calls were logged")
	for _, text := range texts {
		for _, secret := range secrets {
			assert.NotContains(t, text, secret)
		}
	}
}
