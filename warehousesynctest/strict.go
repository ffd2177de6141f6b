package warehousesynctest

import "fmt"

// WithLenientBodies makes the API accept and ignore members of request bodies it does not know, and
// members given twice (the last one wins), as the fake did before it refused them. By default an unknown
// member is a 400 that names it and, when one is close, the member meant ("schedule.dealy": did you mean
// "delay"?), so that a typo fails the test that made it instead of being dropped. The read-only members
// of a resource (status, errors, created_on, …) are always accepted and ignored.
func WithLenientBodies() Option { return func(c *config) { c.lenientBodies = true } }

// WithWorkspaces makes the server serve these workspaces besides the default one (WithWorkspace), each
// empty and isolated from the others. Only the workspaces the server serves answer: a request to any
// other workspace id is a 404 that names the known ones, so that a typo in a workspace id fails the test
// instead of talking to an empty workspace. AddWorkspace (or PUT /_fake/workspaces/{id}) adds one later.
func WithWorkspaces(ids ...string) Option {
	return func(c *config) { c.workspaces = append(c.workspaces, ids...) }
}

// checkWorkspaces reports a workspace id that is not a slug, or more workspaces than the budget, then the
// budgets' own problems.
func (c *config) checkWorkspaces() error {
	for _, id := range c.workspaces {
		if !validSlug(id) {
			return fmt.Errorf("workspace %q must be a slug of 1 to 128 letters, digits, _ or -", truncate(id, 40))
		}
	}
	if err := c.budgets.check(); err != nil {
		return err
	}
	if n := len(c.workspaces) + 1; n > c.budgets.MaxWorkspaces {
		return fmt.Errorf("workspaces: %d workspaces are more than the budget MaxWorkspaces of %d", n, c.budgets.MaxWorkspaces)
	}
	return nil
}
