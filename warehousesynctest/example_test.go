package warehousesynctest_test

import (
	"context"
	"errors"
	"fmt"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// Example starts a fake, creates a connection through the client, and shows what the server filled in.
// In a test, use NewServer(t) instead of Start: it stops the server when the test ends.
func Example() {
	srv, err := warehousesynctest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	c := srv.Client()

	conn, err := c.Connections.Create(context.Background(), &ws.Connection{
		ID: "example-redshift-connection", Name: "Redshift Connection", State: ws.StateActive,
		Config: &ws.RedshiftConfig{Database: "dev", Host: "dwi-test.example.redshift.amazonaws.com",
			User: "mParticle", Password: "mParticleSecurePassword", AWSIAMRoleARN: "arn:aws:iam::123456789:role/mParticle_role"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := conn.Config.(*ws.RedshiftConfig)
	fmt.Println(conn.ID, conn.Status, cfg.Port, string(cfg.Password), conn.CreatedOn)

	if err := srv.DefaultWorkspace().SetConnectionUnreachable(conn.ID, "password expired"); err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Connections.Update(context.Background(), conn) // the mask keeps the stored password
	fmt.Println(errors.Is(err, ws.ErrWarehouseUnreachable))
	// Output:
	// example-redshift-connection healthy 5439 ************ 2025-01-01T00:00:00.000Z
	// true
}
