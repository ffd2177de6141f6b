package warehousesynctest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every Server, real-time clock and
// injected latency must stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
