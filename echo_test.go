package warehousesync_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// Servers that echo the secrets a request carried, in the encodings that once got through.

// echoTokenClient returns a client whose token endpoint answers status with header and body.
func echoTokenClient(t *testing.T, status int, header http.Header, body string) *ws.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		writeJSON(w, status, body)
	}))
	t.Cleanup(srv.Close)
	c, _ := credentialsClient(t, &tokenServer{url: srv.URL + "/oauth/token"})
	return c
}

// assertHidesSecret checks that nothing err shows (its text, %+v, the APIError's fields) holds a run of
// 6 characters of secret, in any case.
func assertHidesSecret(t *testing.T, err error, secret string) {
	t.Helper()
	require.Error(t, err)
	texts := []string{err.Error(), fmt.Sprintf("%+v", err)}
	var apiErr *ws.APIError
	if errors.As(err, &apiErr) {
		texts = append(texts, apiErr.Status, string(apiErr.Body), apiErr.RateLimitScope, strings.Join(apiErr.Messages, ""))
	}
	low := strings.ToLower(secret)
	for _, text := range texts {
		text = strings.ToLower(text)
		for i := 0; i+6 <= len(low); i++ {
			if strings.Contains(text, low[i:i+6]) {
				t.Fatalf("%q shows %q of the secret", text, low[i:i+6])
			}
		}
	}
}

func TestTokenErrorsWithholdTheSecretInEveryEncoding(t *testing.T) {
	t.Parallel()
	s := testClientSecret
	for name, body := range map[string]string{
		"percent":     `{"error":"invalid_client","error_description":"got client_secret=` + url.QueryEscape(s) + `&x"}`,
		"split":       `{"errors":[{"message":"got ` + s[:8] + `"},{"message":"` + s[8:] + ` end"}]}`,
		"lower case":  `{"message":"bad ` + strings.ToLower(s) + `"}`,
		"html":        `<p>bad &#99;&#108;ient-secret-` + html.EscapeString(s[14:]) + `</p>`,
		"stray \\":    `{"message":"\` + s + `"}`,
		"\\u escapes": `{"message":"\u0063\u006c\u0069ent-secret-Zq8v"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := echoTokenClient(t, http.StatusUnauthorized, nil, body).Connections.List(context.Background(), nil)
			require.ErrorIs(t, err, ws.ErrUnauthorized)
			assertHidesSecret(t, err, s)
			assert.Contains(t, err.Error(), "withheld")
		})
	}
}

func TestTokenErrorWithholdsAllMessagesOrNone(t *testing.T) {
	t.Parallel()
	_, err := echoTokenClient(t, http.StatusUnauthorized, nil,
		`{"errors":[{"message":"unknown app"},{"message":"bad `+testClientSecret+`"}]}`).Connections.List(context.Background(), nil)
	var apiErr *ws.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Len(t, apiErr.Messages, 1, "all messages are withheld: a part of the secret may be in any of them")
	assert.Contains(t, apiErr.Messages[0], "withheld")
	assert.Nil(t, apiErr.Body, "the body holds the secret")
	assert.Equal(t, "401 Unauthorized", apiErr.Status, "a clean reason phrase is kept")

	_, err = echoTokenClient(t, http.StatusUnauthorized, nil,
		`{"errors":[{"message":"unknown app"}]}`).Connections.List(context.Background(), nil)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"unknown app"}, apiErr.Messages, "clean messages are shown")
	assert.NotEmpty(t, apiErr.Body)
}

func TestTokenReasonPhraseEchoingTheSecretIsReplaced(t *testing.T) {
	t.Parallel()
	ft := &fuzzTransport{status: http.StatusBadRequest, reason: strings.ToUpper(fuzzSecret), body: []byte(`{}`)}
	c, err := ws.NewClient("ws-1", ws.WithBaseURL("http://fuzz.invalid"), ws.WithTokenURL("http://fuzz.invalid/oauth/token"),
		ws.WithClientCredentials("fuzz-id", fuzzSecret), ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}),
		ws.WithHTTPClient(&http.Client{Transport: ft}))
	require.NoError(t, err)
	_, err = c.Pipelines.Get(context.Background(), "p")
	assertHidesSecret(t, err, fuzzSecret)
	assert.Contains(t, err.Error(), "400 Bad Request")
}

func TestTokenDecodeErrorNamesTheFieldNotTheValue(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"access_token":"a","expires_in":"` + testClientSecret + `"}`,
		`{"access_token":"a","expires_in":` + testClientSecret + `}`,
		`{"access_token":"a","expires_in":"` + strings.Repeat("9", 30) + `"}`,
	} {
		_, err := echoTokenClient(t, http.StatusOK, nil, body).Connections.List(context.Background(), nil)
		assertHidesSecret(t, err, testClientSecret)
		assert.Contains(t, err.Error(), "decoding response")
		if strings.Contains(body, `"9999`) {
			assert.Contains(t, err.Error(), "expires_in")
			assert.NotContains(t, err.Error(), "9999999999")
		}
	}
}

func TestRateLimitScopeIsOneOfTheDocumentedValues(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]string{
		"workspace": "workspace", "Org": "org", " acceleration ": "acceleration",
		testToken: "", "workspace " + testToken: "", "other": "",
	} {
		c := failWith(t, http.StatusTooManyRequests, http.Header{"X-Mp-Rate-Limit-Exceeded": {header}}, `{}`)
		_, err := c.Connections.List(context.Background(), nil)
		var apiErr *ws.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, want, apiErr.RateLimitScope, header)
		assertHidesSecret(t, err, testToken)
	}
}

func TestAPIErrorEchoingTheAuthorizationHeaderHidesTheToken(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, `{"errors":[{"message":"token `+url.QueryEscape(r.Header.Get("Authorization"))+` may not do this"}]}`)
	})
	mux.HandleFunc("/connections/c", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":"c","created_on":"`+r.Header.Get("Authorization")+`"}`)
	})
	_, err := c.Connections.List(context.Background(), nil)
	require.ErrorIs(t, err, ws.ErrForbidden)
	assertHidesSecret(t, err, testToken)

	_, err = c.Connections.Get(context.Background(), "c")
	assertHidesSecret(t, err, testToken)
	assert.Contains(t, err.Error(), "decoding response")
}
