package contract

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// mismatch is a contract error. Its message says where and which rule failed, without the values that
// were checked or the schema, which kin-openapi's own messages include (they would put secrets in test
// logs and bury the point). It unwraps to kin-openapi's error.
type mismatch struct {
	msg string
	err error
}

func (m *mismatch) Error() string { return m.msg }
func (m *mismatch) Unwrap() error { return m.err }

// newMismatch wraps err, from kin-openapi, with a message that starts with context.
func newMismatch(context string, err error) error {
	return &mismatch{msg: context + ": " + describe(err, nil), err: err}
}

// describe renders err, found at the JSON path at, as where and which rule failed.
func describe(err error, at []string) string {
	var (
		schemaErr *openapi3.SchemaError
		reqErr    *openapi3filter.RequestError
		respErr   *openapi3filter.ResponseError
		secErr    *openapi3filter.SecurityRequirementsError
		multi     openapi3.MultiError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &multi) && isMulti(err):
		return describeAll(multi, at, " | ")
	case asDirect(err, &schemaErr):
		return describeSchemaError(schemaErr, at)
	case asDirect(err, &reqErr):
		var where string
		switch {
		case reqErr.Parameter != nil:
			where = fmt.Sprintf("parameter %q in %s: ", reqErr.Parameter.Name, reqErr.Parameter.In)
		case reqErr.RequestBody != nil:
			where = "request body: "
		}
		return where + joinReason(reqErr.Reason, reqErr.Err, at)
	case asDirect(err, &respErr):
		return joinReason(respErr.Reason, respErr.Err, at)
	case asDirect(err, &secErr):
		return "security requirements failed: " + describeAll(secErr.Errors, at, " | ")
	}
	// A wrapper such as fmt.Errorf("...: %w", inner): keep its own words, describe the inner error.
	if inner := errors.Unwrap(err); inner != nil {
		msg, innerMsg := err.Error(), inner.Error()
		if prefix, ok := strings.CutSuffix(msg, innerMsg); ok {
			return prefix + describe(inner, at)
		}
		// kin-openapi's oneOf/allOf error lists unwrap to a MultiError.
		if errors.As(inner, &multi) {
			return describeAll(multi, at, " | ")
		}
	}
	return err.Error()
}

// isMulti reports whether err itself is a MultiError (errors.As also finds one deeper down).
func isMulti(err error) bool {
	_, ok := err.(openapi3.MultiError)
	return ok
}

// asDirect is errors.As for err itself only, so that an error's own context is not skipped.
func asDirect[T error](err error, target *T) bool {
	t, ok := err.(T)
	if ok {
		*target = t
	}
	return ok
}

func describeAll(errs []error, at []string, sep string) string {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		parts = append(parts, describe(e, at))
	}
	return strings.Join(parts, sep)
}

func joinReason(reason string, err error, at []string) string {
	switch {
	case err == nil:
		return reason
	case reason == "" || reason == err.Error():
		return describe(err, at)
	default:
		return reason + ": " + describe(err, at)
	}
}

func describeSchemaError(e *openapi3.SchemaError, at []string) string {
	path := append(append([]string(nil), at...), e.JSONPointer()...)
	switch {
	case e.Origin != nil && e.SchemaField == "oneOf":
		// kin-openapi gives the errors of each oneOf branch the full path already.
		return describe(e.Origin, at)
	case e.Origin != nil && (e.SchemaField == "anyOf" || e.SchemaField == "allOf" || e.Reason == ""):
		return describe(e.Origin, path)
	}
	reason := e.Reason
	if reason == "" {
		reason = fmt.Sprintf("does not match %q", e.SchemaField)
	}
	if len(path) == 0 {
		return reason
	}
	return fmt.Sprintf("field %q: %s", strings.Join(path, "."), reason)
}

// schemaErrorMessage is the message of a SchemaError that kin-openapi formats itself (inside errors that
// describe cannot take apart): where and which rule failed, without the value or the schema.
func schemaErrorMessage(err *openapi3.SchemaError) string {
	return describeSchemaError(err, nil)
}
