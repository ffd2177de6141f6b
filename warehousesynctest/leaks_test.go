package warehousesynctest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ws "github.com/wsync-dev/warehousesync"
)

// plantedSecret is what the hostile requests below put where a secret goes.
const plantedSecret = "S3cr3tQZ9v"

// hostileRequest is one request that carries plantedSecret somewhere the API takes a secret, or
// somewhere the API takes nothing at all.
type hostileRequest struct {
	name, method, target, contentType, body string
	header                                  http.Header
	auth                                    bool // send a valid bearer token
	// echo: the secret sits where an answer may name it back to its sender (a member's name, the value
	// of a member that is not secret, the method, the path, the media type); the request log still
	// must not keep it, unless scalar: it is the value of a member that is not secret, which the log
	// keeps as the API would show it.
	echo, scalar bool
}

// hostileRequests returns requests that carry plantedSecret in every encoding and place the tester
// could think of: the token endpoint and the API, JSON and forms and other media types, escapes, nesting,
// query strings, headers, methods and paths the API does not have.
func hostileRequests(wsID string) []hostileRequest {
	const s = plantedSecret
	escaped := `S3cr\u0033t\u0051Z9v`
	token := func(secret string) string {
		return `{"client_id":"` + DefaultClientID + `","client_secret":` + secret +
			`,"audience":"` + ws.DefaultAudience + `","grant_type":"client_credentials"}`
	}
	conn := func(config string) string {
		return `{"id":"c1","name":"n","state":"active","service_provider":"snowflake","config":` + config + `}`
	}
	sf := func(pw string) string {
		return `{"account_identifier":"a","warehouse":"w","database":"d","role":"r","user":"u","password":` + pw +
			`,"storage_integration":"si"}`
	}
	bq := func(key string) string {
		return `{"project_id":"p","dataset_id":"d","region":"us","service_account_id":"x","service_account_key":` + key + `}`
	}
	gz := func(b string) string {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write([]byte(b))
		_ = w.Close()
		return buf.String()
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("client_secret", s)
	_ = mw.Close()
	api := apiPrefix + wsID
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	reqs := []hostileRequest{
		{name: "token query", method: "POST", target: tokenPath + "?client_secret=" + s, contentType: mediaJSON, body: token(`"x"`)},
		{name: "token escaped value", method: "POST", target: tokenPath, contentType: mediaJSON, body: token(`"` + escaped + `"`)},
		{name: "token escaped key", method: "POST", target: tokenPath, contentType: mediaJSON, body: `{"client_\u0073ecret":"` + s + `"}`},
		{name: "token BOM", method: "POST", target: tokenPath, contentType: mediaJSON, body: "\xEF\xBB\xBF" + token(`"`+s+`"`)},
		{name: "token comment", method: "POST", target: tokenPath, contentType: mediaJSON, body: "/*x*/" + token(`"`+s+`"`)},
		{name: "token NaN", method: "POST", target: tokenPath, contentType: mediaJSON, body: `{"client_id":NaN,"client_secret":"` + s + `"}`},
		{name: "token huge number", method: "POST", target: tokenPath, contentType: mediaJSON, body: `{"client_id":1e999999,"client_secret":"` + s + `"}`},
		{name: "token nested secret", method: "POST", target: tokenPath, contentType: mediaJSON, body: token(`{"a":["` + s + `"]}`)},
		{name: "token array", method: "POST", target: tokenPath, contentType: mediaJSON, body: `[` + token(`"`+s+`"`) + `]`},
		{name: "token twice", method: "POST", target: tokenPath, contentType: mediaJSON, body: `{"client_secret":"` + s + `","client_secret":""}`},
		{name: "token case", method: "POST", target: tokenPath, contentType: mediaJSON, body: `{"Client_Secret":"` + s + `"}`},
		{name: "token secret as key", method: "POST", target: tokenPath, contentType: mediaJSON, body: `{"` + s + `":"x"}`},
		{name: "token content type case", method: "POST", target: tokenPath, contentType: "Application/JSON; Charset=UTF-8", body: token(`"` + s + `"`)},
		{name: "token form", method: "POST", target: tokenPath, contentType: mediaForm, body: "client_id=a&client_secret=" + s},
		{name: "token form escaped key", method: "POST", target: tokenPath, contentType: mediaForm, body: "client_%73ecret=" + s},
		{name: "token form twice", method: "POST", target: tokenPath, contentType: mediaForm, body: "client_secret=" + s + "&client_secret=x"},
		{name: "token form semicolon", method: "POST", target: tokenPath, contentType: mediaForm, body: "client_secret=" + s + ";a=b"},
		{name: "token form secret as key", method: "POST", target: tokenPath, contentType: mediaForm, body: s + "=1"},
		{name: "token form grant type", echo: true, scalar: true, method: "POST", target: tokenPath, contentType: mediaForm, body: "grant_type=" + s},
		{name: "token multipart", method: "POST", target: tokenPath, contentType: mw.FormDataContentType(), body: mp.String()},
		{name: "token gzip", method: "POST", target: tokenPath, contentType: mediaJSON, body: gz(token(`"` + s + `"`)), header: h("Content-Encoding", "gzip")},
		{name: "token text", method: "POST", target: tokenPath, contentType: "text/plain", body: "client_secret=" + s},
		{name: "token GET body", method: "GET", target: tokenPath + "?client_secret=" + s, contentType: mediaJSON, body: token(`"` + s + `"`)},
		{name: "token basic", method: "POST", target: tokenPath, contentType: mediaJSON, body: `{"audience":"x"}`, header: h("Authorization", "Basic "+s)},
		{name: "token content type param", method: "POST", target: tokenPath, contentType: "application/json; secret=" + s, body: token(`"x"`)},
		{name: "token other content type", echo: true, method: "POST", target: tokenPath, contentType: "application/" + s, body: token(`"x"`)},
		{name: "token sub path", echo: true, method: "POST", target: tokenPath + "/" + s, contentType: mediaJSON, body: token(`"` + s + `"`)},

		{name: "api escaped password", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(sf(`"` + escaped + `"`)), auth: true},
		{name: "api escaped key", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(`{"p\u0061ssword":"` + s + `"}`), auth: true},
		{name: "api nested password", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(sf(`{"x":{"y":["` + s + `"]}}`)), auth: true},
		{name: "api number password", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(sf(`1` + strings.Repeat("0", 30))), auth: true},
		{name: "api key object", method: "POST", target: api + "/connections", contentType: mediaJSON, body: strings.Replace(conn(bq(`{"private_key":"`+s+`"}`)), "snowflake", "bigquery", 1), auth: true},
		{name: "api key string", method: "POST", target: api + "/connections", contentType: mediaJSON, body: strings.Replace(conn(bq(`"{\"private_key\":\"`+s+`\"}"`)), "snowflake", "bigquery", 1), auth: true},
		{name: "api twice", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(`{"password":"` + s + `","password":""}`), auth: true},
		{name: "api secret as key twice", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(`{"` + s + `":"x","` + s + `":"y"}`), auth: true},
		{name: "api secret as top-level key", method: "POST", target: api + "/data-models", contentType: mediaJSON, body: `{"id":"m","` + s + `":1}`, auth: true},
		{name: "api case", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(`{"PassWord":"` + s + `"}`), auth: true},
		{name: "api secret as key", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(`{"` + s + `":"x"}`), auth: true},
		{name: "api config string", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(`"{\"password\":\"` + s + `\"}"`), auth: true},
		{name: "api config array", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(`[{"password":"` + s + `"}]`), auth: true},
		{name: "api BOM", method: "POST", target: api + "/connections", contentType: mediaJSON, body: "\xEF\xBB\xBF" + conn(sf(`"`+s+`"`)), auth: true},
		{name: "api comment", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(sf(`"`+s+`"`)) + "//", auth: true},
		{name: "api NaN", method: "POST", target: api + "/connections", contentType: mediaJSON, body: `{"x":NaN,"config":{"password":"` + s + `"}}`, auth: true},
		{name: "api gzip", method: "POST", target: api + "/connections", contentType: mediaJSON, body: gz(conn(sf(`"` + s + `"`))), header: h("Content-Encoding", "gzip"), auth: true},
		{name: "api form", method: "POST", target: api + "/connections", contentType: mediaForm, body: "password=" + s, auth: true},
		{name: "api multipart", method: "POST", target: api + "/connections", contentType: mw.FormDataContentType(), body: mp.String(), auth: true},
		{name: "api query", echo: true, method: "GET", target: api + "/connections?password=" + s + "&serviceProvider=" + s, auth: true},
		{name: "api query name", method: "GET", target: api + "/connections?" + s + "=1", auth: true},
		{name: "api GET body", method: "GET", target: api + "/connections", contentType: mediaJSON, body: `{"password":"` + s + `"}`, auth: true},
		{name: "api DELETE body", method: "DELETE", target: api + "/connections/c1", contentType: mediaJSON, body: `{"password":"` + s + `"}`, auth: true},
		{name: "api trigger", method: "POST", target: api + "/inputs/data-pipelines/trigger", contentType: mediaJSON, body: `{"pipeline_id":"p","password":"` + s + `"}`, auth: true},
		{name: "api headers", method: "GET", target: api + "/connections", auth: true,
			header: h("Cookie", "session="+s, "X-Api-Key", s, "Proxy-Authorization", s, "X-"+s, "1")},
		{name: "api bad token", method: "POST", target: api + "/connections", contentType: mediaJSON, body: conn(sf(`"` + s + `"`)), header: h("Authorization", "Bearer "+s)},
		{name: "api no token", method: "POST", target: api + "/connections?password=" + s, contentType: mediaJSON, body: conn(sf(`"` + s + `"`))},
		{name: "api method", echo: true, method: s, target: api + "/connections", auth: true},
		{name: "api content type param", method: "POST", target: api + "/connections", contentType: "application/json; p=" + s, body: conn(sf(`"x"`)), auth: true},
		{name: "api unknown path", echo: true, method: "GET", target: api + "/connections/c1/" + s, auth: true},
		{name: "api unknown root", echo: true, method: "GET", target: "/" + s + "/x", auth: true},
		{name: "api unknown prefix", echo: true, method: "GET", target: "/platform/v2/" + s, auth: true},
	}
	// Creates and updates the API takes, each with the secret where it belongs, and a read back.
	valid := func(id string, body obj, secretKey string, secret any) string {
		body["id"] = id
		body["config"].(obj)[secretKey] = secret
		b, _ := json.Marshal(body)
		return string(b)
	}
	reqs = append(reqs,
		hostileRequest{name: "valid snowflake", method: "POST", target: api + "/connections", contentType: mediaJSON,
			body: valid("v1", snowflakeBody(""), "password", s), auth: true},
		hostileRequest{name: "valid redshift", method: "POST", target: api + "/connections", contentType: mediaJSON,
			body: valid("v2", redshiftBody(""), "password", s), auth: true},
		hostileRequest{name: "valid bigquery", method: "POST", target: api + "/connections", contentType: mediaJSON,
			body: valid("v3", bigQueryBody(""), "service_account_key", `{"type":"service_account","private_key":"`+s+`"}`), auth: true},
		hostileRequest{name: "valid update", method: "PUT", target: api + "/connections/v1", contentType: mediaJSON,
			body: valid("v1", snowflakeBody(""), "password", s+"2"), auth: true},
		hostileRequest{name: "read back", method: "GET", target: api + "/connections", auth: true},
		hostileRequest{name: "read one", method: "GET", target: api + "/connections/v3", auth: true},
	)
	return reqs
}

// send serves one hostile request in process and returns the response body.
func (hr hostileRequest) send(t *testing.T, srv *Server, token string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, hr.target, strings.NewReader(hr.body))
	req.Method = hr.method
	for k, vs := range hr.header {
		req.Header[k] = vs
	}
	if hr.contentType != "" {
		req.Header.Set("Content-Type", hr.contentType)
	}
	if hr.auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec.Body.String()
}

