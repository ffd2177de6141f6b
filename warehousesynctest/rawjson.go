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

// get returns an empty buffer of at least size bytes of capacity.
func (a *answerBufs) get(size int) []byte {
	if p, _ := a.pool.Get().(*[]byte); p != nil && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

// pooledJSON is rawJSON of a buffer from bufs, which writeReply gives back after writing it.
func pooledJSON(bufs *answerBufs, b []byte) reply {
	rep := rawJSON(b)
	rep.bufs = bufs
	return rep
}

// put gives a written answer's buffer back.
func (a *answerBufs) put(b []byte) {
	if a == nil || cap(b) > maxPooledAnswer {
		return
	}
	b = b[:0]
	a.pool.Put(&b)
}
