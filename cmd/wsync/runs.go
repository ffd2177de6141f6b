package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	ws "github.com/wsync-dev/warehousesync"
)

// maxBusyWaits bounds how many times trigger --if-busy=wait waits for a run in progress and tries again.
const maxBusyWaits = 100

// defaultRunLimit bounds what runs prints unless --limit says otherwise.
const defaultRunLimit = 1000

// pollInterval is how often trigger --wait and runs watch poll a real workspace; the fake answers at
// once (its clock moves on each poll), so there it is short.
func (a *app) pollInterval(flag time.Duration) time.Duration {
	if flag > 0 {
		return flag
	}
	if a.fake {
		return 10 * time.Millisecond
	}
	return ws.DefaultPollInterval
}

// triggerOptions are the inputs of wsync trigger.
type triggerOptions struct {
	pipeline          string
	wait              bool
	interval, timeout time.Duration
	ifBusy            string
}

func (a *app) triggerCmd() *cobra.Command {
	o := triggerOptions{}
	cmd := &cobra.Command{
		Use:   "trigger PIPELINE",
		Short: "Start a run of a pipeline now",
		Long: `trigger starts a run. With --wait it polls the run until it ends: on a terminal a live line shows
the status, the elapsed time and the run's range; then it prints the result with the record counts.

A pipeline with a run in progress cannot be triggered: --if-busy=wait waits for that run to end,
then triggers. Ctrl-C or --timeout while waiting stops wsync, not the run, and says how to follow it.

Exit codes: 0 triggered (with --wait: the run succeeded), 3 the run failed or was stopped, 1 error.`,
		Example: `  wsync --fake --fake-seed examples/apply/ trigger users-hourly --wait
  wsync trigger users-hourly
  wsync trigger users-hourly --if-busy=wait --wait --timeout 1h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.pipeline = args[0]
			return a.runTrigger(cmd.Context(), &o)
		},
	}
	cmd.Flags().BoolVar(&o.wait, "wait", false, "wait for the run to end and print its result")
	cmd.Flags().DurationVar(&o.interval, "interval", 0, "poll interval with --wait (default 5s; 10ms with --fake)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "give up waiting after this long (exit code 1; the run goes on)")
	cmd.Flags().StringVar(&o.ifBusy, "if-busy", "fail", "when a run is in progress: fail, or wait for it to end and then trigger")
	return cmd
}

// runTrigger is wsync trigger.
func (a *app) runTrigger(ctx context.Context, o *triggerOptions) error {
	if o.ifBusy != "wait" && o.ifBusy != "fail" {
		return fmt.Errorf("--if-busy %q: use wait or fail", o.ifBusy)
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	out, pipeline, interval := a.env.Stdout, o.pipeline, a.pollInterval(o.interval)
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	tr, err := c.Pipelines.Trigger(ctx, pipeline)
	for attempt := 0; errors.Is(err, ws.ErrPipelineBusy) && o.ifBusy == "wait" && attempt < maxBusyWaits; attempt++ {
		busy, aerr := c.Runs.Active(ctx, pipeline)
		if aerr != nil {
			return aerr
		}
		if busy != nil {
			fmt.Fprintf(out, "Pipeline %s has run %d in progress; waiting for it to end (--if-busy=wait).\n", pipeline, busy.ID)
			if _, err := a.waitRun(ctx, out, c, pipeline, busy.ID, interval); err != nil {
				return err
			}
		} else if err := a.pause(ctx, interval); err != nil {
			return err
		}
		tr, err = c.Pipelines.Trigger(ctx, pipeline)
	}
	if errors.Is(err, ws.ErrOutcomeUnknown) {
		return fmt.Errorf("%w\nThe run may have started: check with wsync runs %s before triggering again", err, pipeline)
	}
	if errors.Is(err, ws.ErrPipelineBusy) && o.ifBusy == "fail" {
		return fmt.Errorf("%w\nPipeline %s has a run in progress: --if-busy=wait waits for it to end, then triggers", err, pipeline)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Triggered run %d of pipeline %s.\n", tr.PipelineRunID, pipeline)
	if !o.wait {
		return nil
	}
	run, err := a.waitRun(ctx, out, c, pipeline, tr.PipelineRunID, interval)
	if err != nil {
		return err
	}
	return a.printResult(out, run)
}

// progress draws a live status line on a terminal; elsewhere it prints each new status on its own line.
type progress struct {
	w        io.Writer
	terminal bool
	last     string
	drawn    bool
}

func (p *progress) update(line, status string) {
	if p.terminal {
		fmt.Fprint(p.w, "\r\x1b[K"+line)
		p.drawn = true
		return
	}
	if status != p.last {
		fmt.Fprintln(p.w, line)
	}
	p.last = status
}

func (p *progress) end() {
	if p.terminal && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// waitRun waits for the run with Runs.Wait, drawing the progress line from each poll (OnPoll): on a
// terminal it is redrawn every second between polls (the pause, see pause), and while the run is
// retrying it shows the failed attempt and the last error. When ctx ends first (Ctrl-C, --timeout), the
// error says that the run goes on and how to follow it.
func (a *app) waitRun(ctx context.Context, out io.Writer, c *ws.Client, pipeline string, id int64, interval time.Duration) (*ws.Run, error) {
	started := a.env.now()
	pr := &progress{w: out, terminal: a.env.StdoutIsTerminal}
	defer pr.end()
	var last *ws.Run
	retries := 0
	draw := func() {
		elapsed := a.env.now().Sub(started).Round(time.Second)
		status := safeText(string(last.Status))
		line := fmt.Sprintf("run %d %s  %s  range %s", id, status, elapsed, runRange(last))
		if last.Status == ws.RunRetrying {
			line += fmt.Sprintf("  attempt %d failed", retries)
			if len(last.Errors) > 0 {
				line += ": " + oneLine(safeText(last.Errors[len(last.Errors)-1].Message), 80)
			}
		}
		line = fit(line, a.env.Width)
		pr.update(strings.Replace(line, status, a.statusColour(last.Status), 1), status)
	}
	if pr.terminal {
		a.onTick = draw
		defer func() { a.onTick = nil }()
	}
	run, err := c.Runs.Wait(ctx, pipeline, id, ws.PollEvery(interval), ws.OnPoll(func(v any) {
		r, isRun := v.(*ws.Run)
		if !isRun {
			return
		}
		if r.Status == ws.RunRetrying && (last == nil || last.Status != ws.RunRetrying) {
			retries++ // a new retrying phase: one more attempt failed (as far as polling sees)
		}
		last = r
		draw()
	}))
	if err != nil && ctx.Err() != nil {
		return nil, stoppedWaiting(ctx, pipeline, id, last)
	}
	return run, err
}

// pause is the client's pause between two polls (WithPollWait): Env.Sleep in steps of at most a
// second, calling onTick (the live line's redraw) after each step but the last.
func (a *app) pause(ctx context.Context, d time.Duration) error {
	tick := min(d, time.Second)
	for remaining := d; remaining > 0; remaining -= tick {
		if err := a.env.sleep(ctx, min(tick, remaining)); err != nil {
			return err
		}
		if remaining > tick && a.onTick != nil {
			a.onTick()
		}
	}
	return nil
}

// stoppedWaiting is the error of a wait that ctx ended: the run goes on in the workspace.
func stoppedWaiting(ctx context.Context, pipeline string, id int64, last *ws.Run) error {
	status := "unknown"
	if last != nil {
		status = string(last.Status)
	}
	why := "interrupted"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		why = "--timeout reached"
	}
	return fmt.Errorf("stopped waiting for run %d of pipeline %s (%s; last status %s). The run goes on in the workspace: "+
		"follow it with wsync runs watch %s --until-idle, or see it with wsync runs %s --limit 1", id, pipeline, why, status, pipeline, pipeline)
}

// fit shortens line to less than width columns (0: no limit), since a line that wraps cannot be redrawn
// in place.
func fit(line string, width int) string {
	if r := []rune(line); width > 1 && len(r) >= width {
		return string(r[:width-2]) + "…"
	}
	return line
}

// statusColour is a run status coloured (escaped: it comes from the server).
func (a *app) statusColour(s ws.RunStatus) string {
	text := safeText(string(s))
	switch s {
	case ws.RunSuccess:
		return a.colour(green, text)
	case ws.RunFailed, ws.RunStopped:
		return a.colour(red, text)
	default:
		return a.colour(yellow, text)
	}
}

// runRange shows [start, end) of a run; an open start is "…".
func runRange(r *ws.Run) string {
	start := r.RangeStart.String()
	if start == "" {
		start = "…"
	}
	return start + " → " + dash(r.RangeEnd.String())
}

// printResult prints the end of a run; a run that did not succeed is exit code 3.
func (a *app) printResult(out io.Writer, run *ws.Run) error {
	fmt.Fprintf(out, "Run %d of pipeline %s: %s\n", run.ID, safeText(run.PipelineID), a.statusColour(run.Status))
	fmt.Fprintf(out, "  range    %s\n", runRange(run))
	fmt.Fprintf(out, "  records  %d synced, %d failed\n", run.SuccessfulRecords, run.FailedRecords)
	for _, e := range run.Errors {
		fmt.Fprintf(out, "  error    %s\n", safeText(e.Message))
	}
	if run.Status != ws.RunSuccess {
		return &exitCode{code: exitRunFail}
	}
	return nil
}

// runsOptions are the inputs of wsync runs.
type runsOptions struct {
	pipeline, since, until, status, format string
	limit                                  int
	oldestFirst                            bool
}

func (a *app) runsCmd() *cobra.Command {
	o := runsOptions{}
	cmd := &cobra.Command{
		Use:   "runs PIPELINE",
		Short: "List the runs of a pipeline",
		Long: `runs lists a pipeline's runs newest first (--oldest-first: in ascending logical date). --since
and --until bound the logical date (RFC 3339, or a date such as 2025-01-31), --status keeps runs of one status (queued, running,
retrying, success, failed, stopped), --limit caps how many are printed.`,
		Example: `  wsync runs users-hourly --since 2025-01-01 --status failed
  wsync runs users-hourly -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.pipeline = args[0]
			return a.runRuns(cmd.Context(), &o)
		},
	}
	cmd.Flags().StringVar(&o.since, "since", "", "first logical date")
	cmd.Flags().StringVar(&o.until, "until", "", "last logical date")
	cmd.Flags().StringVar(&o.status, "status", "", "only runs of this status")
	cmd.Flags().IntVar(&o.limit, "limit", defaultRunLimit, "most runs to print (the newest ones, or with --oldest-first the oldest)")
	cmd.Flags().BoolVar(&o.oldestFirst, "oldest-first", false, "list in ascending logical date")
	cmd.Flags().StringVarP(&o.format, "output", "o", "table", "table, json or yaml")
	cmd.AddCommand(a.watchCmd())
	return cmd
}

