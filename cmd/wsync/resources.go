package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

func parseKind(s string) (apply.KindInfo, error) {
	k, known := apply.LookupKind(s)
	if !known {
		return apply.KindInfo{}, fmt.Errorf("unknown kind %q: use connections, models or pipelines", s)
	}
	return k, nil
}

// fetch reads the resources of kind: all of them, or the one id.
func fetch(ctx context.Context, c *ws.Client, kind apply.KindInfo, id string) (*apply.State, error) {
	s := &apply.State{}
	if id != "" {
		r, err := kind.Get(ctx, c, id)
		if err != nil {
			return nil, err
		}
		kind.Add(s, r)
		return s, nil
	}
	items, err := kind.List(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, r := range items {
		kind.Add(s, r)
	}
	return s, nil
}

// getOptions are the inputs of wsync get and list.
type getOptions struct {
	kind, id, format string
}

func (a *app) getCmd(name string) *cobra.Command {
	o := getOptions{}
	cmd := &cobra.Command{
		Use:       name + " connections|models|pipelines [ID]",
		Short:     "Show connections, data models or pipelines (get and list are the same command)",
		ValidArgs: []string{"connections", "models", "pipelines"},
		Long: `Shows the resources of one kind, or one resource by id. -o json and -o yaml print an apply
file (read-only fields left out, secrets as ${ENV_VAR} references), so an export can be applied
again: wsync get connections -o yaml > connections.yaml`,
		Example: fmt.Sprintf(`  wsync --fake --fake-seed examples/apply/ %[1]s pipelines
  wsync %[1]s connections snowflake-prod -o yaml
  wsync %[1]s models -o json > models.json`, name),
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.kind, o.id = args[0], ""
			if len(args) == 2 {
				o.id = args[1]
			}
			return a.runGet(cmd.Context(), &o)
		},
	}
	cmd.Flags().StringVarP(&o.format, "output", "o", "table", "table, json or yaml")
	return cmd
}

// runGet is wsync get and list.
func (a *app) runGet(ctx context.Context, o *getOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	kind, err := parseKind(o.kind)
	if err != nil {
		return err
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	s, err := fetch(ctx, c, kind, o.id)
	if err != nil {
		return err
	}
	if o.format == "table" {
		return stateTable(a.env.Stdout, s, kind.Kind)
	}
	exp, _, err := exportState(s, nil)
	if err != nil {
		return err
	}
	return writeData(a.env.Stdout, o.format, exp)
}

// exportOptions are the inputs of wsync export.
type exportOptions struct {
	format    string
	namesFrom []string
}

func (a *app) exportCmd() *cobra.Command {
	o := exportOptions{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every resource of the workspace as one apply file",
		Long: `export reads every connection, data model and pipeline of the workspace and writes them as one
apply file on standard output, which plans as "no changes" against the same workspace once the
variables it names are set. Read-only fields are left out and every secret is a ${ENV_VAR} reference
(a config of a provider wsync does not know is all references). --names-from reads existing files to
reuse the variable names they give the same fields; other references are named after the connection
and the field (SNOWFLAKE_PROD_PASSWORD). The variables are listed on standard error.`,
		Example: `  wsync export > workspace.yaml
  wsync export --names-from configs/ -o json > workspace.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runExport(cmd.Context(), &o) },
	}
	cmd.Flags().StringVarP(&o.format, "output", "o", "yaml", "yaml or json")
	cmd.Flags().StringArrayVar(&o.namesFrom, "names-from", nil, "apply file or directory whose ${ENV_VAR} names to reuse (repeatable)")
	return cmd
}

// deleteOptions are the inputs of wsync delete.
type deleteOptions struct {
	kind, id string
	yes      bool
}

// runExport is wsync export.
func (a *app) runExport(ctx context.Context, o *exportOptions) error {
	if err := checkFormat(o.format); err != nil || o.format == "table" {
		return fmt.Errorf("-o %q: use yaml or json", o.format)
	}
	var names func(apply.Ref, string) string
	if len(o.namesFrom) > 0 {
		l := &apply.Loader{LookupEnv: func(string) (string, bool) { return "x", true }, AllowLiteralSecrets: true}
		d := &apply.Desired{}
		for _, p := range o.namesFrom {
			if err := a.addPath(l, d, p); err != nil {
				return fmt.Errorf("--names-from: %w", err)
			}
		}
		names = func(r apply.Ref, field string) string { return d.References[r][field] }
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	s, err := apply.ReadState(ctx, c)
	if err != nil {
		return err
	}
	exp, vars, err := exportState(s, names)
	if err != nil {
		return err
	}
	if err := writeData(a.env.Stdout, o.format, exp); err != nil {
		return err
	}
	if len(vars) > 0 {
		fmt.Fprintf(a.env.Stderr, "The file names these secret variables; set them before plan or apply: %s\n", strings.Join(vars, ", "))
	}
	return nil
}

func (a *app) deleteCmd() *cobra.Command {
	o := deleteOptions{}
	cmd := &cobra.Command{
		Use:       "delete connections|models|pipelines ID",
		Short:     "Delete a connection, data model or pipeline",
		ValidArgs: []string{"connections", "models", "pipelines"},
		Long: `Deletes one resource. It asks first when standard input is a terminal; without one it needs
--yes. A connection or data model that a pipeline uses cannot be deleted: delete the pipeline first.`,
		Example: `  wsync delete pipelines users-hourly --yes`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.kind, o.id = args[0], args[1]
			return a.runDelete(cmd.Context(), &o)
		},
	}
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// runDelete is wsync delete.
func (a *app) runDelete(ctx context.Context, o *deleteOptions) error {
	kind, err := parseKind(o.kind)
	if err != nil {
		return err
	}
	if !wire.ValidSlug(o.id) {
		// Refused before the prompt, which would print it.
		return fmt.Errorf("ID: must be 1 to %d letters, digits, _ or -", wire.MaxIDLength)
	}
	ref := apply.Ref{Kind: kind.Kind, ID: o.id}
	out := a.env.Stdout
	ok, err := a.confirm(ctx, o.yes, true, fmt.Sprintf("Delete %s?", ref))
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(out, "Delete cancelled.")
		return &exitCode{code: exitError}
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	if err := kind.Delete(ctx, c, ref.ID); err != nil {
		return err
	}
	fmt.Fprintf(out, "Deleted %s.\n", ref)
	return nil
}
