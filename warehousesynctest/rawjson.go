package warehousesynctest

import (
	"net/http"
	"sync"
)

// rawJSON is a 200 answer whose JSON the engine wrote (engine.AppendRunsPage, engine.AppendPipeline):
// the same bytes encodeJSON would write for the values, without building them.
func rawJSON(b []byte) reply {
	return reply{status: http.StatusOK, raw: b, contentType: "application/json"}
}

// maxPooledAnswer is the largest answer buffer kept for reuse: a runs page of 100 runs with errors
// fits; a larger one is left to the garbage collector, so a rare huge answer is not held.
const maxPooledAnswer = 256 << 10

// answerBufs lends the buffers the engine writes answers into: a runs page of 100 is about 35 KB, and
// allocating, zeroing and collecting a new one per request was most of the fake's cost of the answer
// beyond writing it. A buffer goes back once its reply is written (writeReply); ResponseWriter.Write,
// like every io.Writer, does not keep the bytes. The zero value is ready to use.
type answerBufs struct{ pool sync.Pool }

// get returns an empty buffer of at least size bytes of capacity. The buffer is *p: the pointer goes
// back with it (put), so that giving it back allocates nothing.
func (a *answerBufs) get(size int) (p *[]byte) {
	if p, _ := a.pool.Get().(*[]byte); p != nil && cap(*p) >= size {
		*p = (*p)[:0]
		return p
	}
	b := make([]byte, 0, size)
	return &b
}

// pooledJSON is rawJSON of b, written into the buffer p from bufs, which writeReply gives back after
// writing it.
func pooledJSON(bufs *answerBufs, p *[]byte, b []byte) reply {
	rep := rawJSON(b)
	rep.bufs, rep.buf = bufs, p
	return rep
}

// put gives the buffer p back, now holding b (which may have grown from it).
func (a *answerBufs) put(p *[]byte, b []byte) {
	if a == nil || p == nil || cap(b) > maxPooledAnswer {
		return
	}
	*p = b[:0]
	a.pool.Put(p)
}
