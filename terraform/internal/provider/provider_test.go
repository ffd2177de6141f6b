package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// TestSchemasValid checks every schema as the framework does when it serves the provider.
func TestSchemasValid(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, f := range p.Resources(ctx) {
		var resp resource.SchemaResponse
		r := f()
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%T: %v", r, resp.Diagnostics)
		}
		if d := resp.Schema.ValidateImplementation(ctx); d.HasError() {
			t.Errorf("%T: %v", r, d)
		}
	}
	for _, f := range p.DataSources(ctx) {
		var resp datasource.SchemaResponse
		d := f()
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("%T: %v", d, diags)
		}
	}
}

// TestConnectionSchemaFollowsProviderTable checks that every provider of the API's table has a
// nested object whose attributes are its config keys, secrets sensitive, required keys required.
func TestConnectionSchemaFollowsProviderTable(t *testing.T) {
	var m connectionModel
	blocks := m.blocks()
	attrs := connectionAttributes()
	if len(blocks) != len(wire.Providers()) {
		t.Errorf("the model has %d warehouse objects, the provider table %d providers", len(blocks), len(wire.Providers()))
	}
	for _, p := range wire.Providers() {
		if _, ok := blocks[blockName(p)]; !ok {
			t.Errorf("%s: no field in connectionModel", p.Name)
		}
		obj := attrs[blockName(p)]
		if obj == nil {
			t.Fatalf("%s: no attribute %s", p.Name, blockName(p))
		}
		inner := singleNested(t, obj)
		if len(inner) != len(p.Config) {
			t.Errorf("%s: %d attributes, %d config keys", p.Name, len(inner), len(p.Config))
		}
		for _, k := range p.Config {
			a, ok := inner[k.Name]
			if !ok {
				t.Errorf("%s: no attribute %s", p.Name, k.Name)
				continue
			}
			if a.IsSensitive() != k.Secret {
				t.Errorf("%s.%s: sensitive %v, secret %v", p.Name, k.Name, a.IsSensitive(), k.Secret)
			}
			if a.IsRequired() != k.Required {
				t.Errorf("%s.%s: required %v, want %v", p.Name, k.Name, a.IsRequired(), k.Required)
			}
		}
	}
}

func TestValidators(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		v    validator.String
		good []string
		bad  []string
	}{
		{"slug", slugValidator(), []string{"a", "A-b_9", strings.Repeat("x", wire.MaxIDLength)},
			[]string{"", "a b", "é", strings.Repeat("x", wire.MaxIDLength+1)}},
		{"pipeline type", enumValidator(wire.PipelineType), []string{"events", "user_attributes"}, []string{"event", ""}},
		{"schedule type", enumValidator(wire.ScheduleType, wire.ScheduleOnDemandAlias),
			[]string{"interval", "once", "on_demand", "on-demand"}, []string{"on demand", "daily"}},
		{"timestamp", timestampValidator(), []string{"2024-01-01T00:00:00Z", "2024-01-01T02:00:00.5+02:00"},
			[]string{"2024-01-01", "2023-03-01T:12:00:00Z", "2024-01-01T00:00:00", "10000-01-01T00:00:00Z"}},
		{"delay", delayValidator(), []string{"15m", "0s", "1y"}, []string{"15", "1.5h", "-1m", "101y", "15M"}},
		{"duration", durationValidator(), []string{"500ms", "30s"}, []string{"-1s", "soon"}},
		{"non-empty", nonEmptyValidator(), []string{"x"}, []string{""}},
		{"port", portValidator(), []string{"1", "5439", "65535"}, []string{"0", "65536", "port-1", "54 39", "05439", "+5439"}},
	}
	for _, c := range cases {
		check := func(s string) bool {
			var resp validator.StringResponse
			c.v.ValidateString(ctx, validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(s)}, &resp)
			return !resp.Diagnostics.HasError()
		}
		for _, s := range c.good {
			if !check(s) {
				t.Errorf("%s: %q refused", c.name, s)
			}
		}
		for _, s := range c.bad {
			if check(s) {
				t.Errorf("%s: %q accepted", c.name, s)
			}
		}
		var resp validator.StringResponse
		c.v.ValidateString(ctx, validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringUnknown()}, &resp)
		if resp.Diagnostics.HasError() {
			t.Errorf("%s: an unknown value is refused", c.name)
		}
	}
}

