terraform {
  required_providers {
    warehousesync = {
      source = "wsync-dev/warehousesync"
    }
  }
}

# Every setting may be left out and taken from the environment instead:
# MPARTICLE_WORKSPACE_ID, MPARTICLE_CLIENT_ID, MPARTICLE_CLIENT_SECRET,
# MPARTICLE_API_URL and MPARTICLE_TOKEN_URL.
provider "warehousesync" {
  workspace_id  = "12345"
  client_id     = var.mparticle_client_id
  client_secret = var.mparticle_client_secret

  retry = {
    max_retries = 6
    max_wait    = "1m"
  }
}

variable "mparticle_client_id" {
  type = string
}

variable "mparticle_client_secret" {
  type      = string
  sensitive = true
}
