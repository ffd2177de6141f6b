package warehousesynctest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/contract"
	"github.com/wsync-dev/warehousesync/internal/oauthwire"
)

// pathParam is a named path parameter of the description, such as {connectionId}.
var pathParam = regexp.MustCompile(`\{[^}/]+\}`)

// TestRoutesMatchTheDescription fails when the fake serves an API operation the OpenAPI description
// does not describe, or the description has one the fake does not serve. The admin routes under
// /_fake/ are the fake's own and not part of the API.
func TestRoutesMatchTheDescription(t *testing.T) {
	t.Parallel()
	doc, err := contract.Load()
	require.NoError(t, err)
	var described []string
	for _, r := range contract.Routes(doc) {
		described = append(described, r.Method+" "+pathParam.ReplaceAllString(r.Path, "{}"))
	}
	sort.Strings(described)
	served := routeTable()
	assert.Contains(t, served, "POST /oauth/token")
	assert.Contains(t, served, "GET /platform/v2/workspaces/{}/inputs/data-pipelines/{}/runs/{}")
	for _, r := range served {
		assert.NotContains(t, r, "/_fake", "admin routes are not API routes")
	}
	assert.Subset(t, described, served, "served by the fake but missing from api/openapi.yaml")
	assert.Subset(t, served, described, "described in api/openapi.yaml but not served by the fake")
	assert.Equal(t, described, served)
}

// A ruleCase is one request of TestValidationRulesMatchTheDescription, sent in a workspace of its own
// after the seed requests.
type ruleCase struct {
	name   string
	seed   []seedRequest
	method string
	path   string // relative to the workspace root; /oauth/token for the token endpoint
	query  string
	body   obj
}

// seedRequest is a request a ruleCase needs done first; it must succeed.
type seedRequest struct {
	method, path string
	body         obj
}

// proseOnlyRules are the rules the fake enforces that OpenAPI 3.0 cannot state: the description allows
// the request and says the rule in prose. Each is identified by words of the fake's message. The test
// fails when the fake refuses a request the description allows for a reason not listed here, and when
// an entry is never needed.
var proseOnlyRules = []struct{ rule, message string }{
	{"the id of a PUT body, when sent, equals the path's", "does not match the id in the path"},
	{"service_provider cannot change on PUT", "cannot change from"},
	{"sync_mode.from cannot change on PUT", "cannot be changed after the pipeline is created"},
	{"sync_mode.until is after sync_mode.from", "must be after sync_mode.from"},
	{"schedule.end is after schedule.start", "must be after schedule.start"},
	{"events pipelines need field_transformation_id", "is required for events pipelines"},
	{"user_attributes pipelines have no field_transformation_id", "must be left out for user_attributes pipelines"},
	{"connection_id, data_model_id and the trigger's pipeline_id name existing resources", "' not found."},
	{"creating an id that exists is a 400", "already exists."},
	{"a create sends real secrets, never the mask", "is the mask"},
	{"sql_query is a single SELECT query", "must be a single SELECT query"},
	{"at most 5 pipelines are active in a workspace", "pipelines may be active in a workspace"},
	{"only an active pipeline can be triggered", "only an active pipeline can be triggered"},
	{"the runs list's endDate is not before its startDate", "must not be before startDate"},
	{"the token endpoint knows the client and its secret (401)", "access_denied: Unauthorized"},
}

// lenientRules are the requests the description forbids that the fake accepts, each a documented
// convention or a recorded difference from mParticle's documentation.
var lenientRules = []struct {
	rule  string
	match func(c ruleCase, mutation string) bool
}{
	{"an optional member sent as \"\" counts as absent (the description's conventions)",
		func(_ ruleCase, mutation string) bool { return mutation == mutEmptyAsAbsent }},
	{"a PUT body without id (or with null) takes the path's id (the description's conventions)",
		func(c ruleCase, mutation string) bool {
			return c.method == http.MethodPut && (mutation == "id absent" || mutation == "id null")
		}},
}

// mutEmptyAsAbsent names an empty-string mutation of a member whose absence both sides accept.
const mutEmptyAsAbsent = "empty string where absent is fine"