func TestNormalizedSemanticEquality(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		kind normKind
		a, b string
		same bool
	}{
		{kindTimestamp, "2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00.000Z", true},
		{kindTimestamp, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.001Z", false},
		{kindScheduleType, "on-demand", "on_demand", true},
		{kindScheduleType, "once", "on_demand", false},
		{kindDelay, "015m", "15m", true},
		{kindDelay, "60m", "1h", false},
		{kindTimestamp, "junk", "junk", true},
		{kindTimestamp, "junk", "2024-01-01T00:00:00Z", false},
	}
	for _, c := range cases {
		a, b := newNormalized(c.kind, c.a), newNormalized(c.kind, c.b)
		got, _ := a.StringSemanticEquals(ctx, b)
		if got != c.same {
			t.Errorf("%q vs %q: semantically equal %v, want %v", c.a, c.b, got, c.same)
		}
	}
	if eq, _ := newNormalized(kindTimestamp, "").StringSemanticEquals(ctx, newNormalized(kindTimestamp, "2024-01-01T00:00:00Z")); eq {
		t.Error("null equals a timestamp")
	}
}

func TestKeepStateSpelling(t *testing.T) {
	ctx := context.Background()
	run := func(config, state types.String) types.String {
		req := planmodifier.StringRequest{ConfigValue: config, StateValue: state, PlanValue: types.StringUnknown()}
		resp := planmodifier.StringResponse{PlanValue: req.PlanValue}
		keepStateSpelling{kind: kindTimestamp}.PlanModifyString(ctx, req, &resp)
		return resp.PlanValue
	}
	utc := types.StringValue("2024-01-01T00:00:00.000Z")
	if got := run(types.StringValue("2024-01-01T02:00:00+02:00"), utc); !got.Equal(utc) {
		t.Errorf("the same instant planned %v, want the state's %v", got, utc)
	}
	other := types.StringValue("2024-01-02T00:00:00Z")
	if got := run(other, utc); got.Equal(utc) {
		t.Errorf("another instant planned as the state's")
	}
	if got := run(types.StringNull(), utc); !got.IsNull() {
		t.Errorf("a value left out planned %v, want null", got)
	}
}

func TestPipelineRules(t *testing.T) {
	base := map[string]string{
		"pipeline_type":                "user_attributes",
		"sync_mode.type":               "incremental",
		"sync_mode.iterator_field":     "updated_at",
		"sync_mode.iterator_data_type": "timestamp",
		"schedule.type":                "interval",
		"schedule.frequency":           "daily",
		"schedule.start":               "2024-01-01T00:00:00Z",
	}
	rules := func(change map[string]string) []string {
		values := map[string]string{}
		for k, v := range base {
			values[k] = v
		}
		for k, v := range change {
			values[k] = v
		}
		get := func(p path.Path) types.String {
			k := strings.ReplaceAll(p.String(), "\"", "")
			v, ok := values[k]
			switch {
			case !ok || v == "<null>":
				return types.StringNull()
			case v == "<unknown>":
				return types.StringUnknown()
			}
			return types.StringValue(v)
		}
		var out []string
		for _, p := range pipelineRules(get) {
			out = append(out, p.path.String())
		}
		return out
	}
	cases := []struct {
		change map[string]string
		want   string
	}{
		{nil, ""},
		{map[string]string{"pipeline_type": "events"}, "field_transformation_id"},
		{map[string]string{"pipeline_type": "events", "field_transformation_id": "ft"}, ""},
		{map[string]string{"pipeline_type": "events", "field_transformation_id": "<unknown>"}, ""},
		{map[string]string{"field_transformation_id": "ft"}, "field_transformation_id"},
		{map[string]string{"sync_mode.iterator_field": "<null>"}, "sync_mode.iterator_field"},
		{map[string]string{"sync_mode.iterator_field": "<unknown>"}, ""},
		{map[string]string{"sync_mode.type": "full", "sync_mode.iterator_field": "<null>", "sync_mode.iterator_data_type": "<null>"}, ""},
		{map[string]string{"sync_mode.from": "2024-02-01T00:00:00Z", "sync_mode.until": "2024-02-01T01:00:00+01:00"}, "sync_mode.until"},
		{map[string]string{"sync_mode.from": "2024-02-01T00:00:00Z", "sync_mode.until": "2024-02-01T00:00:01Z"}, ""},
		{map[string]string{"schedule.type": "<null>"}, "schedule.type"},
		{map[string]string{"schedule.start": "<null>"}, "schedule.start"},
		{map[string]string{"schedule.frequency": "<null>", "schedule.start": "<null>"}, "schedule.frequency,schedule.start"},
		{map[string]string{"schedule.type": "on-demand", "schedule.frequency": "<null>", "schedule.start": "<null>"}, ""},
		{map[string]string{"schedule.end": "2023-12-31T23:00:00Z"}, "schedule.end"},
	}
	for _, c := range cases {
		if got := strings.Join(rules(c.change), ","); got != c.want {
			t.Errorf("%v: broken rules at %q, want %q", c.change, got, c.want)
		}
	}
}

