//go:build tools

package tofu

// The import that pins OpenTofu's command in go.mod, so `go mod tidy` keeps it; the build tag keeps it
// out of every ordinary build and vet.
import _ "github.com/opentofu/opentofu/cmd/tofu"
