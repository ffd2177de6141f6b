package warehousesync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := ws.NewClient("12345", ws.WithBearerToken("t"))
	require.NoError(t, err)
	assert.Equal(t, "12345", c.WorkspaceID())
	assert.Equal(t, "https://api.mparticle.com/platform/v2/workspaces/12345/", c.WorkspaceURL())
	assert.Equal(t, ws.DefaultBaseURL, c.BaseURL())
	assert.NotNil(t, c.Connections)
	assert.NotNil(t, c.DataModels)
	assert.NotNil(t, c.Pipelines)
	assert.NotNil(t, c.Runs)
}

// TestNewClientBaseURL checks BaseURL against WithBaseURL's value (user info and a trailing slash
// removed), and WorkspaceURL against the root requests go to.
func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]string{
		"http://localhost:8080":               "http://localhost:8080",
		"http://localhost:8080/":              "http://localhost:8080",
		"https://proxy.example.com/mparticle": "https://proxy.example.com/mparticle",
		"https://proxy.example.com/a%2Fb/":    "https://proxy.example.com/a%2Fb",
	} {
		c, err := ws.NewClient("w", ws.WithBearerToken("t"), ws.WithBaseURL(base))
		require.NoError(t, err, base)
		assert.Equal(t, want, c.BaseURL(), base)
		assert.Equal(t, want+"/platform/v2/workspaces/w/", c.WorkspaceURL(), base)
	}
}

func TestNewClientErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		workspace string
		opts      []ws.Option
		want      string
	}{
		{"no workspace", "", []ws.Option{ws.WithBearerToken("t")}, "workspaceID must not be empty"},
		{"bad workspace", "a/b", []ws.Option{ws.WithBearerToken("t")}, `workspaceID "a/b" must contain only letters, digits, _ and -`},
		{"no credentials", "w", nil, "no credentials: use WithClientCredentials, WithBearerToken or WithTokenSource"},
		{"empty token", "w", []ws.Option{ws.WithBearerToken("")}, "bearer token must not be empty"},
		{"nil token source", "w", []ws.Option{ws.WithTokenSource(nil)}, "token source must not be nil"},
		{"empty client id", "w", []ws.Option{ws.WithClientCredentials("", "s")}, "clientID must not be empty"},
		{"empty client secret", "w", []ws.Option{ws.WithClientCredentials("id", "")}, "clientSecret must not be empty"},
		{"relative base URL", "w", []ws.Option{ws.WithBearerToken("t"), ws.WithBaseURL("api.mparticle.com")}, "must be an absolute http or https URL"},
		{"base URL with query", "w", []ws.Option{ws.WithBearerToken("t"), ws.WithBaseURL("https://x.example.com/?k=v")}, "must not have a query or fragment"},
		{"base URL with an empty query", "w", []ws.Option{ws.WithBearerToken("t"), ws.WithBaseURL("https://x.example.com/?")}, "must not have a query or fragment"},
		{"base URL with an empty fragment", "w", []ws.Option{ws.WithBearerToken("t"), ws.WithBaseURL("https://x.example.com?#")}, "must not have a query or fragment"},
		{"bad token URL", "w", []ws.Option{ws.WithClientCredentials("id", "s"), ws.WithTokenURL("ftp://x")}, "token URL "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := ws.NewClient(tc.workspace, tc.opts...)
			assert.Nil(t, c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestURLUserInfoIsRefusedWithoutShowingIt: a password in the user info of the base URL or the token
// URL was quoted by NewClient's error (a bad port made url.Parse fail) and kept in the client.
func TestURLUserInfoIsRefusedWithoutShowingIt(t *testing.T) {
	t.Parallel()
	const pw = "Pa55w0rd-in-URL"
	for _, raw := range []string{
		"http://u:" + pw + "@host:badport", "https://u:" + pw + "@api.example.com/pre/", "https://" + pw + "@api.example.com",
		"http:u:" + pw + "@host", "https://u:" + pw + "@host/?q=1", "https://u:" + pw + "@[::1", "//u:" + pw + "@host",
	} {
		for name, opts := range map[string][]ws.Option{
			"WithBaseURL":  {ws.WithBearerToken("t"), ws.WithBaseURL(raw)},
			"WithTokenURL": {ws.WithClientCredentials("id", "s"), ws.WithTokenURL(raw)},
		} {
			c, err := ws.NewClient("w", opts...)
			assert.Nil(t, c, "%s(%q)", name, raw)
			require.Error(t, err, "%s(%q)", name, raw)
			assert.NotContains(t, err.Error(), pw, "%s(%q)", name, raw)
			assert.Contains(t, err.Error(), "user info", "%s(%q)", name, raw)
		}
	}
	// Errors of other bad URLs quote neither a query nor a value url.Parse cannot read.
	for _, raw := range []string{"http://host:badport/?api_key=" + pw, "https://x.example.com/?token=" + pw, "ftp://x/?k=" + pw} {
		_, err := ws.NewClient("w", ws.WithBearerToken("t"), ws.WithBaseURL(raw))
		require.Error(t, err, raw)
		assert.NotContains(t, err.Error(), pw, raw)
	}
	// An "@" in the path is no user info.
	c, err := ws.NewClient("w", ws.WithBearerToken("t"), ws.WithBaseURL("https://api.example.com/a@b"))
	require.NoError(t, err)
	assert.Equal(t, "https://api.example.com/a@b", c.BaseURL())
}

// TestClientPrintsNoCredential: %v, %+v and %#v of a client show neither its client secret nor its token.
func TestClientPrintsNoCredential(t *testing.T) {
	t.Parallel()
	for secret, opt := range map[string]ws.Option{
		"the-client-secret-77": ws.WithClientCredentials("id", "the-client-secret-77"),
		"the-fixed-token-88":   ws.WithBearerToken("the-fixed-token-88"),
	} {
		c, err := ws.NewClient("w", opt)
		require.NoError(t, err)
		text := fmt.Sprintf("%v %+v %#v %v %+v %#v", c, c, c, *c, *c, *c)
		assert.NotContains(t, text, secret)
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	for suffix, want := range map[string]string{
		"":              "warehousesync-go/" + ws.Version,
		"my-tool/1.2.3": "warehousesync-go/" + ws.Version + " my-tool/1.2.3",
	} {
		c, mux := setup(t, ws.WithUserAgent(suffix))
		mux.HandleFunc("/data-models", func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, want, r.Header.Get("User-Agent"))
			writeJSON(w, http.StatusOK, `[]`)
		})
		_, err := c.DataModels.List(context.Background(), nil)
		require.NoError(t, err)
	}
}

func TestWithHTTPClient(t *testing.T) {
	t.Parallel()
	var seen atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, mux := setup(t, ws.WithHTTPClient(hc))
	mux.HandleFunc("/data-models", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, `[]`) })
	_, err := c.DataModels.List(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, seen.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestIDsAreValidatedBeforeAnyRequest calls every method that takes an ID with bad IDs and checks that
// each fails with a *ValidationError naming the field, without a request.
func TestIDsAreValidatedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	c, err := ws.NewClient("w", ws.WithBaseURL(srv.URL), ws.WithBearerToken("t"))
	require.NoError(t, err)
	ctx := context.Background()

	type call struct {
		field string
		fn    func(id string) error
	}
	calls := map[string]call{
		"Connections.Get":    {"connectionID", func(id string) error { _, err := c.Connections.Get(ctx, id); return err }},
		"Connections.Create": {"connection.ID", func(id string) error { _, err := c.Connections.Create(ctx, &ws.Connection{ID: id}); return err }},
		"Connections.Update": {"connection.ID", func(id string) error { _, err := c.Connections.Update(ctx, &ws.Connection{ID: id}); return err }},
		"Connections.Delete": {"connectionID", func(id string) error { return c.Connections.Delete(ctx, id) }},
		"DataModels.Get":     {"modelID", func(id string) error { _, err := c.DataModels.Get(ctx, id); return err }},
		"DataModels.Create":  {"model.ID", func(id string) error { _, err := c.DataModels.Create(ctx, &ws.DataModel{ID: id}); return err }},
		"DataModels.Update":  {"model.ID", func(id string) error { _, err := c.DataModels.Update(ctx, &ws.DataModel{ID: id}); return err }},
		"DataModels.Delete":  {"modelID", func(id string) error { return c.DataModels.Delete(ctx, id) }},
		"Pipelines.Get":      {"pipelineID", func(id string) error { _, err := c.Pipelines.Get(ctx, id); return err }},
		"Pipelines.Create":   {"pipeline.ID", func(id string) error { _, err := c.Pipelines.Create(ctx, &ws.Pipeline{ID: id}); return err }},
		"Pipelines.Update":   {"pipeline.ID", func(id string) error { _, err := c.Pipelines.Update(ctx, &ws.Pipeline{ID: id}); return err }},
		"Pipelines.Delete":   {"pipelineID", func(id string) error { return c.Pipelines.Delete(ctx, id) }},
		"Pipelines.Trigger":  {"pipelineID", func(id string) error { _, err := c.Pipelines.Trigger(ctx, id); return err }},
		"Pipelines.Report":   {"pipelineID", func(id string) error { _, err := c.Pipelines.Report(ctx, id); return err }},
		"Runs.List":          {"pipelineID", func(id string) error { _, err := c.Runs.List(ctx, id, nil); return err }},
		"Runs.Get":           {"pipelineID", func(id string) error { _, err := c.Runs.Get(ctx, id, 1); return err }},
		"Runs.Wait":          {"pipelineID", func(id string) error { _, err := c.Runs.Wait(ctx, id, 1); return err }},
		"Runs.All": {"pipelineID", func(id string) error {
			for _, err := range c.Runs.All(ctx, id, nil) {
				return err
			}
			return nil
		}},
	}
	badIDs := []string{"", "a/b", "../x", "a b", "é", "x?y", strings.Repeat("a", 129)}
	for name, cl := range calls {
		for _, id := range badIDs {
			err := cl.fn(id)
			var verr *ws.ValidationError
			if assert.True(t, errors.As(err, &verr), "%s(%q): %v", name, id, err) {
				assert.Equal(t, cl.field, verr.Field, "%s(%q)", name, id)
				assert.True(t, strings.HasPrefix(err.Error(), cl.field+" "), err.Error())
			}
		}
	}
	for _, fn := range []func() error{
		func() error { _, err := c.Runs.Get(ctx, "p", 0); return err },
		func() error { _, err := c.Runs.Wait(ctx, "p", -3); return err },
	} {
		var verr *ws.ValidationError
		require.True(t, errors.As(fn(), &verr))
		assert.Equal(t, "runID", verr.Field)
	}
	for name, fn := range map[string]func() error{
		"connection": func() error { _, err := c.Connections.Create(ctx, nil); return err },
		"model":      func() error { _, err := c.DataModels.Update(ctx, nil); return err },
		"pipeline":   func() error { _, err := c.Pipelines.Create(ctx, nil); return err },
	} {
		assert.EqualError(t, fn(), name+" must not be nil")
	}
	assert.Zero(t, requests.Load(), "no request was sent")

	// The longest valid ID passes.
	_, err = c.Pipelines.Trigger(ctx, strings.Repeat("A-_9", 32))
	assert.Error(t, err) // an empty 200 body does not decode, but the request was made
	assert.EqualValues(t, 1, requests.Load())
}

func TestNewClientFromEnv(t *testing.T) {
	// t.Setenv: not parallel.
	tokens := newTokenServer(t)
	var sawPath string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawPath = r.URL.Path
		assert.Equal(t, "Bearer tok-1", r.Header.Get("Authorization"))
		writeJSON(w, http.StatusOK, `[]`)
	}))
	t.Cleanup(api.Close)

	t.Setenv(ws.EnvWorkspaceID, "env-ws")
	t.Setenv(ws.EnvClientID, "env-id")
	t.Setenv(ws.EnvClientSecret, "env-secret")
	t.Setenv(ws.EnvAPIURL, api.URL+"/from-env")
	t.Setenv(ws.EnvTokenURL, tokens.url)

	c, err := ws.NewClientFromEnv()
	require.NoError(t, err)
	assert.Equal(t, "env-ws", c.WorkspaceID())
	_, err = c.DataModels.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "/from-env/platform/v2/workspaces/env-ws/data-models", sawPath)
	require.Len(t, tokens.bodies, 1)
	assert.Equal(t, "env-id", tokens.bodies[0]["client_id"])
	assert.Equal(t, "env-secret", tokens.bodies[0]["client_secret"])

	// Options override the environment.
	c, err = ws.NewClientFromEnv(ws.WithBaseURL("https://override.example.com"))
	require.NoError(t, err)
	assert.Equal(t, "https://override.example.com/platform/v2/workspaces/env-ws/", c.WorkspaceURL())

	// Missing variables are named, all of them.
	t.Setenv(ws.EnvClientSecret, "")
	_, err = ws.NewClientFromEnv()
	assert.EqualError(t, err, "environment variable "+ws.EnvClientSecret+" is not set")
	t.Setenv(ws.EnvClientID, "")
	_, err = ws.NewClientFromEnv()
	assert.EqualError(t, err, "environment variables "+ws.EnvClientID+", "+ws.EnvClientSecret+" are not set")
	t.Setenv(ws.EnvWorkspaceID, "")
	_, err = ws.NewClientFromEnv()
	assert.EqualError(t, err, "environment variables "+ws.EnvWorkspaceID+", "+ws.EnvClientID+", "+ws.EnvClientSecret+" are not set")

	// With another way to authenticate, the credentials are not needed; the workspace still is.
	_, err = ws.NewClientFromEnv(ws.WithBearerToken("t"))
	assert.EqualError(t, err, "environment variable "+ws.EnvWorkspaceID+" is not set")
	t.Setenv(ws.EnvWorkspaceID, "w2")
	c, err = ws.NewClientFromEnv(ws.WithBearerToken("t"))
	require.NoError(t, err)
	assert.Equal(t, "w2", c.WorkspaceID())
}

