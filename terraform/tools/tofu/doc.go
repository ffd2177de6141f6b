// Package tofu is a tools module, not code: its go.mod pins the OpenTofu release (and OpenTofu's own
// replace of hcl) that scripts/build-tofu.sh builds for the provider's acceptance tests, so every machine
// builds the same binary from the Go module proxy.
package tofu
