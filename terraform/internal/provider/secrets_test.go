package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
)

// everyAttribute calls f with the path and value of every attribute of a schema's Attributes map,
// nested ones included (read by reflection: the provider, resource and data source schemas are
// different types).
func everyAttribute(prefix string, attrs reflect.Value, f func(string, any)) {
	iter := attrs.MapRange()
	for iter.Next() {
		name := prefix + iter.Key().String()
		a := iter.Value().Interface()
		f(name, a)
		v := reflect.ValueOf(a)
		if v.Kind() == reflect.Struct {
			if nested := v.FieldByName("Attributes"); nested.IsValid() && nested.Kind() == reflect.Map {
				everyAttribute(name+".", nested, f)
			}
		}
	}
}

// allSchemaAttributes calls f for every attribute of the provider's, its resources' and its data
// sources' schemas.
func allSchemaAttributes(t *testing.T, f func(string, any)) {
	ctx := context.Background()
	p := New("test")()
	var presp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &presp)
	everyAttribute("provider.", reflect.ValueOf(presp.Schema.Attributes), f)
	for _, rf := range p.Resources(ctx) {
		var resp resource.SchemaResponse
		r := rf()
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		everyAttribute(reflect.TypeOf(r).Elem().Name()+".", reflect.ValueOf(resp.Schema.Attributes), f)
	}
	for _, df := range p.DataSources(ctx) {
		var resp datasource.SchemaResponse
		d := df()
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		everyAttribute(reflect.TypeOf(d).Elem().Name()+".", reflect.ValueOf(resp.Schema.Attributes), f)
	}
}

// TestValidatorsNeverQuoteTheValue: in Terraform a value is sensitive, not an attribute (a sensitive
// variable may set any attribute), so no validator of any attribute may quote the value it refuses,
// in any shape of mistake.
func TestValidatorsNeverQuoteTheValue(t *testing.T) {
	const secret = "Sup3rS3cret"
	values := []string{
		secret, " " + secret, secret + "!", "é" + secret, strings.Repeat(secret, 20), "2024-01-01T00:00:00" + secret,
		"2024-13-01T00:00:00Z" + secret, "99999" + secret, "-1" + secret, secret + "ms", "on-" + secret,
	}
	checked := 0
	allSchemaAttributes(t, func(name string, a any) {
		sv, ok := a.(interface{ StringValidators() []validator.String })
		if !ok {
			return
		}
		for _, v := range sv.StringValidators() {
			for _, s := range values {
				var resp validator.StringResponse
				v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(s)}, &resp)
				for _, d := range resp.Diagnostics {
					text := strings.ToLower(d.Summary() + " " + d.Detail())
					for i := 0; i+5 <= len(secret); i++ {
						if strings.Contains(text, strings.ToLower(secret[i:i+5])) {
							t.Errorf("%s: a validator quotes the value it refuses: %s", name, d.Detail())
							return
						}
					}
				}
				checked++
			}
		}
	})
	if checked == 0 {
		t.Fatal("no validator was found")
	}
}

// TestConversionErrorsNeverQuoteTheValue: a value unknown at plan time is known only at apply, after
// the validators ran: converting it must not quote it either.
func TestConversionErrorsNeverQuoteTheValue(t *testing.T) {
	const secret = "Sup3rS3cret"
	for _, c := range []struct {
		name string
		set  func(m *pipelineModel)
	}{
		{"from", func(m *pipelineModel) { m.SyncMode.From = newNormalized(kindTimestamp, secret) }},
		{"until", func(m *pipelineModel) { m.SyncMode.Until = newNormalized(kindTimestamp, "2024-01-01T00:00:00"+secret) }},
		{"start", func(m *pipelineModel) { m.Schedule.Start = newNormalized(kindTimestamp, secret) }},
		{"delay", func(m *pipelineModel) { m.Schedule.Delay = newNormalized(kindDelay, "15"+secret) }},
	} {
		m := pipelineModel{
			SyncMode: &syncModeModel{Type: types.StringValue("full"), From: newNormalized(kindTimestamp, ""), Until: newNormalized(kindTimestamp, "")},
			Schedule: &scheduleModel{Type: newNormalized(kindScheduleType, "once"), Delay: newNormalized(kindDelay, ""),
				Start: newNormalized(kindTimestamp, ""), End: newNormalized(kindTimestamp, "")},
		}
		c.set(&m)
		_, err := m.toAPI()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if strings.Contains(strings.ToLower(err.Error()), "sup3r") {
			t.Errorf("%s: the error quotes the value: %v", c.name, err)
		}
	}
}

// TestProviderURLErrorsNeverQuoteTheURL: a password in an API or token URL's user info (or anywhere in
// a URL that does not parse) never reaches a diagnostic, and user info is refused even when the URL
// parses.
func TestProviderURLErrorsNeverQuoteTheURL(t *testing.T) {
	const secret = "Sup3rS3cret"
	p := &wsProvider{version: "test"}
	for _, u := range []string{"http://u:" + secret + "@host:bad", "https://u:" + secret + "@host:8443", "http://" + secret + "@host",
		"ht tp://" + secret, "http://host/%zz" + secret, "ftp://host/" + secret, "/" + secret} {
		for _, attr := range []string{"api_url", "token_url"} {
			cfg := providerModel{WorkspaceID: types.StringValue("1"), ClientID: types.StringValue("id"),
				ClientSecret: types.StringValue("client-secret"), APIURL: types.StringNull(), TokenURL: types.StringNull()}
			if attr == "api_url" {
				cfg.APIURL = types.StringValue(u)
			} else {
				cfg.TokenURL = types.StringValue(u)
			}
			_, err := p.client(cfg)
			if err == nil {
				t.Errorf("%s %q: accepted", attr, u)
				continue
			}
			if strings.Contains(err.Error(), secret) || !strings.HasPrefix(err.Error(), attr+" ") {
				t.Errorf("%s %q: %v", attr, u, err)
			}
		}
	}
}

// TestServerTextInDiagnosticsIsEscaped: an error that quotes a server's answer reaches the diagnostic
// with its control and bidirectional characters escaped: Terraform prints diagnostics as they are.
func TestServerTextInDiagnosticsIsEscaped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"errors":[{"message":"bad \u001b[2J\u202e\u0007 value"}]}`)
	}))
	defer srv.Close()
	c, err := ws.NewClient("1", ws.WithBaseURL(srv.URL), ws.WithBearerToken("tok"), ws.WithRetryPolicy(ws.RetryPolicy{Disabled: true}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Pipelines.Get(context.Background(), "p")
	if err == nil {
		t.Fatal("no error")
	}
	var diags diag.Diagnostics
	addAPIError(&diags, "Reading pipeline p", err)
	detail := diags[0].Detail()
	for _, raw := range []string{"\x1b", "\u202e", "\a"} {
		if strings.Contains(detail, raw) {
			t.Errorf("the diagnostic holds %q raw: %q", raw, detail)
		}
	}
	if !strings.Contains(detail, `bad \u001b[2J\u202e\u0007 value`) {
		t.Errorf("detail: %q", detail)
	}
}
