package contract_test

import (
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/internal/contract"
)

// loadDoc loads the description or stops the test.
func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := contract.Load()
	require.NoError(t, err)
	return doc
}

// reports collects what a RoundTripper or Middleware reports; safe for concurrent use.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) add(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *reports) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	msgs := make([]string, 0, len(r.errs))
	for _, err := range r.errs {
		msgs = append(msgs, err.Error())
	}
	return msgs
}