// leaked reports whether text holds the planted secret, or a run of 6 of its characters in any case.
func leaked(text string) bool {
	lower := strings.ToLower(text)
	s := strings.ToLower(plantedSecret)
	for i := 0; i+6 <= len(s); i++ {
		if strings.Contains(lower, s[i:i+6]) {
			return true
		}
	}
	return false
}

// TestHostileRequestsLeakNoSecret sends the planted secret in every encoding and place of
// hostileRequests, and checks that it never reaches the request log (Requests, LatestRequests, GET
// /_fake/requests, fmt and slog of every Request) nor the fake's answers.
func TestHostileRequestsLeakNoSecret(t *testing.T) {
	t.Parallel()
	for _, lenient := range []bool{false, true} {
		var opts []Option
		if lenient {
			opts = append(opts, WithLenientBodies())
		}
		srv := NewServer(t, opts...)
		token := getToken(t, srv)
		for _, hr := range hostileRequests(srv.WorkspaceID()) {
			answer := hr.send(t, srv, token)
			if !hr.echo && leaked(answer) {
				t.Errorf("lenient=%v %s: the answer shows the secret: %s", lenient, hr.name, answer)
			}
			last := srv.LatestRequests(1)[0]
			var text bytes.Buffer
			_ = json.NewEncoder(&text).Encode(last)
			fmt.Fprintf(&text, "%v %+v %#v", last, last, last)
			slog.New(slog.NewJSONHandler(&text, nil)).Info("r", "r", last)
			if !hr.scalar && leaked(text.String()) {
				t.Errorf("lenient=%v %s: the log shows the secret: %s", lenient, hr.name, text.String())
			}
		}
		snap, err := srv.Snapshot()
		if err != nil || leaked(string(snap)) {
			t.Errorf("lenient=%v: the snapshot (%v) shows the secret: %s", lenient, err, snap)
		}
		if !strings.Contains(string(snap), `"v3"`) {
			t.Errorf("lenient=%v: the valid creates were refused: %s", lenient, snap)
		}
		if _, state := admin(t, srv, http.MethodGet, "state", ""); leaked(string(state)) {
			t.Errorf("lenient=%v: GET /_fake/state shows the secret", lenient)
		}
	}
}

