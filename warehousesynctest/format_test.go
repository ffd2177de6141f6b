package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestServerPrintsNoSecret prints a server with every fmt verb and both slog handlers: none shows the
// client secret or the admin token.
func TestServerPrintsNoSecret(t *testing.T) {
	const secret, admin = "client-s3cret-VALUE", "admin-t0ken-VALUE"
	srv := NewServer(t, WithCredentials("id", secret), WithAdminToken(admin))
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3v"} {
		out = append(out, fmt.Sprintf(verb, srv))
	}
	type holder struct {
		S   *Server
		Any any
	}
	out = append(out, fmt.Sprintf("%+v", holder{srv, srv}), fmt.Sprintf("%#v", holder{srv, srv}),
		fmt.Sprint(srv), fmt.Sprintln(srv), fmt.Sprintf("%v", []*Server{srv}))
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("srv", "server", srv, "any", any(srv))
	slog.New(slog.NewJSONHandler(&js, nil)).Info("srv", "server", srv)
	out = append(out, text.String(), js.String())
	b, err := json.Marshal(srv)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(b))
	for _, o := range out {
		if strings.Contains(o, secret) || strings.Contains(o, admin) || strings.Contains(strings.ToLower(o), "s3cret") {
			t.Errorf("a secret is printed: %s", o)
		}
	}
	if got := fmt.Sprintf("%v", srv); !strings.Contains(got, srv.URL()) {
		t.Errorf("%%v = %q, want the URL", got)
	}
	if !strings.Contains(text.String(), srv.URL()) {
		t.Errorf("slog = %q, want the URL", text.String())
	}
}
