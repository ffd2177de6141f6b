package engine

import "container/heap"

// runCount is how many runs p stores.
func (p *pipe) runCount() int { return len(p.sched) + len(p.manual) }

// StoredRuns is how many runs the engine stores across all pipelines.
func (e *Engine) StoredRuns() int { return e.storedRuns }

// ActiveAttemptsLeft is how many attempts the pipeline's active run may still make, the one under way
// included (0 without an active run): what failing every remaining attempt of that run takes.
func (e *Engine) ActiveAttemptsLeft(workspace, id string) int {
	p := e.find(workspace, id)
	if p == nil || !p.hasActive {
		return 0
	}
	left := e.retries + 1 - p.attempt // attempts not started yet
	if p.activeRec().status == stRunning {
		left++ // the attempt under way has not ended
	}
	return max(left, 0)
}

// front is a pipeline's oldest stored finished run, for capRuns.
type front struct {
	id int64
	p  *pipe
}

type fronts []front

func (f fronts) Len() int           { return len(f) }
func (f fronts) Less(i, j int) bool { return f[i].id < f[j].id }
func (f fronts) Swap(i, j int)      { f[i], f[j] = f[j], f[i] }
func (f *fronts) Push(x any)        { *f = append(*f, x.(front)) }
func (f *fronts) Pop() any {
	old := *f
	x := old[len(old)-1]
	*f = old[:len(old)-1]
	return x
}

// oldestFinished is the id of p's oldest finished run, and false when p stores none. A list's active run
// is its last, so a list's first run is finished unless it is the active one.
func (p *pipe) oldestFinished() (int64, bool) {
	var best int64
	found := false
	for _, l := range []struct {
		runs   runList
		active bool
	}{{p.sched, p.hasActive && !p.activeManual}, {p.manual, p.hasActive && p.activeManual}} {
		if len(l.runs) == 0 || (l.active && len(l.runs) == 1) {
			continue
		}
		if !found || l.runs[0].id < best {
			best, found = l.runs[0].id, true
		}
	}
	return best, found
}

// dropOldest removes p's oldest finished run, id (what oldestFinished found).
func (p *pipe) dropOldest(id int64) {
	if len(p.sched) > 0 && p.sched[0].id == id {
		clear(p.sched[:1])
		p.sched = p.sched[1:]
		return
	}
	clear(p.manual[:1])
	p.manual = p.manual[1:]
}

// capRuns applies MaxRuns: when the stored runs exceed it, it removes the oldest finished runs across
// all pipelines until a tenth of the cap is free, so that the cost of finding them (a heap of the
// pipelines, O(pipelines)) is paid once per tenth of the cap of new runs. Active runs are never removed;
// LS and the latest successful run's id survive, as with retention.
func (e *Engine) capRuns() {
	if e.maxRuns <= 0 || e.storedRuns <= e.maxRuns {
		return
	}
	target := e.maxRuns - e.maxRuns/10
	var h fronts
	for p := range e.each() {
		if id, found := p.oldestFinished(); found {
			h = append(h, front{id, p})
		}
	}
	heap.Init(&h)
	for e.storedRuns > target && h.Len() > 0 {
		f := heap.Pop(&h).(front)
		f.p.dropOldest(f.id)
		e.storedRuns--
		if id, found := f.p.oldestFinished(); found {
			heap.Push(&h, front{id, f.p})
		}
	}
}

// PipelineCount is how many pipelines the workspace has.
func (e *Engine) PipelineCount(workspace string) int { return len(e.pipes[workspace]) }