// runRuns is wsync runs.
func (a *app) runRuns(ctx context.Context, o *runsOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	switch ws.RunStatus(o.status) {
	case "", ws.RunQueued, ws.RunRunning, ws.RunRetrying, ws.RunSuccess, ws.RunFailed, ws.RunStopped:
	default:
		return fmt.Errorf("--status %q: use queued, running, retrying, success, failed or stopped", o.status)
	}
	if o.limit < 1 {
		return fmt.Errorf("--limit %d: must be at least 1", o.limit)
	}
	opts := &ws.ListRunsOptions{PageSize: 100}
	var err error
	if opts.StartDate, err = parseTime("--since", o.since); err != nil {
		return err
	}
	if opts.EndDate, err = parseTime("--until", o.until); err != nil {
		return err
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	keep := func(run *ws.Run) bool { return o.status == "" || string(run.Status) == o.status }
	var runs []*ws.Run
	if o.oldestFirst {
		for run, err := range c.Runs.All(ctx, o.pipeline, opts) {
			if err != nil {
				return err
			}
			if len(runs) >= o.limit {
				break
			}
			if keep(run) {
				runs = append(runs, run)
			}
		}
	} else if runs, err = newestRuns(ctx, c, o.pipeline, opts, o.limit, keep); err != nil {
		return err
	}
	out := a.env.Stdout
	if o.format != "table" {
		return writeData(out, o.format, map[string]any{"runs": runs})
	}
	rows := make([][]string, 0, len(runs))
	for _, r := range runs {
		rows = append(rows, safeRow(strconv.FormatInt(r.ID, 10), string(r.Type), string(r.Status), r.LogicalDate.String(),
			runRange(r), strconv.FormatInt(r.SuccessfulRecords, 10), strconv.FormatInt(r.FailedRecords, 10)))
	}
	return table(out, []string{"ID", "TYPE", "STATUS", "LOGICAL DATE", "RANGE", "SYNCED", "FAILED"}, rows)
}

// newestRuns returns up to limit runs of pipeline that keep accepts, newest first: it reads the last
// page first and walks back, so it reads only the pages it needs.
func newestRuns(ctx context.Context, c *ws.Client, pipeline string, opts *ws.ListRunsOptions, limit int, keep func(*ws.Run) bool) ([]*ws.Run, error) {
	o := *opts
	o.CurrentPage = 1
	first, err := c.Runs.List(ctx, pipeline, &o)
	if err != nil {
		return nil, err
	}
	var runs []*ws.Run
	for pg := max(first.TotalPages, 1); pg >= 1 && len(runs) < limit; pg-- {
		page := first
		if pg != 1 {
			o.CurrentPage = pg
			if page, err = c.Runs.List(ctx, pipeline, &o); err != nil {
				return nil, err
			}
		}
		for i := len(page.Items) - 1; i >= 0 && len(runs) < limit; i-- {
			if run := page.Items[i]; run != nil && keep(run) {
				runs = append(runs, run)
			}
		}
	}
	return runs, nil
}

func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	ts, err := ws.ParseTimestamp(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", flag, err)
	}
	return time.Parse(time.RFC3339Nano, ts.String())
}