// mutations are the values every member of a base body is replaced with, in turn; mutAbsent removes it.
var mutations = []struct {
	name  string
	value any
}{
	{"absent", mutAbsent{}}, {"null", nil}, {"empty string", ""}, {"number 0", 0}, {"number -1", -1},
	{"boolean", true}, {"object", obj{}}, {"array", []any{}}, {"string of digits", "7"}, {"string 0", "0"},
	{"not a slug", "not a slug!"}, {"129 characters", strings.Repeat("a", 129)}, {"port 65536", "65536"},
}

// mutAbsent marks a mutation that removes the member.
type mutAbsent struct{}

// ruleBases are the valid requests whose every member TestValidationRulesMatchTheDescription mutates.
func ruleBases() []ruleCase {
	basics := []seedRequest{
		{http.MethodPost, "/connections", snowflakeBody("conn")},
		{http.MethodPost, "/data-models", dataModelBody("model")},
	}
	redshift := redshiftBody("rs")
	redshift["config"].(obj)["port"] = "5439"
	events := pipelineBody("p1", "conn", "model")
	events["pipeline_type"], events["field_transformation_id"] = "events", "ft"
	events["partner_feed_id"], events["partner_feed_key"] = 7, "feed-key"
	events["data_plan_id"], events["data_plan_version"] = "plan", 2
	events["sync_mode"].(obj)["until"] = "2024-06-01T00:00:00Z"
	events["schedule"].(obj)["delay"], events["schedule"].(obj)["end"] = "15m", "2026-01-01T00:00:00Z"
	full := pipelineBody("p2", "conn", "model")
	full["sync_mode"] = obj{"type": "full", "iterator_field": "updated_on", "iterator_data_type": "date"}
	full["schedule"] = obj{"type": "once", "frequency": "daily", "start": "2025-01-01T00:00:00Z"}
	onDemand := pipelineBody("p1", "conn", "model")
	onDemand["schedule"] = obj{"type": "on_demand"}
	withPipeline := append(append([]seedRequest(nil), basics...), seedRequest{http.MethodPost, "/inputs/data-pipelines", onDemand})
	return []ruleCase{
		{name: "create Snowflake connection", method: http.MethodPost, path: "/connections", body: snowflakeBody("c1")},
		{name: "create BigQuery connection", method: http.MethodPost, path: "/connections", body: bigQueryBody("c1")},
		{name: "create Redshift connection", method: http.MethodPost, path: "/connections", body: redshift},
		{name: "create Databricks connection", method: http.MethodPost, path: "/connections", body: databricksBody("c1")},
		{name: "update connection", seed: basics, method: http.MethodPut, path: "/connections/conn", body: snowflakeBody("conn")},
		{name: "create data model", method: http.MethodPost, path: "/data-models", body: dataModelBody("m1")},
		{name: "update data model", seed: basics, method: http.MethodPut, path: "/data-models/model", body: dataModelBody("model")},
		{name: "create events pipeline", seed: basics, method: http.MethodPost, path: "/inputs/data-pipelines", body: events},
		{name: "create full pipeline", seed: basics, method: http.MethodPost, path: "/inputs/data-pipelines", body: full},
		{name: "update pipeline", seed: withPipeline, method: http.MethodPut, path: "/inputs/data-pipelines/p1", body: onDemand},
		{name: "trigger", seed: withPipeline, method: http.MethodPost, path: "/inputs/data-pipelines/trigger", body: obj{"pipeline_id": "p1"}},
		{name: "token", method: http.MethodPost, path: tokenPath, body: obj{
			"client_id": defaultClientIDForRules, "client_secret": defaultSecretForRules,
			"audience": ws.DefaultAudience, "grant_type": "client_credentials"}},
	}
}

// The credentials of the servers of TestValidationRulesMatchTheDescription.
const (
	defaultClientIDForRules = "rules-client"
	defaultSecretForRules   = "rules-secret"
)

