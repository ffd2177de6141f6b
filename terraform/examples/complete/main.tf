# A connection, a data model and a pipeline, with the provider configured from
# the environment. The README shows how to apply it to the fake server,
# cmd/warehousesync-fake.
terraform {
  required_providers {
    warehousesync = {
      source = "wsync-dev/warehousesync"
    }
  }
}

provider "warehousesync" {}

variable "warehouse_password" {
  type      = string
  sensitive = true
  default   = "not-a-real-password"
}

resource "warehousesync_connection" "redshift" {
  id    = "redshift"
  name  = "Redshift"
  state = "active"

  redshift = {
    database         = "analytics"
    host             = "examplecluster.abc123xyz789.us-west-1.redshift.amazonaws.com"
    user             = "mparticle"
    password         = var.warehouse_password
    aws_iam_role_arn = "arn:aws:iam::123456789012:role/mparticle-redshift"
    # port defaults to "5439"
  }
}

resource "warehousesync_data_model" "users" {
  id        = "users"
  name      = "Users"
  state     = "active"
  sql_query = "SELECT customer_id, email, updated_at FROM users"
}

resource "warehousesync_pipeline" "users" {
  id            = "users-daily"
  name          = "Users, daily"
  pipeline_type = "user_attributes"
  connection_id = warehousesync_connection.redshift.id
  data_model_id = warehousesync_data_model.users.id
  state         = "paused"
  environment   = "development"

  sync_mode = {
    type               = "incremental"
    iterator_field     = "updated_at"
    iterator_data_type = "timestamp"
    from               = "2024-01-01T00:00:00Z"
  }

  schedule = {
    type      = "interval"
    frequency = "daily"
    start     = "2024-01-01T02:00:00+02:00"
  }
}

data "warehousesync_pipeline_status" "users" {
  pipeline_id = warehousesync_pipeline.users.id
}

output "pipeline_status" {
  value = data.warehousesync_pipeline_status.users.status
}
