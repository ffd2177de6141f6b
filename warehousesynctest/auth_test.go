package warehousesynctest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/oauthwire"

	ws "github.com/wsync-dev/warehousesync"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithCredentials("my-id", "my-secret"), WithTokenTTL(time.Hour))
	form := func(v url.Values) (int, []byte) {
		return post(t, srv.TokenURL(), "application/x-www-form-urlencoded", []byte(v.Encode()))
	}
	jsonBody := func(v map[string]string) (int, []byte) {
		return post(t, srv.TokenURL(), "application/json", mustJSON(t, v))
	}
	good := map[string]string{"client_id": "my-id", "client_secret": "my-secret", "audience": ws.DefaultAudience, "grant_type": "client_credentials"}

	status, body := jsonBody(good)
	require.Equal(t, http.StatusOK, status, string(body))
	var tr oauthwire.TokenResponse
	require.NoError(t, json.Unmarshal(body, &tr))
	assert.Equal(t, int64(3600), tr.ExpiresIn)
	assert.Equal(t, "Bearer", tr.TokenType)
	assert.GreaterOrEqual(t, len(tr.AccessToken), 32)

	status, body = form(url.Values{"client_id": {"my-id"}, "client_secret": {"my-secret"}, "grant_type": {"client_credentials"},
		"audience": {ws.DefaultAudience}})
	require.Equal(t, http.StatusOK, status, "form-encoded requests work too: %s", body)
	var tr2 oauthwire.TokenResponse
	require.NoError(t, json.Unmarshal(body, &tr2))
	assert.NotEqual(t, tr.AccessToken, tr2.AccessToken, "tokens are random")

	cases := []struct {
		name   string
		edit   func(map[string]string)
		status int
		code   string
	}{
		{"wrong secret", func(m map[string]string) { m["client_secret"] = "nope" }, http.StatusUnauthorized, "access_denied"},
		{"wrong id", func(m map[string]string) { m["client_id"] = "nope" }, http.StatusUnauthorized, "access_denied"},
		{"missing secret", func(m map[string]string) { delete(m, "client_secret") }, http.StatusUnauthorized, "access_denied"},
		{"bad grant type", func(m map[string]string) { m["grant_type"] = "password" }, http.StatusBadRequest, "unsupported_grant_type"},
		{"missing grant type", func(m map[string]string) { delete(m, "grant_type") }, http.StatusBadRequest, "invalid_request"},
		{"other audience", func(m map[string]string) { m["audience"] = "https://example.com" }, http.StatusForbidden, "access_denied"},
		{"missing audience", func(m map[string]string) { delete(m, "audience") }, http.StatusBadRequest, "invalid_request"},
	}
	for _, c := range cases {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		c.edit(m)
		status, body := jsonBody(m)
		require.Equal(t, c.status, status, c.name)
		var e oauthError
		require.NoError(t, json.Unmarshal(body, &e), c.name)
		assert.Equal(t, c.code, e.Error, c.name)
		assert.NotContains(t, string(body), "my-secret", c.name)
	}
	status, body = jsonBody(map[string]string{"client_id": "my-id", "client_secret": "bad", "grant_type": "client_credentials",
		"audience": ws.DefaultAudience})
	require.Equal(t, http.StatusUnauthorized, status)
	assert.JSONEq(t, `{"error":"access_denied","error_description":"Unauthorized"}`, string(body))

	status, _ = post(t, srv.TokenURL(), "application/json", []byte("{not json"))
	assert.Equal(t, http.StatusBadRequest, status)
}

func TestAPIRequiresAValidToken(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t, WithTokenTTL(time.Hour))
	check := func(name, token string, want int) {
		t.Helper()
		resp := a.send(http.MethodGet, a.url("/connections"), nil, token)
		defer resp.Body.Close()
		require.Equal(t, want, resp.StatusCode, name)
		if want == http.StatusUnauthorized {
			var e errorBody
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&e), name)
			assert.Equal(t, http.StatusUnauthorized, e.StatusCode, name)
			require.NotEmpty(t, e.Errors, name)
			assert.True(t, strings.HasPrefix(e.Errors[0].Message, "Unauthorized"), name)
		}
	}
	check("no token", "", http.StatusUnauthorized)
	check("unknown token", "not-a-token", http.StatusUnauthorized)
	check("valid token", a.token, http.StatusOK)
	require.NoError(t, srv.Advance(time.Hour-time.Millisecond))
	check("just before expiry", a.token, http.StatusOK)
	require.NoError(t, srv.Advance(time.Millisecond))
	check("expired on the fake clock", a.token, http.StatusUnauthorized)
	check("a new token works", getToken(t, srv), http.StatusOK)

	// A 401 happens before routing, so unknown paths do not leak which routes exist.
	resp := a.send(http.MethodGet, a.url("/nowhere"), nil, "")
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestTokenFromBasicAuth(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	req, err := http.NewRequest(http.MethodPost, srv.TokenURL(), strings.NewReader("grant_type=client_credentials&audience="+url.QueryEscape(ws.DefaultAudience)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
