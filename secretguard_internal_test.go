package warehousesync

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretGuardWithholdsEveryEncoding(t *testing.T) {
	t.Parallel()
	const s = "Sup3r-s3cret/Value+42"
	g := newSecretGuard(s)
	for name, text := range map[string]string{
		"literal":             "bad secret " + s,
		"part":                "starts with Sup3r-s",
		"lower case":          strings.ToLower(s),
		"upper case":          strings.ToUpper(s),
		"percent":             url.QueryEscape(s),
		"percent twice":       url.QueryEscape(url.QueryEscape(s)),
		"percent every byte":  "%53%75%70%33%72%2D",
		"json \\u":            `\u0053\u0075\u0070\u0033\u0072\u002d`,
		"json surrogate-free": `Sup\u0033r-s3c`,
		"stray backslash":     `\` + s,
		"backslash each":      `\S\u\p\3\r\-\s\3\c`,
		"html named":          html.EscapeString("x<" + s + ">"),
		"html numeric":        "&#83;&#x75;&#112;&#51;&#114;&#45;",
		"html of percent":     "Sup3r&#37;2Ds3cret",
		"separators":          "S u p 3 r - s 3 c r e t",
		"zero-width joins":    "Sup\u200b3r\u200b-s3c",
		"fullwidth":           "Ｓｕｐ３ｒ－ｓ３ｃ",
		"hex":                 hex.EncodeToString([]byte(s)),
		"base64":              base64.StdEncoding.EncodeToString([]byte(s)),
		"base64 offset":       base64.StdEncoding.EncodeToString([]byte("x" + s)),
		"kelvin and long s":   "ſup3r-ſ3cret",
	} {
		assert.False(t, g.clean(text), "%s: %q must be withheld", name, text)
	}
	for _, text := range []string{"", "config.warehouse is required", "Pipeline p is already in progress.",
		"Sup3r", "Value", "the access token has expired; request a new one."} {
		assert.True(t, g.clean(text), "%q shares no run of 6 characters with the secret", text)
	}
	// Split across two texts: each alone is clean, together they are not.
	assert.True(t, g.clean("Sup3r"))
	assert.True(t, g.clean("-s3cr"))
	assert.False(t, g.cleanAll("Sup3r", "-s3cr"))
}

func TestSecretGuardShortSecretsAndNone(t *testing.T) {
	t.Parallel()
	g := newSecretGuard("", "pw1")
	assert.False(t, g.clean("the password was PW1!"))
	assert.True(t, g.clean("the password was pw2"))
	assert.True(t, newSecretGuard().clean("anything at all"))
	assert.True(t, newSecretGuard("").empty())
}

func TestRedirectOrigin(t *testing.T) {
	t.Parallel()
	check := checkRedirect(nil, []string{"the-client-secret"})
	req := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u, Header: http.Header{"Authorization": {"Bearer the-access-token"}}}
	}
	from := []*http.Request{req("https://api.example.com/platform/v2/workspaces/1/connections")}
	for _, same := range []string{"https://api.example.com/other", "https://API.example.com:443/x", "HTTPS://api.example.com/y"} {
		assert.NoError(t, check(req(same), from), same)
	}
	for _, other := range []string{
		"http://api.example.com/x",      // a downgrade
		"https://api.example.com:8443/", // another port
		"https://evil.example.com/x",    // another host
		"https://api.example.com.evil.example/",
	} {
		err := check(req(other), from)
		assert.ErrorIs(t, err, ErrRedirectRefused, other)
		assert.Contains(t, err.Error(), "https://api.example.com/platform/v2/workspaces/1/connections")
	}
	err := check(req("https://the-access-token.evil.example/the-client-secret?q=the-client-secret"), from)
	var re *redirectError
	assert.True(t, errors.As(err, &re))
	assert.NotContains(t, err.Error(), "access-token")
	assert.NotContains(t, err.Error(), "client-secret")
	assert.Contains(t, err.Error(), "withheld")

	err = check(req("https://evil.example/the-client-secret"), from)
	assert.Contains(t, err.Error(), "https://evil.example (its path is withheld")

	hops := make([]*http.Request, maxRedirects)
	for i := range hops {
		hops[i] = from[0]
	}
	assert.EqualError(t, check(req("https://api.example.com/z"), hops), "stopped after 10 redirects")
}

// A call's guard is built once and shared by its checks, and built again when a later attempt sends
// another token (a resend after a 401): that token is guarded too.
func TestCallGuardIsSharedAndCoversEveryTokenSent(t *testing.T) {
	t.Parallel()
	c, err := NewClient("ws", WithBearerToken("fixed-token-1"))
	require.NoError(t, err)
	a := &attempt{Context: context.Background()}
	send := func(authorization string) {
		req, err := http.NewRequestWithContext(a, http.MethodGet, "https://api.example.com/", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", authorization)
		c.beforeAttempt(nil, req, 0)
	}
	send("Bearer AAAAAAAA11")
	g := c.guard(a)
	assert.Same(t, g, c.guard(a), "one guard per call")
	assert.False(t, g.clean("AAAAAAAA11"))
	assert.True(t, g.clean("ZZZZZZZZ99"))
	send("Bearer ZZZZZZZZ99")
	assert.False(t, c.guard(a).clean("ZZZZZZZZ99"), "a token a later attempt sent is guarded")
	assert.False(t, c.guard(a).clean("AAAAAAAA11"))
	assert.False(t, c.guard(a).clean("fixed-token-1"))
}
