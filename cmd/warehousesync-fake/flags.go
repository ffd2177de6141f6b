package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// strictSettings are the flags of the workspaces the fake serves, how strict it is, and its budgets.
type strictSettings struct {
	workspaces    string // comma-separated
	lenientBodies bool
	maxActive     int
	budgets       warehousesynctest.Budgets
	maxConns      int
}

// strictFlags defines the flags of st on fs.
func strictFlags(fs *flag.FlagSet, st *strictSettings) {
	fs.StringVar(&st.workspaces, "workspaces", "", "more workspace ids to serve besides -workspace, separated by commas (a request to any other workspace is a 404; PUT /_fake/workspaces/{id} adds one later)")
	fs.BoolVar(&st.lenientBodies, "lenient-bodies", false, "accept and ignore unknown members of request bodies (by default a 400 naming the member)")
	fs.IntVar(&st.maxActive, "max-active-pipelines", warehousesynctest.DefaultMaxActivePipelines, "how many pipelines may be active in one workspace (0: no limit)")
	d := warehousesynctest.DefaultBudgets()
	b := &st.budgets
	fs.Int64Var(&b.MaxBodyBytes, "max-body-bytes", d.MaxBodyBytes, "budget: the largest API request body, in bytes (larger: 413)")
	fs.IntVar(&b.MaxFieldBytes, "max-field-bytes", d.MaxFieldBytes, "budget: the longest string member of a request body, in bytes (longer: 400)")
	fs.IntVar(&b.MaxResources, "max-resources", d.MaxResources, "budget: connections, data models and pipelines per workspace (more: 400)")
	fs.Int64Var(&b.MaxStoredBytes, "max-stored-bytes", d.MaxStoredBytes, "budget: bytes of stored resources in all workspaces (more: 400)")
	fs.IntVar(&b.MaxWorkspaces, "max-workspaces", d.MaxWorkspaces, "budget: workspaces served (more: 409)")
	fs.IntVar(&b.MaxRuns, "max-runs", d.MaxRuns, "budget: runs stored in all pipelines; beyond it the oldest finished runs are removed")
	fs.IntVar(&b.MaxTokens, "max-tokens", d.MaxTokens, "budget: unexpired access tokens (more: 503 until some expire)")
	fs.IntVar(&b.MaxRequestLogBytes, "max-request-log-bytes", d.MaxRequestLogBytes, "budget: memory of the request log, in bytes; the oldest requests are dropped")
	fs.IntVar(&b.MaxRequestLogEntries, "max-request-log-entries", d.MaxRequestLogEntries, "budget: requests the log keeps; the oldest are dropped")
	fs.IntVar(&b.MaxFaults, "max-faults", d.MaxFaults, "budget: HTTP faults installed at once (more: 400)")
	fs.IntVar(&st.maxConns, "max-connections", warehousesynctest.DefaultHTTPLimits().MaxConnections, "budget: connections open at once (more wait to be accepted)")
}

// options returns the Server options of st, or the first invalid setting.
func (st *strictSettings) options() ([]warehousesynctest.Option, error) {
	if st.maxActive < 0 {
		return nil, fmt.Errorf("-max-active-pipelines must be 0 (no limit) or more, got %d", st.maxActive)
	}
	b := st.budgets
	for name, v := range map[string]int64{"-max-body-bytes": b.MaxBodyBytes, "-max-field-bytes": int64(b.MaxFieldBytes),
		"-max-resources": int64(b.MaxResources), "-max-stored-bytes": b.MaxStoredBytes, "-max-workspaces": int64(b.MaxWorkspaces),
		"-max-runs": int64(b.MaxRuns), "-max-tokens": int64(b.MaxTokens), "-max-request-log-bytes": int64(b.MaxRequestLogBytes),
		"-max-request-log-entries": int64(b.MaxRequestLogEntries), "-max-faults": int64(b.MaxFaults),
		"-max-connections": int64(st.maxConns)} {
		if v < 1 {
			return nil, fmt.Errorf("%s must be 1 or more, got %d", name, v)
		}
	}
	opts := []warehousesynctest.Option{warehousesynctest.WithMaxActivePipelines(st.maxActive), warehousesynctest.WithBudgets(b),
		warehousesynctest.WithHTTPLimits(warehousesynctest.HTTPLimits{MaxConnections: st.maxConns})}
	if st.workspaces != "" {
		var ids []string
		for _, id := range strings.Split(st.workspaces, ",") {
			if id = strings.TrimSpace(id); id == "" {
				return nil, errors.New("-workspaces: an empty workspace id; separate ids with single commas")
			}
			ids = append(ids, id)
		}
		opts = append(opts, warehousesynctest.WithWorkspaces(ids...))
	}
	if st.lenientBodies {
		opts = append(opts, warehousesynctest.WithLenientBodies())
	}
	return opts, nil
}
