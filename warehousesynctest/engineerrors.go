package warehousesynctest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/wsync-dev/warehousesync/internal/engine"
)

// engineReply words a refusal of the engine about the pipeline id as mParticle does, with its status:
// the engine says which rule refused (a sentinel error), the API's text is written here only.
func engineReply(err error, id string) reply {
	var notActive *engine.StateError
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return notFound(kindPipeline, id)
	case errors.Is(err, engine.ErrExists):
		return alreadyExists(kindPipeline, id)
	case errors.Is(err, engine.ErrBusy):
		return badRequest(fmt.Sprintf("Pipeline %s is already in progress.", id))
	case errors.As(err, &notActive):
		return badRequest(fmt.Sprintf("Pipeline %s is %s; only an active pipeline can be triggered.", id, notActive.State))
	case errors.Is(err, engine.ErrBackwards), errors.Is(err, engine.ErrTooMany):
		return badRequest(err.Error())
	}
	return errReply(http.StatusInternalServerError, err.Error())
}
