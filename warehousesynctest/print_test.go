package warehousesynctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
)

// TestPublicValuesPrintNoSecret prints every public value of the package that a test may hold, with
// every fmt verb, slog's text and JSON handlers and encoding/json, on a server whose client secret and
// admin token are planted secrets (in a request too), and checks that neither appears. It found that
// %s of a Workspace handle printed its Server, client secret and admin token included.
func TestPublicValuesPrintNoSecret(t *testing.T) {
	t.Parallel()
	const adminToken = "AdM1nT0kenQZ9v"
	srv := NewServer(t, WithCredentials("client", plantedSecret), WithAdminToken(adminToken))
	token := getToken(t, srv)
	hostileRequest{method: "POST", target: tokenPath, contentType: mediaJSON,
		body: `{"client_id":"client","client_secret":"` + plantedSecret + `"}`}.send(t, srv, token)
	w := srv.DefaultWorkspace()
	fault := Fault{Path: "/connections", Status: 503}
	opt := WithCredentials("x", plantedSecret)
	values := map[string]any{"server": srv, "*workspace": w, "workspace": *w, "requests": srv.Requests(),
		"request": srv.LatestRequests(1)[0], "fault": fault, "budgets": DefaultBudgets(), "option": opt,
		"limits": DefaultHTTPLimits()}
	for name, v := range values {
		var out bytes.Buffer
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		slog.New(slog.NewTextHandler(&out, nil)).Info("v", "v", v)
		slog.New(slog.NewJSONHandler(&out, nil)).Info("v", "v", v)
		b, _ := json.Marshal(v)
		out.Write(b)
		text := out.String()
		for _, secret := range []string{plantedSecret, adminToken, token} {
			if bytes.Contains([]byte(text), []byte(secret)) || bytes.Contains([]byte(text), []byte(fmt.Sprintf("%x", secret))) {
				t.Errorf("%s prints a secret:\n%s", name, text)
			}
		}
	}
}
