package warehousesync

import "errors"

// ErrIncompleteResponse matches a successful answer (2xx) that lacks what its operation must return,
// such as a resource without its id or a trigger without the new run's id (a body of null or {}, say).
var ErrIncompleteResponse = errors.New("incomplete response")

// checkedResponse is a decoded successful answer that can say whether it holds what its operation must
// return. The request path calls checkResponse after decoding every answer that implements it.
type checkedResponse interface {
	checkResponse() error
}

// missing is the error of an answer without field.
func missing(field string) error {
	return errors.New("the answer has no " + field)
}

func (c *Connection) checkResponse() error {
	if c.ID == "" {
		return missing("id")
	}
	return nil
}

func (m *DataModel) checkResponse() error {
	if m.ID == "" {
		return missing("id")
	}
	return nil
}

func (p *Pipeline) checkResponse() error {
	if p.ID == "" {
		return missing("id")
	}
	return nil
}

func (r *TriggerResponse) checkResponse() error {
	if r.PipelineRunID <= 0 {
		return missing("pipeline_run_id (the new run's id)")
	}
	return nil
}

func (r *Run) checkResponse() error {
	if r.ID <= 0 {
		return missing("id")
	}
	return nil
}

func (r *Report) checkResponse() error {
	if r.PipelineID == "" {
		return missing("pipeline_id")
	}
	return nil
}
