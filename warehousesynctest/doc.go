// Package warehousesynctest is a fake mParticle Warehouse Sync API (v2) for tests: a stateful, strict,
// in-process HTTP server with OAuth, connections, data models, pipelines, a scheduler and run engine on
// a controllable clock, and faults a test can cause.
//
// # Starting it
//
//	srv := warehousesynctest.NewServer(t)          // loopback, free port, stopped by t.Cleanup
//	c := srv.Client()                              // a *warehousesync.Client pointed at srv, authenticated
//	conn, err := c.Connections.Create(ctx, &warehousesync.Connection{...})
//	srv.Advance(2 * time.Hour)                     // synchronous: every run due on the way has happened
//
// Programs use Start (and Close or Shutdown) instead of NewServer; Handler mounts the whole fake in
// another server. URL is the API root (clients add /platform/v2/workspaces/{id}), TokenURL the OAuth
// endpoint. The server serves the default workspace (DefaultWorkspaceID, or WithWorkspace), those of
// WithWorkspaces and those added by AddWorkspace, each isolated from the others; a request to any other
// workspace id is a 404 naming the known ones. The default workspace is the one of Client;
// DefaultWorkspace returns it, with the methods that make faults and seed records
// (srv.DefaultWorkspace().FailNextRuns(…)), and Workspace(id) another one. An unknown member in a
// request body is a 400 naming it and the member meant (WithLenientBodies accepts it), and a token
// request without audience a 400; Budgets bound everything requests can make the server keep, each
// refusal naming its budget. Two Servers in one process share nothing.
//
// Code under test that builds its own client gets everything Client sets (the addresses, the
// credentials, fast retries and waits that fit the server's clock) from ClientOptions:
//
//	c, err := warehousesync.NewClient(srv.WorkspaceID(), srv.ClientOptions()...)
//
// Plain HTTP works as well: POST {"client_id", "client_secret", "audience", "grant_type":
// "client_credentials"} to TokenURL (the defaults are DefaultClientID and DefaultClientSecret) and send
// the access token as "Authorization: Bearer …". The command cmd/warehousesync-fake serves the same fake
// as a standalone binary.
//
// # Time
//
// Each Server has one clock. By default it is manual: it starts at DefaultStartTime (or WithStartTime)
// and moves only with Advance, AdvanceTo and RunUntilIdle, forward only; every event that falls due on
// the way (runs created, started, retried, finished) is processed before the call returns, and what a
// request makes due at the current instant (a triggered run's start) happens before it is answered.
// Tokens expire on this clock. WithRealTimeClock follows the wall clock instead, with one goroutine driving the
// engine. WithAutoAdvance makes a GET of a run or report of a running pipeline move the clock, event by
// event, until what it shows changes, so that a client polling for a run's end (Runs.Wait) sees each next
// status at once and finishes in milliseconds.
//
// # Faults
//
//   - SetConnectionUnreachable / SetConnectionReachable: updating the connection answers 505, its status
//     turns faulted, and its pipelines' runs fail.
//   - SetDataModelInvalid / SetDataModelValid: the model's status turns invalid and its runs fail.
//   - InjectFault: an HTTP status (429 with Retry-After and X-mp-rate-limit-exceeded, 500, 502, 503, 504,
//     505)
//     for the next N requests matching a method and path, added latency, or ApplyThenFail: the request is
//     processed and then answered with an error, as when a response is lost.
//   - FailNextRuns: the next runs of a pipeline fail with a message, retries included; FailNextAttempts
//     fails single attempts.
//   - SetFieldTransformations: the field transformation ids a pipeline may name.
//
// Runs count the rows a test seeded with SeedRecords, or the rows its own database returns for the data
// model's query (UseSQLSource). Workspace(id) gives the same methods for another workspace the server
// serves. Each of these setters refuses an id that does not exist with an error, and on a server made by
// NewServer also fails the test at the caller's line. Requests lists what the server received, as the
// route's wire shape parsed it, secrets masked, with Path relative to the workspace root as in a Fault;
// LatestRequests(n) the n newest, newest first. Reset empties everything but the clock, the options,
// the known workspaces and the tokens.
//
// # Snapshots
//
// Snapshot returns the whole state (workspaces, resources, runs, the clock, faults not yet fired,
// seeded records) as a versioned JSON document that holds no secret in plain text; Restore puts one
// back, all or nothing, and WithSnapshot starts a server from one, so an expensive fixture is built once
// and restored per test. WithPersist is called with a snapshot after every acknowledged change; the
// binary's -state flag uses it to keep its state in a file. docs/snapshots.md describes the document.
//
// # Over HTTP
//
// All of it is also available over HTTP under /_fake/, without authentication unless WithAdminToken
// (docs/fake.md lists every endpoint, and GET /_fake/ lists them too), and
// GET /_fake/openapi.yaml serves the OpenAPI description of the API (package api) that the project's
// contract tests hold both the fake and the client to (docs/contract.md).
//
// # Fidelity
//
// The fake implements what mParticle documents for the API and chooses, strictly and deterministically,
// where the documentation is silent or vague; lists are sorted by id, every rejection of a request
// changes nothing and names each field and rule it breaks (a 400, or the status a budget or an unknown
// workspace or id answers), and the same script gives the same runs, ids and
// timestamps every time. The module's docs/fidelity.md is the one table of every behaviour, with its
// source and whether the fake follows the documentation, chooses, or leaves it out ([Fidelity]);
// docs/scheduler.md states the scheduling and run rules the run engine follows ([Scheduling]).
//
// [Fidelity]: https://github.com/wsync-dev/warehousesync/blob/main/docs/fidelity.md
// [Scheduling]: https://github.com/wsync-dev/warehousesync/blob/main/docs/scheduler.md
package warehousesynctest
