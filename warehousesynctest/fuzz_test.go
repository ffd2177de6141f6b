package warehousesynctest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/engine"
)

// FuzzHandler sends arbitrary requests to the whole fake (API, token endpoint, admin endpoints): an
// arbitrary method, path (under the default workspace, another workspace, or anywhere), query string,
// body, content type and credentials. The fake must never panic, never answer a 5xx that no fault
// caused, always answer an error in the documented envelope (the token endpoint in Auth0's), answer a
// success with a body the client's types decode, never show a stored secret, and leave its state as it
// was after every rejected request.
//
//	go test ./warehousesynctest -run '^$' -fuzz '^FuzzHandler$' -fuzztime 60s
func FuzzHandler(f *testing.F) {
	srv := NewServer(f)
	token := getToken(f, srv)
	for _, s := range fuzzHandlerSeeds {
		f.Add(s.method, s.path, s.query, s.body, s.flags)
	}
	f.Fuzz(func(t *testing.T, method, path, query, body string, flags uint8) {
		srv.ClearFaults()
		fuzzSeedState(t, srv, token)
		req := fuzzRequest(srv, token, method, path, query, body, flags)
		before, allow5xx := fuzzSnapshot(srv)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		after, _ := fuzzSnapshot(srv)
		fuzzCheckReply(t, req, rec, allow5xx)
		if rec.Code >= 400 && before != after {
			t.Fatalf("%s %s?%s answered %d but changed the state:\nbefore %s\nafter  %s",
				req.Method, req.URL.Path, req.URL.RawQuery, rec.Code, before, after)
		}
	})
}

// fuzzHandlerSeed is one seed of FuzzHandler. flags: bits 0-1 pick where path goes (0: under the default
// workspace, 1: under another workspace, 2: the token endpoint, 3: as is), bits 2-3 the credentials (0:
// the valid token, 1: none, 2: a wrong token, 3: HTTP Basic with the client credentials), bit 4 a form
// content type instead of JSON.
type fuzzHandlerSeed struct {
	method, path, query, body string
	flags                     uint8
}

