package wire

// ReadOnlyFields returns the top-level fields of a connection, data model or pipeline that the API fills
// in and never takes as parameters: tools that compare, export or send back a resource leave them out.
// A new slice on each call.
func ReadOnlyFields() []string {
	return []string{"status", "errors", "created_on", "created_by", "last_modified_on", "last_modified_by"}
}
