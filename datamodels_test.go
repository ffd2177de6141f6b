package warehousesync_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

const referenceQuery = `SELECT email AS email, COUNT(id) AS "count_of_open_tickets", LAST_UPDATED_DATE_TIME FROM mp.demo_service.tickets WHERE t.status = 'open'`

func TestDataModelsList(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/data-models", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testNoBody(t, r)
		writeJSON(w, http.StatusOK, reference(t, "datamodels-list-response"))
	})
	models, err := c.DataModels.List(context.Background(), nil)
	require.NoError(t, err)
	at := ts(t, "2023-10-24T21:05:19.281Z")
	assert.Equal(t, []*ws.DataModel{{
		ID: "string", Name: "example-data-model", State: ws.StateActive, Status: ws.DataModelValid,
		Errors: []ws.ErrorDetail{{Message: "string"}}, Type: ws.DataModelSQL,
		Config:    ws.DataModelConfig{SQLQuery: referenceQuery},
		CreatedOn: at, CreatedBy: "developer@example.com", LastModifiedOn: at, LastModifiedBy: "developer@example.com",
	}}, models)
}

func TestDataModelsGet(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/data-models/example-data-model", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeaders(t, r)
		writeJSON(w, http.StatusOK, reference(t, "datamodels-get-response"))
	})
	model, err := c.DataModels.Get(context.Background(), "example-data-model")
	require.NoError(t, err)
	at := ts(t, "2023-10-24T21:14:30.532Z")
	assert.Equal(t, &ws.DataModel{
		ID: "example-data-model", Name: "Example Data Model", State: ws.StateActive, Status: ws.DataModelValid,
		Errors: []ws.ErrorDetail{{Message: "string"}}, Type: ws.DataModelSQL,
		Config: ws.DataModelConfig{
			SQLQuery: `SELECT email AS email, COUNT(id) AS "count_of_open_tickets" FROM mp.demo_service.tickets WHERE t.status = 'open'`,
		},
		CreatedOn: at, CreatedBy: "developer@example.com", LastModifiedOn: at, LastModifiedBy: "developer@example.com",
	}, model)
}

// referenceModel is the data model of the reference's create and update request examples.
func referenceModel() *ws.DataModel {
	return &ws.DataModel{
		ID: "example-data-model", Name: "Example Data Model", State: ws.StateActive,
		Errors: []ws.ErrorDetail{{Message: "string"}}, // read-only, but the reference's examples send it
		Type:   ws.DataModelSQL, Config: ws.DataModelConfig{SQLQuery: referenceQuery},
	}
}

// referenceModelResponse is the data model of the reference's create and update responses.
func referenceModelResponse(t *testing.T) *ws.DataModel {
	at := ts(t, "2023-10-24T21:23:20.833Z")
	return &ws.DataModel{
		ID: "string", Name: "string", State: ws.StateActive, Status: ws.DataModelValid,
		Errors: []ws.ErrorDetail{{Message: "string"}}, Type: ws.DataModelSQL,
		Config:    ws.DataModelConfig{SQLQuery: "string"},
		CreatedOn: at, CreatedBy: "string", LastModifiedOn: at, LastModifiedBy: "string",
	}
}

func TestDataModelsCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/data-models", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testBody(t, r, referenceRequest(t, "datamodels-create-request"))
		writeJSON(w, http.StatusOK, reference(t, "datamodels-create-response"))
	})
	got, err := c.DataModels.Create(context.Background(), referenceModel())
	require.NoError(t, err)
	assert.Equal(t, referenceModelResponse(t), got)
}

func TestDataModelsUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/data-models/example-data-model", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testBody(t, r, referenceRequest(t, "datamodels-update-request"))
		writeJSON(w, http.StatusOK, reference(t, "datamodels-update-response"))
	})
	got, err := c.DataModels.Update(context.Background(), referenceModel())
	require.NoError(t, err)
	assert.Equal(t, referenceModelResponse(t), got)
}

func TestDataModelsDelete(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/data-models/example-data-model", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodDelete)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testNoBody(t, r)
		w.WriteHeader(http.StatusNoContent)
	})
	require.NoError(t, c.DataModels.Delete(context.Background(), "example-data-model"))
}
