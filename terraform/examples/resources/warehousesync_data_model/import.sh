# A data model is imported by its id.
tofu import warehousesync_data_model.users users
