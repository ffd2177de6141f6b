// Command terraform-provider-warehousesync is the Warehouse Sync provider for Terraform and
// OpenTofu. Terraform and OpenTofu start it; it is not run by hand, except with -debug, which serves
// it for a debugger and prints the TF_REATTACH_PROVIDERS value that points Terraform or OpenTofu at it.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/terraform/internal/provider"
)

func main() {
	debug := flag.Bool("debug", false, "serve the provider for a debugger")
	flag.Parse()
	err := providerserver.Serve(context.Background(), provider.New(ws.Version), providerserver.ServeOpts{
		Address: "registry.opentofu.org/wsync-dev/warehousesync",
		Debug:   *debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
