package warehousesynctest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// workspace is what the HTTP layer keeps of one workspace: the bytes its resources count against
// MaxStoredBytes. The engine keeps the resources themselves. It is guarded by the server's mutex.
type workspace struct {
	cost map[string]int64 // resource key (resourceKey) → its bytes against MaxStoredBytes
}

// newWorkspaceLocked starts serving workspace id empty: no resources, and the field transformations the
// server starts every workspace with.
func (s *Server) newWorkspaceLocked(id string) *workspace {
	s.eng.ForgetResources(id, s.cfg.transformations)
	return &workspace{cost: map[string]int64{}}
}

// knownWorkspaces returns the ids of the workspaces a server starts with: the default one and those of
// WithWorkspaces.
func (c *config) knownWorkspaces() []string {
	return append([]string{c.workspace}, c.workspaces...)
}

// knownWorkspacesLocked lists the ids of the workspaces the server serves, sorted.
func (s *Server) knownWorkspacesLocked() []string { return sortedKeys(s.workspaces) }

// unknownWorkspace is the message for a workspace id the server does not serve.
func (s *Server) unknownWorkspaceLocked(id string) string {
	known := s.knownWorkspacesLocked()
	list := strings.Join(known[:min(len(known), 10)], ", ")
	if len(known) > 10 {
		list += fmt.Sprintf(", … (%d in all)", len(known))
	}
	return fmt.Sprintf("Workspace '%s' not found: this fake serves workspaces %s. Add one with the option "+
		"WithWorkspaces, the binary's -workspaces flag, or PUT /_fake/workspaces/%s.", truncate(id, 128), list, truncate(id, 128))
}

// sortedKeys returns the keys of m in ascending order: every list the fake returns is sorted by id.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
