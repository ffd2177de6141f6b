data "warehousesync_pipeline_status" "users" {
  pipeline_id = "users-daily"
}

output "users_last_run" {
  value = {
    status                = data.warehousesync_pipeline_status.users.status
    latest_run            = data.warehousesync_pipeline_status.users.latest_run
    latest_successful_run = data.warehousesync_pipeline_status.users.latest_successful_run
  }
}
