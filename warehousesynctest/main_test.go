package warehousesynctest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every Server, real-time clock and
// injected latency must stop. net/http lingers half a second on a connection it cut in the middle of a
// body (to avoid a TCP reset), after the Server is closed; that is net/http's own and ends by itself.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
}