func TestConnectionConversion(t *testing.T) {
	types4 := configAttrTypes(mustProvider(t, "Redshift"))
	obj := types.ObjectValueMust(types4, map[string]attr.Value{
		"database": types.StringValue("dev"), "host": types.StringValue("rs.example.com"),
		"port": types.StringUnknown(), "user": types.StringValue("u"), "password": types.StringValue("pw"),
		"aws_iam_role_arn": types.StringValue("arn:aws:iam::1:role/x"),
	})
	plan := connectionModel{ID: types.StringValue("rs"), Name: types.StringValue("RS"), State: types.StringValue("active"),
		Redshift: obj}
	for name, o := range plan.blocks() {
		if name != "redshift" {
			*o = types.ObjectNull(configAttrTypes(mustProvider(t, providerOf(name))))
		}
	}
	conn, err := plan.toAPI()
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := conn.Redshift()
	if !ok || string(rs.Password) != "pw" || rs.Port != "" || rs.Host != "rs.example.com" {
		t.Fatalf("toAPI: %#v", conn.Config)
	}
	// The API answers with the secret masked and the port filled in.
	read := *conn
	rsRead := *rs
	rsRead.Password, rsRead.Port = ws.MaskedSecret, "5439"
	read.Config, read.Status = &rsRead, ws.ConnectionHealthy
	got, diags := connectionFromAPI(&read, &plan, false)
	if diags.HasError() {
		t.Fatal(diags)
	}
	attrs := got.Redshift.Attributes()
	if attrs["password"].(types.String).ValueString() != "pw" {
		t.Errorf("the secret is %v, want the configured one", attrs["password"])
	}
	if attrs["port"].(types.String).ValueString() != "5439" {
		t.Errorf("port %v, want the API's 5439", attrs["port"])
	}
	if !got.Snowflake.IsNull() || got.ServiceProvider.ValueString() != "Redshift" {
		t.Errorf("other objects or service_provider wrong: %v %v", got.Snowflake, got.ServiceProvider)
	}
	// Without a prior value (an import) the secret is null; for the data source it is the mask.
	imported, _ := connectionFromAPI(&read, nil, false)
	if !imported.Redshift.Attributes()["password"].IsNull() {
		t.Errorf("imported secret %v, want null", imported.Redshift.Attributes()["password"])
	}
	masked, _ := connectionFromAPI(&read, nil, true)
	if masked.Redshift.Attributes()["password"].(types.String).ValueString() != ws.MaskedSecret {
		t.Errorf("data source secret %v, want the mask", masked.Redshift.Attributes()["password"])
	}
	// A setting documented as a string that comes as a number reads as its digits.
	raw := &ws.Connection{ID: "rs", ServiceProvider: ws.ProviderRedshift,
		Config: &ws.RawConfig{Provider: ws.ProviderRedshift, JSON: []byte(`{"database":"dev","port":5439}`)}}
	fromRaw, diags := connectionFromAPI(raw, nil, false)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got := fromRaw.Redshift.Attributes()["port"].(types.String).ValueString(); got != "5439" {
		t.Errorf("a numeric port read as %q, want 5439", got)
	}
	if sp := plannedProvider(&plan); sp.ValueString() != "Redshift" {
		t.Errorf("planned provider %v", sp)
	}
}

func mustProvider(t *testing.T, name string) wire.Provider {
	t.Helper()
	p, ok := wire.LookupProvider(name)
	if !ok {
		t.Fatalf("no provider %s", name)
	}
	return p
}

// providerOf returns the provider name of a block name.
func providerOf(block string) string {
	for _, p := range wire.Providers() {
		if blockName(p) == block {
			return p.Name
		}
	}
	return ""
}

