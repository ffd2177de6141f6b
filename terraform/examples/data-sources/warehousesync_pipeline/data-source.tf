data "warehousesync_pipeline" "users" {
  id = "users-daily"
}

output "users_schedule" {
  value = data.warehousesync_pipeline.users.schedule
}