// ruleCrossChecks are the rules that involve more than one member or the stored state, each a request
// the fake refuses; most are prose-only rules.
func ruleCrossChecks() []ruleCase {
	basics := []seedRequest{
		{http.MethodPost, "/connections", snowflakeBody("conn")},
		{http.MethodPost, "/data-models", dataModelBody("model")},
	}
	pipe := func(edit func(p obj)) obj {
		p := pipelineBody("p1", "conn", "model")
		edit(p)
		return p
	}
	withPipeline := append(append([]seedRequest(nil), basics...), seedRequest{http.MethodPost, "/inputs/data-pipelines", pipe(func(obj) {})})
	paused := append(append([]seedRequest(nil), basics...), seedRequest{http.MethodPost, "/inputs/data-pipelines",
		pipe(func(p obj) { p["state"] = "paused" })})
	var five []seedRequest
	five = append(five, basics...)
	for i := range 5 {
		five = append(five, seedRequest{http.MethodPost, "/inputs/data-pipelines", pipelineBody(fmt.Sprintf("a%d", i), "conn", "model")})
	}
	mask := snowflakeBody("c1")
	mask["config"].(obj)["password"] = ws.MaskedSecret
	return []ruleCase{
		{name: "until before from", seed: basics, method: http.MethodPost, path: "/inputs/data-pipelines",
			body: pipe(func(p obj) { p["sync_mode"].(obj)["until"] = "2023-01-01T00:00:00Z" })},
		{name: "end before start", seed: basics, method: http.MethodPost, path: "/inputs/data-pipelines",
			body: pipe(func(p obj) { p["schedule"].(obj)["end"] = "2024-12-31T00:00:00Z" })},
		{name: "service_provider changed on PUT", seed: basics, method: http.MethodPut, path: "/connections/conn", body: bigQueryBody("conn")},
		{name: "PUT id differs from the path's", seed: basics, method: http.MethodPut, path: "/data-models/model", body: dataModelBody("other")},
		{name: "from changed on PUT", seed: withPipeline, method: http.MethodPut, path: "/inputs/data-pipelines/p1",
			body: pipe(func(p obj) { p["sync_mode"].(obj)["from"] = "2024-02-01T00:00:00Z" })},
		{name: "events without field transformation", seed: basics, method: http.MethodPost, path: "/inputs/data-pipelines",
			body: pipe(func(p obj) { p["pipeline_type"] = "events" })},
		{name: "user_attributes with field transformation", seed: basics, method: http.MethodPost, path: "/inputs/data-pipelines",
			body: pipe(func(p obj) { p["field_transformation_id"] = "ft" })},
		{name: "unknown connection", seed: basics, method: http.MethodPost, path: "/inputs/data-pipelines",
			body: pipe(func(p obj) { p["connection_id"] = "nope" })},
		{name: "id that exists", seed: basics, method: http.MethodPost, path: "/connections", body: snowflakeBody("conn")},
		{name: "mask in a create", method: http.MethodPost, path: "/connections", body: mask},
		{name: "SQL that is not a SELECT", method: http.MethodPost, path: "/data-models",
			body: obj{"id": "m", "name": "m", "state": "active", "type": "sql", "config": obj{"sql_query": "DELETE FROM t"}}},
		{name: "a sixth active pipeline", seed: five, method: http.MethodPost, path: "/inputs/data-pipelines", body: pipe(func(obj) {})},
		{name: "trigger a paused pipeline", seed: paused, method: http.MethodPost, path: "/inputs/data-pipelines/trigger",
			body: obj{"pipeline_id": "p1"}},
		{name: "endDate before startDate", seed: withPipeline, method: http.MethodGet, path: "/inputs/data-pipelines/p1/runs",
			query: "startDate=2024-02-01T00:00:00Z&endDate=2024-01-01T00:00:00Z"},
		{name: "runs pageSize above 1000", seed: withPipeline, method: http.MethodGet, path: "/inputs/data-pipelines/p1/runs",
			query: "pageSize=1001"},
		{name: "runs currentPage 0", seed: withPipeline, method: http.MethodGet, path: "/inputs/data-pipelines/p1/runs",
			query: "currentPage=0"},
		{name: "runs startDate not a date-time", seed: withPipeline, method: http.MethodGet, path: "/inputs/data-pipelines/p1/runs",
			query: "startDate=yesterday"},
		{name: "unknown serviceProvider filter", method: http.MethodGet, path: "/connections", query: "serviceProvider=Oracle"},
		{name: "token with another audience", method: http.MethodPost, path: tokenPath, body: obj{
			"client_id": defaultClientIDForRules, "client_secret": defaultSecretForRules,
			"audience": "https://api.example.com", "grant_type": "client_credentials"}},
		{name: "token with another grant", method: http.MethodPost, path: tokenPath, body: obj{
			"client_id": defaultClientIDForRules, "client_secret": defaultSecretForRules,
			"audience": ws.DefaultAudience, "grant_type": "password"}},
	}
}