func TestPipelineConversion(t *testing.T) {
	m := pipelineModel{
		ID: types.StringValue("p"), Name: types.StringValue("P"), PipelineType: types.StringValue("user_attributes"),
		ConnectionID: types.StringValue("c"), DataModelID: types.StringValue("m"),
		FieldTransformationID: types.StringNull(), PartnerFeedID: types.Int64Value(7), PartnerFeedKey: types.StringNull(),
		State: types.StringValue("active"), Environment: types.StringValue("production"),
		DataPlanID: types.StringNull(), DataPlanVersion: types.Int64Null(),
		SyncMode: &syncModeModel{Type: types.StringValue("full"), IteratorField: types.StringNull(),
			IteratorDataType: types.StringNull(), From: newNormalized(kindTimestamp, "2024-01-01T02:00:00+02:00"),
			Until: newNormalized(kindTimestamp, "")},
		Schedule: &scheduleModel{Type: newNormalized(kindScheduleType, "on-demand"), Frequency: types.StringNull(),
			Delay: newNormalized(kindDelay, "15m"), Start: newNormalized(kindTimestamp, ""), End: newNormalized(kindTimestamp, "")},
	}
	p, err := m.toAPI()
	if err != nil {
		t.Fatal(err)
	}
	if p.Schedule.Type != ws.ScheduleOnDemand || p.Schedule.Delay.Duration() != 15*time.Minute ||
		!p.SyncMode.From.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || *p.PartnerFeedID != 7 {
		t.Fatalf("toAPI: %+v", p)
	}
	back := pipelineFromAPI(p)
	if back.Schedule.Type.ValueString() != "on_demand" || back.SyncMode.From.ValueString() != "2024-01-01T00:00:00.000Z" ||
		!back.SyncMode.Until.IsNull() || back.PartnerFeedID.ValueInt64() != 7 || !back.DataPlanVersion.IsNull() {
		t.Errorf("fromAPI: %+v %+v", back.Schedule, back.SyncMode)
	}
	if eq, _ := m.SyncMode.From.StringSemanticEquals(context.Background(), back.SyncMode.From); !eq {
		t.Error("the API's spelling of from is not semantically equal to the configured one")
	}
}

func TestRetryPolicy(t *testing.T) {
	p, err := retryPolicy(&retryModel{MaxRetries: types.Int64Value(2), MinWait: types.StringValue("10ms"),
		MaxWait: types.StringValue("1s"), Disabled: types.BoolNull()})
	if err != nil || p.MaxRetries != 2 || p.MinWait != 10*time.Millisecond || p.MaxWait != time.Second || p.Disabled {
		t.Errorf("got %+v, %v", p, err)
	}
	if p, err := retryPolicy(nil); err != nil || p != (ws.RetryPolicy{}) {
		t.Errorf("nil: %+v, %v", p, err)
	}
}

func TestProviderClientSettings(t *testing.T) {
	for _, env := range []string{ws.EnvWorkspaceID, ws.EnvClientID, ws.EnvClientSecret, ws.EnvAPIURL, ws.EnvTokenURL} {
		t.Setenv(env, "")
	}
	p := &wsProvider{version: "test"}
	cfg := providerModel{WorkspaceID: types.StringNull(), ClientID: types.StringValue("id"),
		ClientSecret: types.StringValue("secret"), APIURL: types.StringNull(), TokenURL: types.StringNull()}
	if _, err := p.client(cfg); err == nil || !strings.Contains(err.Error(), "workspace_id") {
		t.Errorf("no workspace id: %v", err)
	}
	t.Setenv(ws.EnvWorkspaceID, "123")
	if _, err := p.client(cfg); err != nil {
		t.Errorf("workspace id from the environment: %v", err)
	}
	cfg.ClientSecret = types.StringNull()
	if _, err := p.client(cfg); err == nil || !strings.Contains(err.Error(), "client_secret") {
		t.Errorf("no secret: %v", err)
	}
	cfg.ClientSecret = types.StringUnknown()
	if _, err := p.client(cfg); err == nil || !strings.Contains(err.Error(), "client_secret") {
		t.Errorf("unknown secret: %v", err)
	}
}

// singleNested returns the attributes of a single nested attribute.
func singleNested(t *testing.T, a any) map[string]interface {
	IsSensitive() bool
	IsRequired() bool
} {
	t.Helper()
	sn, ok := a.(rschema.SingleNestedAttribute)
	if !ok {
		t.Fatalf("%T is not a single nested attribute", a)
	}
	out := map[string]interface {
		IsSensitive() bool
		IsRequired() bool
	}{}
	for k, v := range sn.Attributes {
		out[k] = v
	}
	return out
}

// TestUnconfiguredIsAnError checks that a resource or data source used before the provider is
// configured reports an error instead of failing on a nil client.
func TestUnconfiguredIsAnError(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, f := range p.Resources(ctx) {
		r := f()
		var c resource.CreateResponse
		r.Create(ctx, resource.CreateRequest{}, &c)
		var rd resource.ReadResponse
		r.Read(ctx, resource.ReadRequest{}, &rd)
		var u resource.UpdateResponse
		r.Update(ctx, resource.UpdateRequest{}, &u)
		var d resource.DeleteResponse
		r.Delete(ctx, resource.DeleteRequest{}, &d)
		if !c.Diagnostics.HasError() || !rd.Diagnostics.HasError() || !u.Diagnostics.HasError() || !d.Diagnostics.HasError() {
			t.Errorf("%T: no error without a client", r)
		}
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var resp datasource.ReadResponse
		d.Read(ctx, datasource.ReadRequest{}, &resp)
		if !resp.Diagnostics.HasError() {
			t.Errorf("%T: no error without a client", d)
		}
	}
}
