package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
)

// planFlags are the inputs of plan and apply: a command's options, which runPlan and runApply take
// (tests call them directly).
type planFlags struct {
	files        []string
	prune        bool
	prunePrefix  []string
	pruneAll     bool
	sendSecrets  bool
	allowLiteral bool
	yes          bool // apply: do not ask
}

func (f *planFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&f.files, "file", "f", nil, "apply file or directory of *.yaml, *.yml, *.json (repeatable)")
	cmd.Flags().BoolVar(&f.prune, "prune", false, "delete what the workspace holds, the files do not declare, and is in the prune scope")
	cmd.Flags().StringArrayVar(&f.prunePrefix, "prune-prefix", nil, "with --prune, own (and so delete when not declared) the resources whose id starts with this (repeatable)")
	cmd.Flags().BoolVar(&f.pruneAll, "prune-all", false, "with --prune, own every resource of the workspace, whoever created it")
	cmd.Flags().BoolVar(&f.sendSecrets, "send-secrets", false, "send declared secrets even to connections that need no other change (rotation)")
	cmd.Flags().BoolVar(&f.allowLiteral, "allow-literal-secrets", false, "accept secrets written in the files instead of ${ENV_VAR} references")
	_ = cmd.MarkFlagRequired("file")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml", "json")
}

func (f *planFlags) options() apply.Options {
	return apply.Options{Prune: f.prune, SendSecrets: f.sendSecrets,
		Scope: apply.Scope{IDPrefixes: f.prunePrefix, All: f.pruneAll}}
}

func (a *app) planCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan -f FILE|DIR",
		Short: "Show what apply would change",
		Long: `plan compares the files with the workspace and prints what apply would create (+), update (~)
and delete (-, only with --prune, of what is in the prune scope: a prune_scope in the files,
--prune-prefix or --prune-all). Secrets print as (sensitive). It changes nothing.

Exit codes: 0 no changes, 2 changes, 1 error.`,
		Example: `  wsync --fake plan -f examples/apply/
  wsync plan -f warehouse.yaml --prune`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runPlan(cmd.Context(), &f) },
	}
	f.register(cmd)
	return cmd
}

// runPlan is wsync plan.
func (a *app) runPlan(ctx context.Context, f *planFlags) error {
	_, _, p, err := a.planFiles(ctx, f)
	if err != nil {
		return err
	}
	if p.HasChanges() {
		return &exitCode{code: exitChanges}
	}
	return nil
}

// planFiles is the first half of plan and apply: it loads the files, connects, plans and prints the
// plan. It returns the client and the desired state for apply to carry the plan out and check it.
func (a *app) planFiles(ctx context.Context, f *planFlags) (*ws.Client, *apply.Desired, *apply.Plan, error) {
	d, err := a.load(f.files, loadOptions{allowLiteral: f.allowLiteral})
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := a.client(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := apply.MakePlan(ctx, c, d, f.options())
	if err != nil {
		return nil, nil, nil, err
	}
	a.printPlan(a.env.Stdout, p)
	return c, d, p, nil
}

func (a *app) applyCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR",
		Short: "Change the workspace to match the files",
		Long: `apply prints the plan, asks for confirmation when standard input is a terminal (unless --yes),
then carries it out in dependency order and reports each step. Without a terminal, a plan that
deletes is refused unless --yes. On a failure it stops and says what was done and
what was not; running apply again goes on from there.

With --fake the fake starts empty, so apply creates everything; it then plans again to show that
the workspace converged.`,
		Example: `  wsync --fake apply -f examples/apply/
  wsync apply -f warehouse.yaml --yes
  wsync apply -f configs/ --prune`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runApply(cmd.Context(), &f) },
	}
	f.register(cmd)
	cmd.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// runApply is wsync apply.
func (a *app) runApply(ctx context.Context, f *planFlags) error {
	out := a.env.Stdout
	c, d, p, err := a.planFiles(ctx, f)
	if err != nil {
		return err
	}
	if !p.HasChanges() {
		return nil
	}
	ok, err := a.confirm(ctx, f.yes, p.Count(apply.ActionDelete) > 0, "\nApply these changes?")
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(out, "Apply cancelled; nothing changed.")
		return &exitCode{code: exitError}
	}
	fmt.Fprintln(out)
	res, err := apply.Apply(ctx, c, p, func(ch apply.Change, err error) {
		if err != nil {
			fmt.Fprintf(out, "  %s %s: failed\n", a.colour(red, "✗"), safeText(ch.Ref.String()))
			return
		}
		fmt.Fprintf(out, "  %s %s: %s\n", a.symbol(ch.Action), safeText(ch.Ref.String()), done(ch.Action))
	})
	if err != nil {
		fmt.Fprintf(out, "\nApply stopped: %d done, %d not done:\n", len(res.Done), len(res.NotDone)+1)
		fmt.Fprintf(out, "  %s %s (failed)\n", a.symbol(res.Failed.Action), safeText(res.Failed.Ref.String()))
		for _, ch := range res.NotDone {
			fmt.Fprintf(out, "  %s %s\n", a.symbol(ch.Action), safeText(ch.Ref.String()))
		}
		fmt.Fprintln(out, "Fix the cause and run apply again: it plans from what the workspace holds.")
		return err
	}
	fmt.Fprintf(out, "\nApply complete: %d created, %d updated, %d deleted.\n",
		p.Count(apply.ActionCreate), p.Count(apply.ActionUpdate), p.Count(apply.ActionDelete))
	if a.fake {
		// The check plans without --send-secrets, which lists every declared secret again.
		opts := f.options()
		opts.SendSecrets = false
		again, err := apply.MakePlan(ctx, c, d, opts)
		if err != nil {
			return err
		}
		if again.HasChanges() {
			fmt.Fprintln(out, "A second plan still has changes:")
			a.printPlan(out, again)
			return &exitCode{code: exitError}
		}
		fmt.Fprintln(out, "Planned again on the fake: no changes, the workspace converged. (The fake is discarded when wsync exits.)")
	}
	return nil
}

func done(a apply.Action) string {
	switch a {
	case apply.ActionCreate:
		return "created"
	case apply.ActionUpdate:
		return "updated"
	default:
		return "deleted"
	}
}

func (a *app) symbol(act apply.Action) string { return a.renderOptions().Symbol(act) }

// renderOptions are how plans print: coloured on a terminal unless colours are off.
func (a *app) renderOptions() apply.RenderOptions {
	return apply.RenderOptions{Workspace: a.workspaceName(), Colour: a.colours()}
}

// printPlan writes p as apply.Plan.Render does.
func (a *app) printPlan(w io.Writer, p *apply.Plan) {
	_ = p.Render(w, a.renderOptions())
}
