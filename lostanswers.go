package warehousesync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/wsync-dev/warehousesync/internal/wire"
)

// create sends a Create of sent (POST path, with body, sent's wire form, as its body; rt and itemRt
// name its POST and its GET for Attempt) and reconciles a lost answer. A Create is retried after the
// failures that an idempotent request is retried after. When an attempt may have taken effect and
// a later one is answered "already exists", the answer of the lost attempt is recovered by reading the
// resource back (GET itemPath): if it matches sent, ignoring the fields the server fills and the
// secrets it masks, it is returned as the Create's result; otherwise the error wraps the "already
// exists" *APIError (ErrAlreadyExists). Any other failure after an attempt that may have taken effect
// matches ErrOutcomeUnknown. kind names the resource in errors ("connection").
func create[T any](ctx context.Context, c *Client, rt, itemRt route, path, itemPath, kind string, sent *T, body any) (*T, error) {
	req, err := c.newRequest(ctx, rt, http.MethodPost, path, nil, body)
	if err != nil {
		return nil, err
	}
	attemptFrom(req.Context()).kind = retryReconciled
	out := new(T)
	err = c.do(req, out)
	if err == nil {
		return out, nil
	}
	var apiErr *APIError
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &apiErr) || !apiErr.Is(ErrAlreadyExists) {
		return nil, err
	}
	stored, getErr := call[T](ctx, c, itemRt, http.MethodGet, itemPath, nil, nil)
	if getErr != nil {
		return nil, fmt.Errorf("%w; reading the %s back failed: %v", err, kind, getErr)
	}
	if sameResource(sent, stored) {
		return stored, nil
	}
	return nil, &conflictError{apiErr: apiErr, kind: kind}
}

// conflictError is the error of a Create whose retry, after a lost answer, found a different resource
// under the id it sent. It wraps the "already exists" *APIError.
type conflictError struct {
	apiErr *APIError
	kind   string
}

func (e *conflictError) Error() string {
	return e.apiErr.Error() + " (after a lost answer: the stored " + e.kind + " differs from the one sent)"
}

// Unwrap returns the "already exists" *APIError.
func (e *conflictError) Unwrap() error { return e.apiErr }

// sameResource reports whether stored, read back after a create of sent, is what sent asked for: every
// field sent with a value has that value in stored. Read-only fields, config secrets (which the server
// masks), a config of unknown shape and fields sent empty are not compared: the rules of
// wire.Declared, which the apply package plans with too.
func sameResource(sent, stored any) bool {
	a, err := toJSONValue(sent)
	if err != nil {
		return false
	}
	b, err := toJSONValue(stored)
	if err != nil {
		return false
	}
	am, ok := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok || !ok2 {
		return false
	}
	wire.Declared(am)
	wire.Declared(bm)
	return len(wire.DiffDeclared(am, bm)) == 0
}

// toJSONValue is v as encoding/json's generic value.
func toJSONValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}