// fuzzHandlerSeeds cover every route, valid and invalid bodies, and the admin endpoints.
var fuzzHandlerSeeds = []fuzzHandlerSeed{
	{"GET", "connections", "", "", 0},
	{"GET", "connections", "serviceProvider=Snowflake", "", 0},
	{"GET", "connections", "serviceProvider=Oracle", "", 0},
	{"POST", "connections", "", `{"id":"c2","name":"C","state":"active","service_provider":"Databricks","config":{"provider":"o","schema":"s"}}`, 0},
	{"POST", "connections", "", `{"id":"c3","name":"C","state":"active","service_provider":"Redshift","config":{"database":"d","host":"h","user":"u","password":"pw","aws_iam_role_arn":"a","port":"70000"}}`, 0},
	{"PUT", "connections/conn", "", `{"id":"conn","name":"C","state":"active","service_provider":"Snowflake","config":{"password":"************"}}`, 0},
	{"DELETE", "connections/conn", "", "", 0},
	{"GET", "connections/conn", "", "", 1},
	{"GET", "data-models/model", "", "", 0},
	{"POST", "data-models", "", `{"id":"m2","name":"M","state":"active","type":"sql","config":{"sql_query":"SELECT 1; DROP TABLE x"}}`, 0},
	{"PUT", "data-models/model", "", `{"id":"model","name":"M","state":"active","type":"sql","config":{"sql_query":"SELECT a FROM b"}}`, 0},
	{"GET", "inputs/data-pipelines", "", "", 0},
	{"POST", "inputs/data-pipelines", "", `{"id":"p2","name":"P","pipeline_type":"user_attributes","connection_id":"conn","data_model_id":"model","state":"active","environment":"production","sync_mode":{"type":"full","from":"0000-01-01T00:00:00+01:00"},"schedule":{"type":"once","start":"2025-01-01T00:00:00Z"}}`, 0},
	{"PUT", "inputs/data-pipelines/p1", "", `{"name":"P","pipeline_type":"user_attributes","connection_id":"conn","data_model_id":"model","state":"paused","environment":"development","sync_mode":{"type":"incremental","iterator_field":"u","iterator_data_type":"timestamp"},"schedule":{"type":"interval","frequency":"hourly","start":"2025-01-01T00:00:00Z","delay":"101y"}}`, 0},
	{"POST", "inputs/data-pipelines/trigger", "", `{"pipeline_id":"p1"}`, 0},
	{"POST", "inputs/data-pipelines/trigger", "", `{"pipeline_id":"ghost"}`, 4},
	{"GET", "inputs/data-pipelines/p1/report", "", "", 0},
	{"GET", "inputs/data-pipelines/p1/runs", "currentPage=2147483647&pageSize=1000&startDate=0000-01-01T00:00:00%2B01:00", "", 0},
	{"GET", "inputs/data-pipelines/p1/runs", "startDate=2025-01-02T00:00:00Z&endDate=2025-01-01T00:00:00Z", "", 0},
	{"GET", "inputs/data-pipelines/p1/runs/1", "", "", 0},
	{"GET", "inputs/data-pipelines/p1/runs/-9223372036854775808", "", "", 8},
	{"PATCH", "inputs/data-pipelines/p1", "", "{", 0},
	{"POST", "connections", "", strings.Repeat("[", 100000), 0},
	{"POST", "", "", `{"client_id":"fake-client-id","client_secret":"fake-client-secret","grant_type":"client_credentials"}`, 2},
	{"POST", "", "", `client_id=fake-client-id&client_secret=wrong&grant_type=client_credentials`, 2 | 16},
	{"POST", "", "", `{"grant_type":"client_credentials"}`, 2 | 12},
	{"GET", "", "", "", 2},
	{"GET", "_fake/clock", "", "", 3},
	{"POST", "_fake/clock/advance", "", `{"by":"90m"}`, 3},
	{"POST", "_fake/clock/advance", "", `{"to":"2024-01-01T00:00:00Z"}`, 3},
	{"POST", "_fake/faults", "", `{"path":"/connections","status":418}`, 3},
	{"PUT", "_fake/workspaces/12345/data-models/model/records", "", `[{"a":1e400}]`, 3},
	{"POST", "_fake/workspaces/12345/inputs/data-pipelines/p1/fail-next-runs", "", `{"n":"x"}`, 3},
	{"GET", "platform/v2/workspaces/a%2Fb/connections", "", "", 3},
	{"GET", "favicon.ico", "", "", 3},
}