func (a *app) watchCmd() *cobra.Command {
	var untilIdle bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "watch PIPELINE",
		Short: "Follow a pipeline's latest run as it changes",
		Long: `watch polls the pipeline's report and prints a line each time its latest run or that run's
status changes, until interrupted (Ctrl-C), or with --until-idle until the latest run has ended
(exit code 3 when it failed or was stopped).`,
		Example: `  wsync runs watch users-hourly
  wsync runs watch users-hourly --until-idle`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runWatch(cmd.Context(), args[0], untilIdle, a.pollInterval(interval))
		},
	}
	cmd.Flags().BoolVar(&untilIdle, "until-idle", false, "stop when the latest run has ended")
	cmd.Flags().DurationVar(&interval, "interval", 0, "poll interval (default 5s; 10ms with --fake)")
	return cmd
}

// runWatch is wsync runs watch: Pipelines.WaitIdle, printing a line from each poll (OnPoll) when the
// latest run or its status changes; without untilIdle it waits again after the pipeline went idle,
// until interrupted.
func (a *app) runWatch(ctx context.Context, pipeline string, untilIdle bool, interval time.Duration) error {
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	out := a.env.Stdout
	last := ""
	show := ws.OnPoll(func(v any) {
		rep, isReport := v.(*ws.Report)
		if !isReport {
			return
		}
		run := rep.LatestPipelineRun
		if run == nil {
			if last == "" {
				fmt.Fprintf(out, "pipeline %s: %s, no runs yet\n", pipeline, safeText(string(rep.Status)))
				last = "none"
			}
			return
		}
		if key := fmt.Sprint(run.ID, run.Status); key != last {
			last = key
			fmt.Fprintf(out, "%s  run %d %s %s  range %s  %d synced, %d failed\n", run.LogicalDate, run.ID, safeText(string(run.Type)),
				a.statusColour(run.Status), runRange(run), run.SuccessfulRecords, run.FailedRecords)
		}
	})
	for {
		rep, err := c.Pipelines.WaitIdle(ctx, pipeline, ws.PollEvery(interval), show)
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted
			}
			return err
		}
		if untilIdle {
			if run := rep.LatestPipelineRun; run != nil && run.Status != ws.RunSuccess {
				return &exitCode{code: exitRunFail}
			}
			return nil
		}
		if err := a.pause(ctx, interval); err != nil {
			return nil // interrupted
		}
	}
}

