data "warehousesync_connection" "prod" {
  id = "snowflake-prod"
}

output "snowflake_aws_iam_user_arn" {
  value = data.warehousesync_connection.prod.snowflake.aws_iam_user_arn
}