// leaves lists the dotted paths of every member of o, objects included, in a stable order.
func leaves(o obj, prefix string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(o)) {
		p := prefix + k
		out = append(out, p)
		if sub, isObj := o[k].(obj); isObj {
			out = append(out, leaves(sub, p+".")...)
		}
	}
	return out
}

// mutate returns a copy of o with the member at path replaced by v (removed for mutAbsent).
func mutate(o obj, path string, v any) obj {
	out := clone(o)
	parts := strings.Split(path, ".")
	parent := out
	for _, p := range parts[:len(parts)-1] {
		parent = parent[p].(obj)
	}
	if _, remove := v.(mutAbsent); remove {
		delete(parent, parts[len(parts)-1])
	} else {
		parent[parts[len(parts)-1]] = v
	}
	return out
}

// valueAt is the member of o at a dotted path.
func valueAt(o obj, path string) any {
	var v any = o
	for _, p := range strings.Split(path, ".") {
		v = v.(obj)[p]
	}
	return v
}

// ruleVerdict is what the fake and the description say about one request.
type ruleVerdict struct {
	refused   bool
	messages  []string
	forbidden error
}

// judge runs c in a new server (so no case sees another's state) and checks it against the description.
func judge(t *testing.T, validate func(*http.Request, []byte) error, c ruleCase, body obj) ruleVerdict {
	t.Helper()
	srv := NewServer(t, WithCredentials(defaultClientIDForRules, defaultSecretForRules))
	token := getTokenInProcess(t, srv)
	root := apiPrefix + srv.WorkspaceID()
	for _, s := range c.seed {
		status, b := inProcess(t, srv, s.method, root+s.path, token, mustJSON(t, s.body))
		require.Less(t, status, 300, "seed %s %s: %s", s.method, s.path, b)
	}
	target := root + c.path
	if c.path == tokenPath {
		target, token = tokenPath, ""
	}
	if c.query != "" {
		target += "?" + c.query
	}
	var raw []byte
	if body != nil {
		raw = mustJSON(t, body)
	}
	status, answer := inProcess(t, srv, c.method, target, token, raw)
	require.True(t, status < 300 || status == http.StatusBadRequest || status == http.StatusUnauthorized ||
		status == http.StatusForbidden || status == http.StatusNotFound, "%s: status %d: %s", c.name, status, answer)
	v := ruleVerdict{refused: status >= 300, forbidden: validate(describedRequest(t, c.method, target, token, raw), raw)}
	if v.refused {
		v.messages = refusalMessages(answer)
	}
	return v
}

// getTokenInProcess gets a token from srv's handler.
func getTokenInProcess(t *testing.T, srv *Server) string {
	t.Helper()
	id, secret := srv.Credentials()
	status, b := inProcess(t, srv, http.MethodPost, tokenPath, "", mustJSON(t, obj{
		"client_id": id, "client_secret": secret, "audience": ws.DefaultAudience, "grant_type": "client_credentials"}))
	require.Equal(t, http.StatusOK, status, string(b))
	var tr oauthwire.TokenResponse
	require.NoError(t, json.Unmarshal(b, &tr))
	return tr.AccessToken
}

