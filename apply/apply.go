package apply

import (
	"context"
	"errors"
	"fmt"

	ws "github.com/wsync-dev/warehousesync"
)

// Step is one change Apply carried out.
type Step struct {
	Change Change
	// Confirmed says that a resource to delete was already gone.
	Confirmed bool
}

// Result says what Apply did.
type Result struct {
	// Done are the changes carried out, in order.
	Done []Step
	// Failed is the change that failed; nil when none did.
	Failed *Change
	// NotDone are the changes after Failed, which Apply did not attempt.
	NotDone []Change
}

// StepFunc is called after each change Apply carried out, for a report as it goes; err is nil on
// success.
type StepFunc func(ch Change, err error)

// Apply carries out p's changes in order against the workspace of c, calling each (which may be nil)
// after every change. It stops at the first failure and returns the Result with an error that names the
// change and says how many were done and not done; plan and apply again to go on.
func Apply(ctx context.Context, c *ws.Client, p *Plan, each StepFunc) (*Result, error) {
	res := &Result{}
	for i, ch := range p.Changes {
		confirmed, err := do(ctx, c, ch)
		if each != nil {
			each(ch, err)
		}
		if err != nil {
			failed := ch
			res.Failed = &failed
			res.NotDone = append(res.NotDone, p.Changes[i+1:]...)
			return res, fmt.Errorf("%s %s: %w (%d done, %d not done)",
				verb(ch.Action), ch.Ref, err, len(res.Done), len(res.NotDone)+1)
		}
		res.Done = append(res.Done, Step{Change: ch, Confirmed: confirmed})
	}
	return res, nil
}

// do carries out one change; confirmed reports a failed request whose effect was confirmed.
func do(ctx context.Context, c *ws.Client, ch Change) (confirmed bool, err error) {
	switch ch.Action {
	case ActionCreate:
		// The client reconciles a create whose answer was lost (its retry meets "already exists" and
		// reads the resource back with the shared comparator); an outcome it cannot know is an error,
		// and planning again starts from what the workspace holds.
		return false, create(ctx, c, ch.body)
	case ActionUpdate:
		return false, update(ctx, c, ch.body)
	case ActionDelete:
		err = remove(ctx, c, ch.Ref)
		if errors.Is(err, ws.ErrNotFound) {
			return true, nil
		}
		return false, err
	}
	return false, fmt.Errorf("apply: unknown action %q", ch.Action)
}

// verb is the -ing form of an action, for messages.
func verb(a Action) string {
	switch a {
	case ActionCreate:
		return "creating"
	case ActionUpdate:
		return "updating"
	case ActionDelete:
		return "deleting"
	}
	return string(a)
}

// wrap adds context to an error of a read.
func wrap(what string, err error) error { return fmt.Errorf("%s: %w", what, err) }
