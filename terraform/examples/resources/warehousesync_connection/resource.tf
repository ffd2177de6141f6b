# A Snowflake connection. The API fills aws_iam_user_arn and aws_external_id
# when they are left out; the provider keeps what it chose.
resource "warehousesync_connection" "snowflake" {
  id    = "snowflake-prod"
  name  = "Snowflake (production)"
  state = "active"

  snowflake = {
    account_identifier  = "acme-xy12345"
    region              = "us-east-1"
    warehouse           = "COMPUTE_WH"
    database            = "ANALYTICS"
    role                = "MPARTICLE_ROLE"
    user                = "MPARTICLE_USER"
    password            = var.snowflake_password # sensitive; kept in state, never shown
    storage_integration = "mp_us1_s3"
  }
}

# A BigQuery connection: exactly one of snowflake, bigquery, redshift and
# databricks is set. Changing which one replaces the connection.
resource "warehousesync_connection" "bigquery" {
  id    = "bigquery"
  name  = "BigQuery"
  state = "active"

  bigquery = {
    region              = "US"
    project_id          = "acme-analytics"
    dataset_id          = "mparticle"
    service_account_id  = "mparticle@acme-analytics.iam.gserviceaccount.com"
    service_account_key = var.bigquery_service_account_key # the key file's JSON
  }
}

variable "snowflake_password" {
  type      = string
  sensitive = true
}

variable "bigquery_service_account_key" {
  type      = string
  sensitive = true
}
