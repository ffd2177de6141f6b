package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wsync-dev/warehousesync/apply"
)

// validateOptions are the inputs of wsync validate.
type validateOptions struct {
	files        []string
	allowLiteral bool
}

func (a *app) validateCmd() *cobra.Command {
	o := validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate -f FILE|DIR",
		Short: "Check the files without the API",
		Long: `validate reads the files and checks every rule known without the API: YAML syntax, unknown
fields, ids, enum values, environment references and the rules that tie fields together (an
incremental sync needs its iterator, an interval schedule its frequency and start). It prints every
problem at once, each as file:line:column: resource: field: rule, and needs no credentials. plan and
apply run the same checks before any request.

Exit codes: 0 valid, 1 problems found.`,
		Example: `  wsync validate -f examples/apply/
  SNOWFLAKE_PASSWORD=x wsync validate -f warehouse.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runValidate(&o) },
	}
	cmd.Flags().StringArrayVarP(&o.files, "file", "f", nil, "apply file or directory of *.yaml, *.yml, *.json (repeatable)")
	cmd.Flags().BoolVar(&o.allowLiteral, "allow-literal-secrets", false, "accept secrets written in the files instead of ${ENV_VAR} references")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// runValidate is wsync validate.
func (a *app) runValidate(o *validateOptions) error {
	d, err := a.load(o.files, loadOptions{allowLiteral: o.allowLiteral})
	if err != nil {
		return err
	}
	if err := apply.Validate(d); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "Valid: %d connections, %d data models, %d pipelines.\n",
		len(d.Connections), len(d.DataModels), len(d.Pipelines))
	return nil
}
