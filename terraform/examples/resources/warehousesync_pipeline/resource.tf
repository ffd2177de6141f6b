# A daily incremental sync of user attributes.
resource "warehousesync_pipeline" "users" {
  id            = "users-daily"
  name          = "Users, daily"
  pipeline_type = "user_attributes"
  connection_id = warehousesync_connection.snowflake.id
  data_model_id = warehousesync_data_model.users.id
  state         = "active"
  environment   = "production"

  sync_mode = {
    type               = "incremental"
    iterator_field     = "updated_at"
    iterator_data_type = "timestamp"
    from               = "2024-01-01T00:00:00Z" # changing it replaces the pipeline
  }

  schedule = {
    type      = "interval"
    frequency = "daily"
    delay     = "15m"
    start     = "2024-01-01T02:00:00+02:00" # any zone; the API stores UTC, which is no change
  }
}

# An events pipeline, run only when triggered.
resource "warehousesync_pipeline" "orders" {
  id                      = "orders"
  name                    = "Orders"
  pipeline_type           = "events"
  field_transformation_id = "orders-to-commerce-events" # required for events
  connection_id           = warehousesync_connection.snowflake.id
  data_model_id           = warehousesync_data_model.users.id
  state                   = "active"
  environment             = "development"

  sync_mode = {
    type = "full"
  }

  schedule = {
    type = "on_demand"
  }
}