// TestValidationRulesMatchTheDescription holds the fake's validation to api/openapi.yaml both ways. Every
// member of a valid request of each operation is replaced in turn by values of every JSON kind (absent,
// null, "", numbers, objects, non-slugs, over-long strings, …), and the cross-member and stateful rules
// get a request each; for every request, a refusal by the fake must be a request the description
// forbids, or a rule of proseOnlyRules, and a request the description forbids must be refused by the
// fake, or be one of lenientRules.
func TestValidationRulesMatchTheDescription(t *testing.T) {
	t.Parallel()
	doc, err := loadDescription()
	require.NoError(t, err)
	validate := contract.RequestValidator(doc)
	proseUsed := make([]bool, len(proseOnlyRules))
	lenientUsed := make([]bool, len(lenientRules))
	rulesBothWays := map[string]bool{} // "<operation> <member>: <mutation>" refused by both
	check := func(c ruleCase, mutation string, v ruleVerdict) {
		t.Helper()
		what := fmt.Sprintf("%s %s, %s", c.method, c.path, mutation)
		switch {
		case v.refused && v.forbidden != nil:
			rulesBothWays[what] = true
		case v.refused:
			for _, msg := range v.messages {
				i := slices.IndexFunc(proseOnlyRules, func(r struct{ rule, message string }) bool { return strings.Contains(msg, r.message) })
				if assert.GreaterOrEqual(t, i, 0, "%s (%s): the fake refuses it (%q) but api/openapi.yaml allows it: "+
					"state the rule in the schema, or in prose and in proseOnlyRules", what, c.name, msg) {
					proseUsed[i] = true
				}
			}
		case v.forbidden != nil:
			i := slices.IndexFunc(lenientRules, func(r struct {
				rule  string
				match func(ruleCase, string) bool
			}) bool {
				return r.match(c, mutation)
			})
			if assert.GreaterOrEqual(t, i, 0, "%s (%s): api/openapi.yaml forbids it (%v) but the fake accepts it",
				what, c.name, v.forbidden) {
				lenientUsed[i] = true
			}
		}
	}
	cases := 0
	for _, base := range ruleBases() {
		v := judge(t, validate, base, base.body)
		require.False(t, v.refused, "%s: the base request is refused: %v", base.name, v.messages)
		require.NoError(t, v.forbidden, "%s: the base request does not match the description", base.name)
		for _, path := range leaves(base.body, "") {
			absentAccepted := false
			for _, m := range mutations {
				mutation := path + " " + m.name
				if m.name == "absent" {
					mutation = path + " absent"
				}
				v := judge(t, validate, base, mutate(base.body, path, m.value))
				cases++
				if m.name == "absent" {
					absentAccepted = !v.refused
				}
				if m.name == "empty string" && absentAccepted && !v.refused {
					mutation = mutEmptyAsAbsent
				}
				check(base, mutation, v)
			}
			unknown := path + ".x_unknown_member"
			if _, isObj := valueAt(base.body, path).(obj); isObj {
				v := judge(t, validate, base, mutate(base.body, unknown, 1))
				cases++
				assert.True(t, v.refused && v.forbidden != nil, "%s: an unknown member is refused by both: %v %v", unknown, v.messages, v.forbidden)
			}
		}
		v = judge(t, validate, base, mutate(base.body, "x_unknown_member", obj{"any": "thing"}))
		cases++
		if base.path == tokenPath { // OAuth 2.0: a token request's unknown parameters are ignored
			assert.False(t, v.refused || v.forbidden != nil, "%s: an unknown member is accepted by both: %v %v", base.name, v.messages, v.forbidden)
			continue
		}
		assert.True(t, v.refused && v.forbidden != nil, "%s: an unknown member is refused by both: %v %v", base.name, v.messages, v.forbidden)
	}
	for _, c := range ruleCrossChecks() {
		v := judge(t, validate, c, c.body)
		cases++
		assert.True(t, v.refused, "%s: the fake accepts it", c.name)
		check(c, c.name, v)
	}
	for i, used := range proseUsed {
		assert.True(t, used, "proseOnlyRules[%d] (%s) is never needed: the description states it, or no request tries it", i, proseOnlyRules[i].rule)
	}
	for i, used := range lenientUsed {
		assert.True(t, used, "lenientRules[%d] (%s) is never needed", i, lenientRules[i].rule)
	}
	t.Logf("%d requests; %d refused by both the fake and the description; %d prose-only rules; %d lenient rules",
		cases, len(rulesBothWays), len(proseOnlyRules), len(lenientRules))
}
