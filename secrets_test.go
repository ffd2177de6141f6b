package warehousesync_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// The secrets of TestSecretsNeverAppear: distinctive, so that any appearance is found.
const (
	secretsClientSecret = "sec-client-7f3a9c1e"
	secretsWrongSecret  = "sec-wrong-client-5b2e88"
	secretsStaticBearer = "sec-static-bearer-0d9e42"
	secretsSnowflake    = "sec-snowflake-pw-91d0aa"
	secretsRedshift     = "sec-redshift-pw-33aa7c"
	secretsBigQueryCore = "sec-bq-key-77c1f0"
	secretsBigQueryKey  = `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\n` +
		secretsBigQueryCore + `\n-----END PRIVATE KEY-----\n"}`
)

// secretsBuffer is a concurrency-safe log sink.
type secretsBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *secretsBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *secretsBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secretsRecorder is a RoundTripper that keeps every response body, and the access tokens the token
// endpoint issued (which are secrets everywhere else).
type secretsRecorder struct {
	next http.RoundTripper

	mu        sync.Mutex
	responses []string
	tokens    []string
}

func (r *secretsRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.record(req.URL.Path, resp.StatusCode, body)
	return resp, nil
}

// record keeps a response; an issued token is kept apart, and its body is not searched for it.
func (r *secretsRecorder) record(path string, status int, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if path == "/oauth/token" && status == http.StatusOK && json.Unmarshal(body, &tr) == nil && tr.AccessToken != "" {
		r.tokens = append(r.tokens, tr.AccessToken)
		body = bytes.ReplaceAll(body, []byte(tr.AccessToken), []byte("<issued token>"))
	}
	r.responses = append(r.responses, fmt.Sprintf("%s %d %s", path, status, body))
}

// secretsRun collects the errors of every call.
type secretsRun struct {
	t    *testing.T
	errs []error
}

// note keeps err (if any) and returns whether the call succeeded.
func (r *secretsRun) note(err error) bool {
	if err != nil {
		r.errs = append(r.errs, err)
	}
	return err == nil
}

// must keeps err and fails the test unless the call succeeded.
func (r *secretsRun) must(err error, what string) {
	r.t.Helper()
	require.True(r.t, r.note(err), "%s: %v", what, err)
}

// fail keeps err and fails the test unless the call failed with want.
func (r *secretsRun) fail(err error, want error, what string) {
	r.t.Helper()
	r.note(err)
	require.ErrorIs(r.t, err, want, what)
}

