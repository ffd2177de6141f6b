package warehousesynctest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wsync-dev/warehousesync/internal/engine"
)

// engineReply words a refusal of the engine about the resource id (a pipeline's, unless the refusal
// names a connection or data model) as mParticle does, with its status:
// the engine says which rule refused (a sentinel error), the API's text is written here only.
func engineReply(err error, id string) reply {
	var notActive *engine.StateError
	var ref *engine.ReferenceError
	switch {
	case errors.As(err, &ref): // parsePipeline words these first, with the ids that exist
		return badRequest(fmt.Sprintf("%s: '%s' not found.", ref.Field, ref.ID))
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
	return resourceReply(err, id)
}

// resourceReply words a refusal of the engine about the connection or data model id.
func resourceReply(err error, id string) reply {
	var inUse *engine.InUseError
	var down *engine.UnreachableError
	switch {
	case errors.Is(err, engine.ErrNoConnection):
		return notFound(kindConnection, id)
	case errors.Is(err, engine.ErrNoDataModel):
		return notFound(kindDataModel, id)
	case errors.Is(err, engine.ErrConnectionExists):
		return alreadyExists(kindConnection, id)
	case errors.Is(err, engine.ErrDataModelExists):
		return alreadyExists(kindDataModel, id)
	case errors.As(err, &down):
		return errReply(statusWarehouseUnreachable, down.Message)
	case errors.As(err, &inUse):
		kind, other := kindConnection, "connection"
		if inUse.Kind == "data model" {
			kind, other = kindDataModel, "data model"
		}
		return badRequest(fmt.Sprintf("%s '%s' is used by pipelines %s; delete them or point them at another %s first.",
			kind, id, strings.Join(inUse.Pipelines, ", "), other))
	}
	return errReply(http.StatusInternalServerError, err.Error())
}