func (a *app) reportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "report PIPELINE",
		Short: "Show a pipeline's status report",
		Long: `report shows the pipeline's status, the status of its connection and data model, their errors,
and its latest run.`,
		Example: `  wsync report users-hourly
  wsync report users-hourly -o yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runReport(cmd.Context(), args[0], format) },
	}
	cmd.Flags().StringVarP(&format, "output", "o", "table", "table, json or yaml")
	return cmd
}

// runReport is wsync report.
func (a *app) runReport(ctx context.Context, pipeline, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	rep, err := c.Pipelines.Report(ctx, pipeline)
	if err != nil {
		return err
	}
	out := a.env.Stdout
	if format != "table" {
		return writeData(out, format, rep)
	}
	rows := [][]string{
		{"pipeline", safeText(rep.PipelineID+"  "+string(rep.Status)) + errs(rep.Errors)},
		{"connection", safeText(string(rep.ConnectionStatus)) + errs(rep.ConnectionErrors)},
		{"data model", safeText(string(rep.DataModelStatus)) + errs(rep.DataModelErrors)},
	}
	if id := rep.LatestSuccessfulPipelineRunID; id != nil {
		rows = append(rows, []string{"last success", "run " + strconv.FormatInt(*id, 10)})
	}
	if r := rep.LatestPipelineRun; r != nil {
		rows = append(rows, []string{"latest run", fmt.Sprintf("%d %s %s, range %s, %d synced, %d failed%s",
			r.ID, safeText(string(r.Type)), a.statusColour(r.Status), runRange(r), r.SuccessfulRecords, r.FailedRecords, errs(r.Errors))})
	} else {
		rows = append(rows, []string{"latest run", "none"})
	}
	return table(out, []string{"REPORT", ""}, rows)
}

// errs appends error messages to a status.
func errs(es []ws.ErrorDetail) string {
	if len(es) == 0 {
		return ""
	}
	ms := make([]string, len(es))
	for i, e := range es {
		ms[i] = safeText(e.Message)
	}
	return " (" + strings.Join(ms, "; ") + ")"
}

func (a *app) completionCmd() *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish",
		Short:     "Print a shell completion script",
		ValidArgs: []string{"bash", "zsh", "fish"},
		Example: `  source <(wsync completion bash)
  wsync completion zsh > "${fpath[1]}/_wsync"
  wsync completion fish > ~/.config/fish/completions/wsync.fish`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return errors.New("completion: use bash, zsh or fish")
		},
	}
}