// TestSecretsNeverAppear runs every operation with secrets in play, including failing ones (bad
// credentials, 400, 404, 505, injected faults, lost answers, timeouts, an unreachable server, expired
// tokens), with the client logging at debug level, then searches the logs, the errors (text, %+v and
// body), the fake's request log (Go and HTTP), its faults and every response for every secret: the
// client secrets, the access tokens, the passwords and the service-account key.
func TestSecretsNeverAppear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := warehousesynctest.NewServer(t, warehousesynctest.WithCredentials("secrets-client", secretsClientSecret))
	logs := &secretsBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rec := &secretsRecorder{next: http.DefaultTransport.(*http.Transport).Clone()}
	hc := &http.Client{Transport: rec}
	t.Cleanup(hc.CloseIdleConnections)
	opts := []ws.Option{ws.WithLogger(logger), ws.WithHTTPClient(hc),
		ws.WithRetryPolicy(ws.RetryPolicy{MaxRetries: 2, MinWait: 250 * time.Microsecond, MaxWait: time.Millisecond})}
	c := srv.Client(opts...)
	r := &secretsRun{t: t}

	// Connections of every kind that has a secret, and their failures.
	sf, bq, rs := secretConnections()
	var printed []string // what a program prints of its connections
	for _, conn := range []*ws.Connection{sf, bq, rs} {
		got, err := c.Connections.Create(ctx, conn)
		r.must(err, "create "+conn.ID)
		logger.Debug("created", "connection", got, "sent", conn, "value", *conn, "config", conn.Config)
		_, err = c.Connections.Create(ctx, conn)
		r.fail(err, ws.ErrBadRequest, "duplicate "+conn.ID)
		_, err = c.Connections.Update(ctx, conn)
		r.must(err, "update "+conn.ID)
		printed = append(printed, fmt.Sprintf("%v %+v %#v %v %+v %#v", conn, conn, conn, conn.Config, conn.Config, conn.Config))
	}
	text := &secretsBuffer{}
	slog.New(slog.NewTextHandler(text, nil)).Info("connections", "sf", sf, "bq", bq, "rs", *rs, "config", rs.Config)
	printed = append(printed, text.String())
	bad := chaosConnection("bad", "", 2)
	bad.Config.(*ws.RedshiftConfig).Password = secretsRedshift
	bad.Config.(*ws.RedshiftConfig).Port = "99999"
	_, err := c.Connections.Create(ctx, bad)
	r.fail(err, ws.ErrBadRequest, "invalid connection")
	_, err = c.Connections.Get(ctx, "missing")
	r.fail(err, ws.ErrNotFound, "missing connection")
	r.fail(c.Connections.Delete(ctx, "missing"), ws.ErrNotFound, "delete missing connection")
	_, err = c.Connections.List(ctx, nil)
	r.must(err, "list")

	srv.DefaultWorkspace().SetConnectionUnreachable("sf", "")
	_, err = c.Connections.Update(ctx, sf)
	r.fail(err, ws.ErrWarehouseUnreachable, "unreachable update")
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: "POST", Path: "/connections", Status: 505, Times: 1}))
	down := chaosConnection("down", "Down", 0)
	down.Config.(*ws.SnowflakeConfig).Password = secretsSnowflake
	_, err = c.Connections.Create(ctx, down)
	r.fail(err, ws.ErrWarehouseUnreachable, "unreachable create")
	srv.DefaultWorkspace().SetConnectionReachable("sf")

	// Injected faults: retried until exhausted, not retried, lost answers, latency past a deadline.
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPut, Path: "/connections/*", Status: http.StatusServiceUnavailable, Times: 3}))
	_, err = c.Connections.Update(ctx, rs)
	r.fail(err, ws.ErrServer, "503 until retries run out")
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost, Path: "/connections", Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 3}))
	_, err = c.Connections.Create(ctx, down)
	r.fail(err, ws.ErrRateLimited, "429 until retries run out")
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost, Path: "/connections", Status: http.StatusBadGateway, Times: 4}))
	_, err = c.Connections.Create(ctx, down)
	r.fail(err, ws.ErrServer, "502 on every attempt of a create")
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPut, Path: "/connections/bq", ApplyThenFail: true, Times: 1}))
	_, err = c.Connections.Update(ctx, bq)
	r.must(err, "lost answer, then a retry")
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPost, Path: "/connections", ApplyThenFail: true, Times: 1}))
	_, err = c.Connections.Create(ctx, chaosConnection("lost", "Lost", 2))
	r.must(err, "lost answer of a create, reconciled by reading it back")
	require.NoError(t, srv.InjectFault(warehousesynctest.Fault{Method: http.MethodPut, Path: "/connections/sf", Latency: time.Minute, Times: 1}))
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = c.Connections.Update(short, sf)
	cancel()
	r.fail(err, context.DeadlineExceeded, "timeout during latency")
	srv.ClearFaults()

	// Models, pipelines, runs.
	_, err = c.DataModels.Create(ctx, chaosDataModel("m", "M"))
	r.must(err, "create model")
	_, err = c.Pipelines.Create(ctx, chaosPipeline("p", "P", "sf", "m"))
	r.must(err, "create pipeline")
	_, err = c.Pipelines.Create(ctx, chaosPipeline("p2", "P", "ghost", "m"))
	r.fail(err, ws.ErrBadRequest, "pipeline of a missing connection")
	tr, err := c.Pipelines.Trigger(ctx, "p")
	r.must(err, "trigger")
	_, err = c.Pipelines.Trigger(ctx, "p")
	r.fail(err, ws.ErrPipelineBusy, "busy trigger")
	_, err = c.Pipelines.Report(ctx, "p")
	r.must(err, "report")
	require.NoError(t, srv.Advance(time.Hour))
	_, err = c.Runs.Wait(ctx, "p", tr.PipelineRunID, ws.PollEvery(time.Millisecond))
	r.must(err, "wait")
	_, err = c.Runs.Get(ctx, "p", 999)
	r.fail(err, ws.ErrNotFound, "missing run")
	for _, err := range c.Runs.All(ctx, "p", nil) {
		r.must(err, "all runs")
	}
	r.fail(c.Connections.Delete(ctx, "sf"), ws.ErrBadRequest, "delete a used connection")

	// The token expires on the fake clock: a 401, a new token, a resend.
	require.NoError(t, srv.Advance(9*time.Hour))
	_, err = c.Pipelines.Get(ctx, "p")
	r.must(err, "call after the token expired")

	// Bad credentials, a wrong static token, a server that is not there.
	wrong := srv.Client(append(opts, ws.WithClientCredentials("secrets-client", secretsWrongSecret))...)
	_, err = wrong.Connections.Create(ctx, sf)
	r.fail(err, ws.ErrUnauthorized, "wrong client secret")
	_, err = wrong.Pipelines.Get(ctx, "p")
	r.fail(err, ws.ErrUnauthorized, "wrong client secret again")
	static := srv.Client(append(opts, ws.WithBearerToken(secretsStaticBearer))...)
	_, err = static.Connections.Update(ctx, rs)
	r.fail(err, ws.ErrUnauthorized, "wrong static token")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	gone, err := ws.NewClient("12345", append(opts, ws.WithBaseURL(closedURL), ws.WithTokenURL(closedURL+"/oauth/token"),
		ws.WithClientCredentials("secrets-client", secretsClientSecret))...)
	require.NoError(t, err)
	_, err = gone.Connections.Create(ctx, sf)
	r.note(err)
	require.Error(t, err, "nothing listens there")
	goneStatic, err := ws.NewClient("12345", append(opts, ws.WithBaseURL(closedURL), ws.WithBearerToken(secretsStaticBearer))...)
	require.NoError(t, err)
	_, err = goneStatic.Connections.Update(ctx, rs)
	r.note(err)
	require.Error(t, err, "nothing listens there")

	// Plain HTTP token requests in every form the fake accepts, right and wrong.
	for _, tc := range []struct{ contentType, body, basic string }{
		{"application/json", `{"client_id":"secrets-client","client_secret":"` + secretsClientSecret + `","grant_type":"client_credentials","audience":"https://api.mparticle.com"}`, ""},
		{"application/json", `{"client_id":"secrets-client","Client_Secret":"` + secretsClientSecret + `","grant_type":"client_credentials","audience":"https://api.mparticle.com"}`, ""},
		{"application/json", `{"client_id":"secrets-client","client_secret":"` + secretsWrongSecret + `","grant_type":"client_credentials","audience":"https://api.mparticle.com"}`, ""},
		{"application/json", `{"client_id":"secrets-client","client_secret":"` + secretsClientSecret + `"`, ""},
		{"application/x-www-form-urlencoded", "grant_type=client_credentials&audience=https%3A%2F%2Fapi.mparticle.com&client_id=secrets-client&client_secret=" + secretsClientSecret, ""},
		{"application/x-www-form-urlencoded", "grant_type=client_credentials&audience=https%3A%2F%2Fapi.mparticle.com", "secrets-client:" + secretsClientSecret},
		{"application/json", `{"grant_type":"password","client_secret":"` + secretsWrongSecret + `"}`, ""},
	} {
		req, err := http.NewRequest(http.MethodPost, srv.TokenURL(), strings.NewReader(tc.body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", tc.contentType)
		if tc.basic != "" {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(tc.basic)))
		}
		resp, err := hc.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	// Where secrets must not be.
	var places []string
	places = append(places, logs.String())
	places = append(places, printed...)
	for _, err := range r.errs {
		places = append(places, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		var apiErr *ws.APIError
		if errors.As(err, &apiErr) {
			places = append(places, string(apiErr.Body), strings.Join(apiErr.Messages, "\n"), apiErr.URL)
		}
	}
	requests := srv.Requests()
	reqJSON, err := json.Marshal(requests)
	require.NoError(t, err)
	places = append(places, string(reqJSON), fmt.Sprintf("%+v", requests), fmt.Sprintf("%+v", srv.Faults()))
	for _, path := range []string{"/_fake/requests", "/_fake/faults", "/_fake/clock"} {
		resp, err := http.Get(srv.URL() + path)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		places = append(places, string(b))
	}
	rec.mu.Lock()
	places = append(places, rec.responses...)
	tokens := append([]string(nil), rec.tokens...)
	rec.mu.Unlock()

	secrets := map[string]string{
		"client secret":                 secretsClientSecret,
		"wrong client secret":           secretsWrongSecret,
		"static token":                  secretsStaticBearer,
		"Snowflake password":            secretsSnowflake,
		"Redshift password":             secretsRedshift,
		"BigQuery key":                  secretsBigQueryCore,
		"BigQuery key, URL-encoded":     url.QueryEscape(secretsBigQueryKey),
		"client secret, base64 (Basic)": base64.StdEncoding.EncodeToString([]byte("secrets-client:" + secretsClientSecret)),
	}
	require.GreaterOrEqual(t, len(tokens), 3, "the client's two tokens and the plain requests' tokens")
	for i, tok := range tokens {
		secrets[fmt.Sprintf("access token %d", i)] = tok
	}
	for name, secret := range secrets {
		for i, place := range places {
			if strings.Contains(place, secret) {
				t.Errorf("the %s appears in place %d: %s", name, i, secretsExcerpt(place, secret))
			}
		}
	}
	t.Logf("%d calls failed as planned, %d requests recorded, %d responses and %d bytes of logs searched for %d secrets",
		len(r.errs), len(requests), len(rec.responses), len(logs.String()), len(secrets))

	// The request log shows that secrets were sent, masked.
	masked := 0
	for _, req := range requests {
		if strings.Contains(req.Body, ws.MaskedSecret) {
			masked++
		}
	}
	assert.Greater(t, masked, 10, "bodies with secrets are logged with the mask")
}

// secretConnections returns a Snowflake, a BigQuery and a Redshift connection that carry the
// distinctive secrets of this file.
func secretConnections() (sf, bq, rs *ws.Connection) {
	sf = chaosConnection("sf", "Snowflake", 0)
	sf.Config.(*ws.SnowflakeConfig).Password = secretsSnowflake
	bq = chaosConnection("bq", "BigQuery", 1)
	bq.Config.(*ws.BigQueryConfig).ServiceAccountKey = secretsBigQueryKey
	rs = chaosConnection("rs", "Redshift", 2)
	rs.Config.(*ws.RedshiftConfig).Password = secretsRedshift
	return sf, bq, rs
}

// slogHandlers returns slog's JSON handler (which hands nested values to encoding/json) and its text
// handler (which hands them to fmt), by name.
func slogHandlers() map[string]func(io.Writer) slog.Handler {
	return map[string]func(io.Writer) slog.Handler{
		"json": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
		"text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
	}
}

// secretsExcerpt shows where secret appears in s, with the secret itself cut short.
func secretsExcerpt(s, secret string) string {
	i := strings.Index(s, secret)
	start, end := max(0, i-60), min(len(s), i+len(secret)+20)
	return strings.ReplaceAll(s[start:end], secret, secret[:4]+"…")
}

// TestSecretsConnectionLogging: a Connection or a config logged with slog shows no secret, with the JSON
// handler too (which encodes structs with encoding/json, so Secret's String was not enough: found by
// TestSecretsNeverAppear), while the request body still carries the real value.
func TestSecretsConnectionLogging(t *testing.T) {
	t.Parallel()
	sf, bq, rs := secretConnections()
	raw := &ws.Connection{ID: "pg", ServiceProvider: "Postgres",
		Config: &ws.RawConfig{Provider: "Postgres", JSON: json.RawMessage(`{"password":"` + secretsRedshift + `"}`)}}
	for _, conn := range []*ws.Connection{sf, bq, rs, raw} {
		for name, h := range slogHandlers() {
			var out bytes.Buffer
			slog.New(h(&out)).Info("connection", "pointer", conn, "value", *conn, "config", conn.Config)
			for _, secret := range []string{secretsSnowflake, secretsBigQueryCore, secretsRedshift} {
				assert.NotContains(t, out.String(), secret, "%s handler, connection %s", name, conn.ID)
			}
		}
		body, err := json.Marshal(ws.RequestJSON(conn))
		require.NoError(t, err)
		assert.NotContains(t, string(body), ws.MaskedSecret, "%s: the API gets the real secret", conn.ID)
	}
	var out bytes.Buffer
	slog.New(slog.NewJSONHandler(&out, nil)).Info("connection", "sf", sf)
	var logged struct {
		SF struct {
			ID     string `json:"id"`
			Config struct {
				Password string `json:"password"`
				User     string `json:"user"`
			} `json:"config"`
		} `json:"sf"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &logged), out.String())
	assert.Equal(t, "sf", logged.SF.ID)
	assert.Equal(t, "user", logged.SF.Config.User, "the rest of the config is logged")
	assert.Equal(t, ws.MaskedSecret, logged.SF.Config.Password)
}