// TestRequestLogShowsOnlyTheAPIsWordsAndIds: the log kept the method and the path of any request as
// sent, so a secret put in either (a method is any token, a path any text) was shown. It now keeps a
// standard method or "other", and of a path the route's segments and ids, or of a path that matches no
// route the words of the API's paths and their typos, each other segment as {?}.
func TestRequestLogShowsOnlyTheAPIsWordsAndIds(t *testing.T) {
	t.Parallel()
	srv, a := newAPI(t)
	for _, c := range []struct{ method, target, method2, path string }{
		{"GET", "/connections/c1", "GET", "/connections/c1"},
		{"GET", "/connections/a%20b", "GET", "/connections/{?}"},
		{"GET", "/conections", "GET", "/conections"},
		{"GET", "/connections/c1/" + plantedSecret, "GET", "/connections/{?}/{?}"},
		{"BREW", "/connections", "other", "/connections"},
		{"GET", "/inputs/data-pipelines/p-1/runs/7", "GET", "/inputs/data-pipelines/p-1/runs/7"},
	} {
		req, err := http.NewRequest(c.method, a.url(c.target), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+a.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		last := srv.LatestRequests(1)[0]
		if last.Method != c.method2 || last.Path != c.path {
			t.Errorf("%s %s: logged %s %s, want %s %s", c.method, c.target, last.Method, last.Path, c.method2, c.path)
		}
	}
	for target, want := range map[string]string{"/" + plantedSecret + "/x": "/{?}/{?}",
		"/oauth/token/" + plantedSecret: "/oauth/token/{?}", "/platform/v2/" + plantedSecret: "/platform/v2/{?}"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
		if got := srv.LatestRequests(1)[0].Path; got != want {
			t.Errorf("%s: logged %s, want %s", target, got, want)
		}
	}
}

// TestTokenRefusalsQuoteLittle: the token endpoint quoted a refused grant_type or audience whole, so a
// 60 KB value came back whole; it now quotes the first 40 or 60 bytes.
func TestTokenRefusalsQuoteLittle(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	long := strings.Repeat("g", 60_000)
	for _, body := range []string{
		`{"client_id":"a","client_secret":"b","audience":"` + ws.DefaultAudience + `","grant_type":"` + long + `"}`,
		`{"client_id":"a","client_secret":"b","audience":"` + long + `","grant_type":"client_credentials"}`,
	} {
		answer := hostileRequest{method: "POST", target: tokenPath, contentType: mediaJSON, body: body}.send(t, srv, "")
		if len(answer) > 300 || !strings.Contains(answer, "ggg") {
			t.Errorf("the answer quotes %d bytes: %.200s", len(answer), answer)
		}
	}
}
