package warehousesynctest

import (
	"fmt"
	"log/slog"
)

// String describes the server by its URL and default workspace; it never shows the client secret or
// the admin token.
func (s *Server) String() string {
	if s == nil {
		return "warehousesynctest.Server(nil)"
	}
	return fmt.Sprintf("warehousesynctest.Server{URL: %s, Workspace: %s}", s.url, s.cfg.workspace)
}

// GoString is String, for %#v.
func (s *Server) GoString() string { return s.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q, %x, …), so that no verb reaches the
// fields that hold the client secret and the admin token.
func (s *Server) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	default:
		_, _ = f.Write([]byte(s.String()))
	}
}

// LogValue is what log/slog records for the server: its URL and default workspace, never a secret.
func (s *Server) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("nil")
	}
	return slog.GroupValue(slog.String("url", s.url), slog.String("workspace", s.cfg.workspace))
}

// String describes the workspace handle by its id. A Workspace holds its Server, whose fields fmt
// would print for a verb that does not fit it (%s of the struct dereferences the pointer): without
// these methods fmt.Sprintf("%s", srv.DefaultWorkspace()) showed the client secret and the admin token.
func (w Workspace) String() string { return "warehousesynctest.Workspace{ID: " + w.id + "}" }

// GoString is String, for %#v.
func (w Workspace) GoString() string { return w.String() }

// Format prints String for every verb, so that no verb reaches the Server the handle holds.
func (w Workspace) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", w.String())
	default:
		_, _ = f.Write([]byte(w.String()))
	}
}

// LogValue is what log/slog records for the handle: its id.
func (w Workspace) LogValue() slog.Value {
	return slog.GroupValue(slog.String("workspace", w.id))
}
