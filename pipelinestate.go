package warehousesync

import "context"

// Pause sets the state of the pipeline pipelineID to StatePaused and returns the stored pipeline: no
// new run is scheduled, a running attempt finishes, and a queued run is stopped.
//
// The API has no partial update, only a PUT of the whole pipeline, so Pause reads the pipeline (GET)
// and writes it back with the new state (PUT): two requests, and not atomic. A change another writer
// makes between the two is overwritten by the values Pause read (the last write wins). A pipeline that
// is already paused is returned as read, without the PUT.
func (s *PipelinesService) Pause(ctx context.Context, pipelineID string) (*Pipeline, error) {
	return s.setState(ctx, pipelineID, StatePaused)
}

// Resume sets the state of the pipeline pipelineID to StateActive and returns the stored pipeline; its
// schedule goes on from the next interval. Like Pause, it is a GET then a PUT of the whole pipeline,
// not atomic (a concurrent change between the two is overwritten), and it makes no PUT for a pipeline
// that is already active.
func (s *PipelinesService) Resume(ctx context.Context, pipelineID string) (*Pipeline, error) {
	return s.setState(ctx, pipelineID, StateActive)
}

// setState reads the pipeline and writes it back with state, unless it has that state already.
func (s *PipelinesService) setState(ctx context.Context, pipelineID string, state State) (*Pipeline, error) {
	p, err := s.Get(ctx, pipelineID)
	if err != nil {
		return nil, err
	}
	if p.State == state {
		return p, nil
	}
	if p.ID == "" {
		p.ID = pipelineID // a server that leaves the id out of the answer
	}
	p.State = state
	return s.Update(ctx, p)
}
