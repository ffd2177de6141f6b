package oauthwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenResponseDecodes(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int64{
		`{"access_token":"a","expires_in":"28800","token_type":"Bearer"}`: 28800,
		`{"access_token":"a","expires_in":28800,"token_type":"Bearer"}`:   28800,
		`{"access_token":"a","expires_in":3.6e3,"token_type":"Bearer"}`:   3600,
		`{"access_token":"a","expires_in":null,"token_type":"Bearer"}`:    0,
	} {
		var tr TokenResponse
		require.NoError(t, json.Unmarshal([]byte(body), &tr), body)
		assert.Equal(t, TokenResponse{AccessToken: "a", ExpiresIn: want, TokenType: "Bearer"}, tr, body)
	}
	var tr TokenResponse
	assert.Error(t, json.Unmarshal([]byte(`{"expires_in":"soon"}`), &tr))
	// The error names the field and the rule, never the value, which a token endpoint may fill with
	// anything (an echo of the client secret, say).
	err := json.Unmarshal([]byte(`{"expires_in":"the-client-secret"}`), &tr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "expires_in")
	assert.NotContains(t, err.Error(), "client-secret")
}

func TestTokenRequestSendsButNeverPrintsTheSecret(t *testing.T) {
	t.Parallel()
	req := TokenRequest{ClientID: "id", ClientSecret: "s3cret", Audience: "aud", GrantType: GrantClientCredentials}
	b, err := json.Marshal(req)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"client_secret":"s3cret"`, "the endpoint gets the real secret")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", req, req, req, req), "s3cret")
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("token", "req", req)
		assert.NotContains(t, buf.String(), "s3cret")
		assert.Contains(t, buf.String(), "id")
	}
}