// Two ways to authenticate are refused, naming both, instead of the last one silently winning; the
// same option twice keeps the last.
func TestConflictingAuthOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts []ws.Option
		want string
	}{
		{[]ws.Option{ws.WithClientCredentials("id", "secret"), ws.WithBearerToken("junk")},
			"WithClientCredentials and WithBearerToken conflict: each sets how the client authenticates; give only one"},
		{[]ws.Option{ws.WithBearerToken("junk"), ws.WithTokenSource(&countingSource{})},
			"WithBearerToken and WithTokenSource conflict: each sets how the client authenticates; give only one"},
		{[]ws.Option{ws.WithTokenSource(&countingSource{}), ws.WithBearerToken("a"), ws.WithClientCredentials("id", "s")},
			"WithTokenSource and WithBearerToken and WithClientCredentials conflict: each sets how the client authenticates; give only one"},
	} {
		_, err := ws.NewClient("ws", tc.opts...)
		assert.EqualError(t, err, tc.want)
	}
	_, err := ws.NewClient("ws", ws.WithBearerToken("a"), ws.WithBearerToken("b"))
	assert.NoError(t, err)
}

// ctxKey is a context key of the tests.
type ctxKey struct{}

// TestRequestContext checks that the context of every request the transport sees carries the
// caller's values and cancellation, and that a nil context is an error rather than a panic.
func TestRequestContext(t *testing.T) {
	t.Parallel()
	var seen atomic.Value
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		v, _ := r.Context().Value(ctxKey{}).(string)
		seen.Store(v)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, mux := setup(t, ws.WithHTTPClient(hc))
	mux.HandleFunc("/data-models", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, `[]`) })

	_, err := c.DataModels.List(context.WithValue(context.Background(), ctxKey{}, "caller's value"), nil)
	require.NoError(t, err)
	assert.Equal(t, "caller's value", seen.Load())

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.DataModels.List(canceled, nil)
	require.ErrorIs(t, err, context.Canceled)

	var nilCtx context.Context
	_, err = c.DataModels.List(nilCtx, nil)
	var ve *ws.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ctx", ve.Field)
}
