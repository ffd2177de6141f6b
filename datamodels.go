package warehousesync

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
