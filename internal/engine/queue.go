package engine

import (
	"container/heap"
	"time"
)

// eventKind is what a pipeline's pending event does. The values are the equal-time processing order.
type eventKind uint8

const (
	evComplete eventKind = iota // the active run's attempt completes
	evRetry                     // the active run's next attempt starts after a retry wait
	evCreate                    // the next scheduled run is created
	evStart                     // the active (queued) run starts
)

// eventQueue is a min-heap of the pipelines that have a pending event, in processing order: time, kind,
// workspace, pipeline id.
type eventQueue []*pipe

func (q eventQueue) Len() int { return len(q) }

func (q eventQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if c := a.evAt.Compare(b.evAt); c != 0 {
		return c < 0
	}
	if a.evKind != b.evKind {
		return a.evKind < b.evKind
	}
	// A pipeline has one pending event, so (workspace, id) settles every tie; the run id is
	// never needed.
	return a.key.less(b.key)
}

func (q eventQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].heapIdx = i
	q[j].heapIdx = j
}

func (q *eventQueue) Push(x any) {
	p := x.(*pipe)
	p.heapIdx = len(*q)
	*q = append(*q, p)
}

func (q *eventQueue) Pop() any {
	old := *q
	n := len(old)
	p := old[n-1]
	old[n-1] = nil
	p.heapIdx = -1
	*q = old[:n-1]
	return p
}

// schedule sets p's pending event, replacing any it had.
func (e *Engine) schedule(p *pipe, at time.Time, kind eventKind, k int64) {
	p.evAt, p.evKind, p.evK, p.fired = at, kind, k, false
	if p.heapIdx >= 0 {
		heap.Fix(&e.queue, p.heapIdx)
		return
	}
	heap.Push(&e.queue, p)
}

// unschedule drops p's pending event, if any.
func (e *Engine) unschedule(p *pipe) {
	if p.heapIdx >= 0 {
		heap.Remove(&e.queue, p.heapIdx)
	}
}
