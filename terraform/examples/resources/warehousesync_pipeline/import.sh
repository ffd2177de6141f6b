# A pipeline is imported by its id.
tofu import warehousesync_pipeline.users users-daily
