package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDeclared: the one comparator leaves out what a resource does not declare (read-only fields,
// secrets, a config of unknown shape, empty values), normalizes the API's spellings, and compares
// numbers alike however they were decoded.
func TestDeclared(t *testing.T) {
	t.Parallel()
	decode := func(s string, number bool) map[string]any {
		var m map[string]any
		if number {
			dec := json.NewDecoder(stringsReader(s))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	sent := decode(`{"id":"p","name":"P","status":"idle","data_plan_version":0,"partner_feed_id":7,"state":"",
		"schedule":{"type":"on-demand","start":null},"config":{"password":"pw","user":"u"},"service_provider":"Snowflake"}`, true)
	Declared(sent)
	if got, want := JSONText(sent), `{"config":{"user":"u"},"id":"p","name":"P","partner_feed_id":7,"schedule":{"type":"on_demand"},"service_provider":"Snowflake"}`; got != want {
		t.Errorf("Declared:\n got %s\nwant %s", got, want)
	}
	stored := decode(`{"id":"p","name":"P","partner_feed_id":7.0,"schedule":{"type":"on_demand","start":"2025-01-01T00:00:00.000Z"},
		"config":{"password":"************","user":"u","aws_external_id":"x"},"service_provider":"Snowflake"}`, false)
	Declared(stored)
	if d := DiffDeclared(sent, stored); len(d) != 0 {
		t.Errorf("DiffDeclared = %v, want none", d)
	}
	stored["name"] = "Q"
	if d := DiffDeclared(sent, stored); len(d) != 1 || d[0] != "name" {
		t.Errorf("DiffDeclared = %v, want [name]", d)
	}
	raw := decode(`{"id":"o","service_provider":"Oracle","config":{"host":"h","pwd":"x"}}`, true)
	Declared(raw)
	if _, has := raw["config"]; has {
		t.Errorf("a config of unknown shape is all secret, never compared: %v", raw)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
