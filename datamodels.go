package warehousesync

import (
	"context"
	"net/http"
	"net/url"
)

// DataModel is a SQL query that selects the rows a pipeline syncs.
type DataModel struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	State          State           `json:"state"`
	Status         DataModelStatus `json:"status,omitempty"` // read-only
	Errors         []ErrorDetail   `json:"errors,omitempty"` // read-only
	Type           DataModelType   `json:"type"`             // DataModelSQL
	Config         DataModelConfig `json:"config"`
	CreatedOn      Timestamp       `json:"created_on"`                 // read-only
	CreatedBy      string          `json:"created_by,omitempty"`       // read-only
	LastModifiedOn Timestamp       `json:"last_modified_on"`           // read-only; null until the first update
	LastModifiedBy string          `json:"last_modified_by,omitempty"` // read-only
}

// DataModelConfig holds the query of a data model.
type DataModelConfig struct {
	// SQLQuery is a single SELECT query; it must still work wrapped as SELECT … FROM (<query>).
	SQLQuery string `json:"sql_query"`
}

// DataModelsService manages the workspace's data models (/data-models).
type DataModelsService service

// ListDataModelsOptions filters DataModels.List. The API has no filter for data models yet: the type
// exists so that one can be added without changing List's signature.
type ListDataModelsOptions struct{}

// List returns the workspace's data models; opts may be nil.
func (s *DataModelsService) List(ctx context.Context, opts *ListDataModelsOptions) ([]*DataModel, error) {
	models, err := call[[]*DataModel](ctx, s.client, route{"DataModels.List", "/data-models"}, http.MethodGet, "data-models", opts, nil)
	if err != nil {
		return nil, err
	}
	return *models, nil
}

// Get returns the data model modelID.
func (s *DataModelsService) Get(ctx context.Context, modelID string) (*DataModel, error) {
	if err := validateID("modelID", modelID); err != nil {
		return nil, err
	}
	return call[DataModel](ctx, s.client, routeDataModel("DataModels.Get"), http.MethodGet, "data-models/"+url.PathEscape(modelID), nil, nil)
}

// Create creates model (POST) and returns the stored data model. A query the API cannot accept is a
// 400 (ErrBadRequest) naming the problem.
// A Create retried after a lost answer (a 5xx or network error) that meets "already exists" reads the
// resource back and succeeds if it matches; see ErrOutcomeUnknown and ErrAlreadyExists.
func (s *DataModelsService) Create(ctx context.Context, model *DataModel) (*DataModel, error) {
	if err := validateBody("model", model); err != nil {
		return nil, err
	}
	return create(ctx, s.client, route{"DataModels.Create", "/data-models"}, routeDataModel("DataModels.Create"), "data-models", "data-models/"+url.PathEscape(model.ID), "data model", model, model.request())
}

// Update replaces the data model model.ID with model (PUT) and returns the stored data model.
func (s *DataModelsService) Update(ctx context.Context, model *DataModel) (*DataModel, error) {
	if err := validateBody("model", model); err != nil {
		return nil, err
	}
	return call[DataModel](ctx, s.client, routeDataModel("DataModels.Update"), http.MethodPut, "data-models/"+url.PathEscape(model.ID), nil, model.request())
}

// Delete deletes the data model modelID. A data model that a pipeline uses cannot be deleted.
func (s *DataModelsService) Delete(ctx context.Context, modelID string) error {
	if err := validateID("modelID", modelID); err != nil {
		return err
	}
	return s.client.delete(ctx, routeDataModel("DataModels.Delete"), "data-models/"+url.PathEscape(modelID))
}

// identity returns m's ID and whether m is not nil, for validateBody.
func (m *DataModel) identity() (string, bool) {
	if m == nil {
		return "", false
	}
	return m.ID, true
}