// fuzzSeedState makes sure the default workspace has a Snowflake connection "conn", a data model
// "model" and an active on-demand pipeline "p1" (a fuzzed reset or delete may have removed them).
func fuzzSeedState(t *testing.T, srv *Server, token string) {
	t.Helper()
	srv.mu.Lock()
	hasConn := srv.eng.HasConnection(srv.WorkspaceID(), "conn")
	hasModel := srv.eng.HasDataModel(srv.WorkspaceID(), "model")
	_, hasPipe := srv.eng.Pipeline(srv.WorkspaceID(), "p1")
	srv.mu.Unlock()
	send := func(path string, body obj) {
		req := httptest.NewRequest(http.MethodPost, apiPrefix+srv.WorkspaceID()+path, bytes.NewReader(mustJSON(t, body)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("seeding %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	if !hasConn {
		send("/connections", snowflakeBody("conn"))
	}
	if !hasModel {
		send("/data-models", dataModelBody("model"))
	}
	if !hasPipe {
		p := pipelineBody("p1", "conn", "model")
		p["schedule"] = obj{"type": "on_demand"}
		send("/inputs/data-pipelines", p)
	}
}

// fuzzRequest builds the request of one fuzz input.
func fuzzRequest(srv *Server, token, method, path, query, body string, flags uint8) *http.Request {
	var p string
	switch flags & 3 {
	case 0:
		p = apiPrefix + srv.WorkspaceID() + "/" + path
	case 1:
		p = apiPrefix + "other-workspace/" + path
	case 2:
		p = "/oauth/token"
	default:
		p = "/" + path
	}
	req := &http.Request{
		Method:        method,
		URL:           &url.URL{Path: p, RawQuery: query},
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          "fuzz.invalid",
		RequestURI:    p,
	}
	switch (flags >> 2) & 3 {
	case 0:
		req.Header.Set("Authorization", "Bearer "+token)
	case 2:
		req.Header.Set("Authorization", "Bearer not-"+token)
	case 3:
		id, secret := srv.Credentials()
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
	}
	if flags&16 != 0 {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// fuzzSnapshot describes everything a request may change, except the request log, and says whether a
// 5xx is allowed (an installed fault or an unreachable warehouse can cause one).
func fuzzSnapshot(srv *Server) (string, bool) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var b strings.Builder
	put := func(label string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			j = []byte(err.Error())
		}
		fmt.Fprintf(&b, "%s=%s\n", label, j)
	}
	allow5xx := len(srv.faults) > 0
	put("now", srv.clock.Now())
	next, pending := srv.eng.NextEvent()
	put("next", fmt.Sprint(next, pending))
	put("tokens", len(srv.tokens))
	for _, f := range srv.faults {
		put("fault", fmt.Sprintf("%+v left %d", f.Fault, f.left))
	}
	for _, id := range sortedKeys(srv.workspaces) {
		w := srv.eng.Resources(id)
		if len(w.Connections)+len(w.DataModels)+len(w.Unreachable)+len(w.Invalid)+len(w.Records)+len(w.SQLSources) == 0 &&
			!srv.eng.HasPipelines(id) && w.FieldTransformations == nil {
			continue // created by a request that only looked: the same as no workspace
		}
		allow5xx = allow5xx || len(w.Unreachable) > 0
		put("workspace", id)
		put("connections", w.Connections)
		put("models", w.DataModels)
		put("unreachable", w.Unreachable)
		put("invalid", w.Invalid)
		put("sources", append(slices.Sorted(maps.Keys(w.Records)), w.SQLSources...))
		put("transformations", w.FieldTransformations)
		for _, p := range srv.eng.Pipelines(id) {
			put("pipeline", p) // its status and errors included
			put("runs", srv.eng.ListRuns(id, p.ID, engine.RunQuery{PageSize: engine.MaxPageSize}))
		}
	}
	return b.String(), allow5xx
}

// fuzzCheckReply checks one answer of the fake.
func fuzzCheckReply(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder, allow5xx bool) {
	t.Helper()
	what := fmt.Sprintf("%q %q?%q", req.Method, req.URL.Path, req.URL.RawQuery)
	body := rec.Body.Bytes()
	if rec.Code >= 500 && !allow5xx {
		t.Fatalf("%s: %d without a fault: %s", what, rec.Code, body)
	}
	for _, secret := range []string{"sf-secret-password", DefaultClientSecret} {
		if bytes.Contains(body, []byte(secret)) {
			t.Fatalf("%s: the answer shows a secret: %s", what, body)
		}
	}
	if rec.Code == http.StatusNoContent {
		if len(body) != 0 {
			t.Fatalf("%s: 204 with a body: %s", what, body)
		}
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: %d with Content-Type %q", what, rec.Code, ct)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	switch {
	case rec.Code >= 400 && req.URL.Path == "/oauth/token":
		var e oauthError
		if err := dec.Decode(&e); err != nil || e.Error == "" || e.Description == "" {
			t.Fatalf("%s: %d is not an OAuth error {error, error_description} (%v): %s", what, rec.Code, err, body)
		}
	case rec.Code >= 400:
		var e errorBody
		if err := dec.Decode(&e); err != nil || e.StatusCode != rec.Code || len(e.Errors) == 0 {
			t.Fatalf("%s: %d is not the error envelope with that statusCode (%v): %s", what, rec.Code, err, body)
		}
		for _, d := range e.Errors {
			if d.Message == "" || d.Code != "" {
				t.Fatalf("%s: an error entry without a message: %s", what, body)
			}
		}
	case rec.Code >= 300:
		t.Fatalf("%s: the fake never answers %d: %s", what, rec.Code, body)
	default:
		if !json.Valid(body) {
			t.Fatalf("%s: %d with a body that is not JSON: %s", what, rec.Code, body)
		}
		if v := fuzzResponseType(req); v != nil {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("%s: the client cannot decode the %d answer: %v\n%s", what, rec.Code, err, body)
			}
		}
	}
}

// fuzzResponseType returns a value of the client type that a successful answer to req decodes into,
// or nil for answers the client does not read (admin, token).
func fuzzResponseType(req *http.Request) any {
	_, segs, isAPI := splitAPIPath(req.URL.Path)
	if !isAPI {
		return nil
	}
	switch strings.Join(segs, "/") {
	case "connections":
		if req.Method == http.MethodGet {
			return new([]*ws.Connection)
		}
		return new(ws.Connection)
	case "data-models":
		if req.Method == http.MethodGet {
			return new([]*ws.DataModel)
		}
		return new(ws.DataModel)
	case "inputs/data-pipelines":
		if req.Method == http.MethodGet {
			return new([]*ws.Pipeline)
		}
		return new(ws.Pipeline)
	case "inputs/data-pipelines/trigger":
		return new(ws.TriggerResponse)
	}
	switch {
	case len(segs) == 2 && segs[0] == "connections":
		return new(ws.Connection)
	case len(segs) == 2 && segs[0] == "data-models":
		return new(ws.DataModel)
	case len(segs) == 3:
		return new(ws.Pipeline)
	case len(segs) == 4 && segs[3] == "report":
		return new(ws.Report)
	case len(segs) == 4 && segs[3] == "runs":
		return new(ws.RunPage)
	case len(segs) == 5:
		return new(ws.Run)
	}
	return nil
}

// TestFuzzFoundTimestampsOutsideTheWritableYears: the fake accepted timestamps that lie before 0000 or
// after 9999 once in UTC and wrote them back as "-0001-12-31T23:00:00.000Z", which no client decodes
// (found by FuzzHandler).
func TestFuzzFoundTimestampsOutsideTheWritableYears(t *testing.T) {
	t.Parallel()
	_, a := newAPI(t)
	a.seedBasics()
	for field, value := range map[string]string{"from": "0000-01-01T00:00:00+01:00", "until": "9999-12-31T23:30:00-01:00"} {
		body := pipelineBody("p-"+field, "conn", "model")
		delete(body["sync_mode"].(obj), "from")
		body["sync_mode"].(obj)[field] = value
		status, raw := a.do(http.MethodPost, "/inputs/data-pipelines", body)
		require.Equal(t, http.StatusBadRequest, status, string(raw))
		assert.Contains(t, decodeError(t, status, raw)[0], "sync_mode."+field+": ")
	}
	status, raw := a.do(http.MethodGet, "/inputs/data-pipelines/ghost/runs?startDate=0000-01-01T00:00:00%2B01:00", nil)
	assert.Equal(t, http.StatusNotFound, status, string(raw), "the pipeline is checked first")
	a.must(http.StatusOK, http.MethodPost, "/inputs/data-pipelines", pipelineBody("p", "conn", "model"), nil)
	status, raw = a.do(http.MethodGet, "/inputs/data-pipelines/p/runs?startDate=0000-01-01T00:00:00%2B01:00", nil)
	require.Equal(t, http.StatusBadRequest, status, string(raw))
	assert.Contains(t, decodeError(t, status, raw)[0], "startDate: ")
}

// TestFuzzFoundAdvanceOverflow: an advance by a whole number of days or weeks longer than a
// time.Duration wrapped around and moved the clock by a wrong amount, or claimed to move it backwards.
func TestFuzzFoundAdvanceOverflow(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, by := range []string{"106752d", "15251w", "2147483647d"} {
		status, raw := admin(t, srv, http.MethodPost, "clock/advance", `{"by":"`+by+`"}`)
		require.Equal(t, http.StatusBadRequest, status, string(raw))
		assert.Contains(t, decodeError(t, status, raw)[0], "is too long", by)
		assert.Equal(t, DefaultStartTime(), srv.Now(), "a refused advance moves nothing")
	}
	status, raw := admin(t, srv, http.MethodPost, "clock/advance", `{"by":"106751d"}`)
	require.Equal(t, http.StatusOK, status, string(raw))
	assert.Equal(t, DefaultStartTime().Add(106751*24*time.Hour), srv.Now())
}

// TestFuzzFoundClockPastYear9999: the manual clock could move past year 9999, after which every
// timestamp the fake wrote ("10000-01-01T…") was one no client decodes.
func TestFuzzFoundClockPastYear9999(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	last := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	status, raw := admin(t, srv, http.MethodPost, "clock/advance", `{"to":"9999-12-31T23:59:59Z"}`)
	require.Equal(t, http.StatusOK, status, string(raw))
	status, raw = admin(t, srv, http.MethodPost, "clock/advance", `{"by":"1s"}`)
	require.Equal(t, http.StatusBadRequest, status, string(raw))
	assert.Contains(t, decodeError(t, status, raw)[0], "cannot move past 9999-12-31T23:59:59.999999999Z")
	require.Error(t, srv.Advance(time.Second))
	require.Error(t, srv.AdvanceTo(last.Add(time.Hour)))
	assert.Equal(t, last, srv.Now(), "refusals move nothing")
	require.NoError(t, srv.Advance(999*time.Millisecond), "the last instant itself is allowed")
}

// TestRequestLogMasksSecretKeysInAnyCase: the token endpoint decodes its JSON body as encoding/json
// does, ignoring the case of keys, so {"Client_Secret": …} authenticates; the request log masked only
// the lower-case key and showed that secret (found by TestSecretsNeverAppear in the root package).
func TestRequestLogMasksSecretKeysInAnyCase(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, key := range []string{"Client_Secret", "CLIENT_SECRET", "client_ſecret"} {
		status, body := post(t, srv.TokenURL(), "application/json", []byte(`{"client_id":"`+DefaultClientID+
			`","`+key+`":"`+DefaultClientSecret+`","grant_type":"client_credentials","audience":"`+ws.DefaultAudience+`"}`))
		require.Equal(t, http.StatusOK, status, "%s: %s", key, body)
	}
	for _, body := range []string{`{"config":{"Password":"pw-1","SERVICE_ACCOUNT_KEY":"key-1"}}`, `{"Password":"pw-2"`} {
		a := &api{t: t, srv: srv, ws: srv.WorkspaceID(), token: getToken(t, srv)}
		a.do(http.MethodPost, "/connections", body)
	}
	for _, r := range srv.Requests() {
		for _, secret := range []string{DefaultClientSecret, "pw-1", "key-1", "pw-2"} {
			assert.NotContains(t, r.Body, secret, "%s %s", r.Method, r.Path)
		}
	}
}

// FuzzRequestLog sends arbitrary bodies, media types and query strings to the routes that carry secrets
// and checks the request log's allowlist: a kept body parses strictly into its route's shape again, to
// itself, with every secret member masked; the query keeps only documented parameters; and a body or
// query value holding the planted secret never reaches the log unless it sits in a member that is not
// secret (where the API itself would show it).
//
//	go test ./warehousesynctest -run '^$' -fuzz '^FuzzRequestLog$' -fuzztime 20s
func FuzzRequestLog(f *testing.F) {
	srv := NewServer(f)
	token := getToken(f, srv)
	for _, s := range []struct {
		route, mediaType, query, body string
	}{
		{"connections", "application/json", "", `{"id":"c","config":{"password":"S3CRET","password":""}}`},
		{"connections", "application/json", "password=S3CRET", `{"config":{"p\u0061ssword":"S3CRET"}}`},
		{"connections", "application/json", "", `{"config":"{\"password\":\"S3CRET\"}"}`},
		{"connections", "application/json", "", `{"config":{"PASSWORD":"S3CRET"}}`},
		{"connections", "application/json", "", `{"config":{"service_account_key":{"k":"S3CRET"}}}`},
		{"token", "application/json", "client_secret=S3CRET", `{"client_id":"a","client_secret":"S3CRET","Client_Secret":"S3CRET"}`},
		{"token", "application/x-www-form-urlencoded", "", `client_id=a&client_%73ecret=S3CRET&audience=x`},
		{"token", "application/x-www-form-urlencoded", "", `client_id=a;client_secret=S3CRET`},
		{"token", "text/plain", "", `client_secret=S3CRET`},
		{"token", "Application/JSON; Charset=UTF-8", "", `{"client_id":"a","client_secret":"S3cr\u0033T"}`},
		{"token", "application/json", "", "\xef\xbb\xbf{\"client_secret\":\"S3CRET\"}"},
		{"token", "application/json", "", `{"client_secret":{"a":["S3CRET"]},"client_id":1e999999}`},
		{"connections", "application/json", "", `{"config":{"password":["S3CRET"],"service_account_key":{"k":"S3CRET"}}}`},
		{"connections", "application/json", "", `{"name":"n","config":{"password":"S3CRET"}}//`},
		{"connections", "application/x-www-form-urlencoded", "password=S3CRET", `password=S3CRET`},
	} {
		f.Add(s.route, s.mediaType, s.query, s.body)
	}
	f.Fuzz(func(t *testing.T, route, mediaType, query, body string) {
		target, sh := apiPrefix+srv.WorkspaceID()+"/connections", srv.shapes["POST connections"]
		if route == "token" {
			target, sh = tokenPath, tokenShape()
		}
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", mediaType)
		srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
		reqs := srv.Requests()
		last := reqs[len(reqs)-1]
		for k := range last.Query {
			if k != "serviceProvider" {
				t.Fatalf("query parameter %q kept", k)
			}
		}
		if last.Body == "" || strings.Contains(last.Body, "[truncated: ") {
			return
		}
		if route == "token" && loggedMediaType(req) == mediaForm {
			form, err := url.ParseQuery(last.Body)
			if err != nil {
				t.Fatalf("the kept form does not parse: %q", last.Body)
			}
			if v := form.Get("client_secret"); v != "" && v != ws.MaskedSecret {
				t.Fatalf("client_secret kept: %q", last.Body)
			}
			return
		}
		again, _ := walkBody([]byte(last.Body), sh)
		if again != last.Body {
			t.Fatalf("the kept body does not parse into its shape again:\nkept  %s\nagain %s", last.Body, again)
		}
		var v map[string]any
		dec := json.NewDecoder(strings.NewReader(last.Body))
		dec.UseNumber() // a number past float64's range is valid JSON the log may keep
		require.NoError(t, dec.Decode(&v))
		checkMasked(t, v, sh, last.Body)
		for _, kept := range []string{last.Method, last.Path} {
			if strings.Contains(kept, "S3CRET") {
				t.Fatalf("the log keeps the planted secret in %q", kept)
			}
		}
	})
}

// checkMasked fails when a secret member of v holds anything but the mask or "".
func checkMasked(t *testing.T, v map[string]any, sh *shape, logged string) {
	t.Helper()
	for k, x := range v {
		member := sh.members[k]
		switch {
		case member == nil:
			t.Fatalf("member %q is not in the shape: %s", k, logged)
		case member.kind == shapeSecret && x != ws.MaskedSecret && x != "":
			t.Fatalf("secret member %q kept as %v: %s", k, x, logged)
		case member.kind == shapeObject:
			if m, isObject := x.(map[string]any); isObject {
				checkMasked(t, m, member, logged)
			}
		}
	}
}
