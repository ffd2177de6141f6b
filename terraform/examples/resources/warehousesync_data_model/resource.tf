resource "warehousesync_data_model" "users" {
  id        = "users"
  name      = "Users"
  state     = "active"
  sql_query = "SELECT customer_id, email, updated_at FROM analytics.users"
}
