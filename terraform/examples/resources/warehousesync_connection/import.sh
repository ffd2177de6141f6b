# A connection is imported by its id. The API never reveals secrets, so the
# first apply after an import writes the configured ones.
tofu import warehousesync_connection.snowflake snowflake-prod
