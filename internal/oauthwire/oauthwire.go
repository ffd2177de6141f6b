// Package oauthwire holds the JSON bodies of the client-credentials token endpoint (POST /oauth/token),
// shared by the client, which sends a TokenRequest, and the fake server, which reads it and answers with
// a TokenResponse. They are internal: users of the module never build token requests themselves.
package oauthwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// GrantClientCredentials is the only grant type the endpoint serves.
const GrantClientCredentials = "client_credentials"

// TokenRequest is the documented JSON body of a client-credentials token request. ClientSecret is sent
// as it is (the endpoint needs it), but the request prints with it masked in fmt and slog output.
type TokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Audience     string `json:"audience"`
	GrantType    string `json:"grant_type"` // GrantClientCredentials
}

// maskedSecret is what r's client secret prints as: wire.MaskedSecret, or "" when there is none.
func (r TokenRequest) maskedSecret() string {
	if r.ClientSecret == "" {
		return ""
	}
	return wire.MaskedSecret
}

// String prints r with its client secret masked.
func (r TokenRequest) String() string {
	return fmt.Sprintf("{ClientID:%s ClientSecret:%s Audience:%s GrantType:%s}", r.ClientID, r.maskedSecret(), r.Audience, r.GrantType)
}

// GoString prints r with its client secret masked, for %#v.
func (r TokenRequest) GoString() string { return "oauthwire.TokenRequest" + r.String() }

// LogValue makes slog print r with its client secret masked.
func (r TokenRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", r.ClientID), slog.String("client_secret", r.maskedSecret()),
		slog.String("audience", r.Audience), slog.String("grant_type", r.GrantType))
}

// TokenResponse is the body of a successful token response. ExpiresIn, in seconds, decodes from a
// number or a string holding one.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"` // "Bearer"
}

// UnmarshalJSON decodes r, accepting expires_in as a number, a string holding an integer, or null. Its
// errors name the field and the rule, never the value.
func (r *TokenResponse) UnmarshalJSON(b []byte) error {
	type plain TokenResponse
	aux := struct {
		*plain
		ExpiresIn json.RawMessage `json:"expires_in"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	n, err := wire.DecodeInteger(aux.ExpiresIn)
	if err != nil {
		// The field and the rule, never the value: a token endpoint may put anything there.
		return errors.New("expires_in must be a whole number of seconds (a number or a string holding one)")
	}
	r.ExpiresIn = n
	return nil
}
