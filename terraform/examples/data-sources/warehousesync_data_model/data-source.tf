data "warehousesync_data_model" "users" {
  id = "users"
}

output "users_query" {
  value = data.warehousesync_data_model.users.sql_query
}
