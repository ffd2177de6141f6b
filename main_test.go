package warehousesync_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every client's token fetches,
// retries and waits, and every test server, must be done when the tests are.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
