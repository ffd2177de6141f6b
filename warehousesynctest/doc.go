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
// endpoint. Any workspace id works, each isolated from the others; the default one (DefaultWorkspace,
// or WithWorkspace) is the workspace of Client and of the Server's fault methods. Two Servers in one
// process share nothing.
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
// engine. WithAutoAdvance makes a GET of a run or report of a running pipeline jump the clock to the next
// event, so that a client polling for a run's end sees every status and finishes in milliseconds.
//
// # Faults
//
//   - SetConnectionUnreachable / SetConnectionReachable: creating or updating the connection answers 505,
//     its status turns faulted, and its pipelines' runs fail.
//   - SetDataModelInvalid / SetDataModelValid: the model's status turns invalid and its runs fail.
//   - InjectFault: an HTTP status (429 with Retry-After and X-mp-rate-limit-exceeded, 500, 502, 503, 504)
//     for the next N requests matching a method and path, added latency, or ApplyThenFail: the request is
//     processed and then answered with an error, as when a response is lost.
//   - FailNextRuns: the next runs of a pipeline fail with a message.
//   - SetFieldTransformations: the field transformation ids a pipeline may name.
//
// Runs count the rows a test seeded with SeedRecords, or the rows its own database returns for the data
// model's query (UseSQLSource). Workspace(id) gives the same methods for any workspace. Requests lists
// what the server received, secrets masked; Reset empties everything but the clock. All of it is also
// available over HTTP under /_fake/, without authentication (docs/fake.md lists every endpoint).
//
// # Fidelity
//
// What the fake does, and where that comes from: [doc] is documented by mParticle (the API reference or
// its other Warehouse Sync pages), [v1] documented for v1 of the API and kept, [choice] is our decision
// where the documentation is silent or vague.
//
// Transport and authentication:
//   - [doc] Base path /platform/v2/workspaces/{workspaceId}; the error envelope {"statusCode": 400,
//     "errors": [{"message": "…"}]}; 200 on success, 204 on DELETE, 400, 404, and 505 when the
//     warehouse cannot be reached.
//   - [doc] POST /oauth/token with a JSON client-credentials body; tokens last 8 hours (expires_in 28800).
//   - [choice] Form-encoded token requests and HTTP Basic client credentials are accepted too. A wrong
//     client id or secret is 401 {"error": "access_denied", "error_description": "Unauthorized"}; a
//     missing grant_type is 400 invalid_request; another grant type is 400 unsupported_grant_type; an
//     audience other than https://api.mparticle.com is 403 access_denied (Auth0's style). Tokens are
//     random and expire on the fake clock; they survive Reset.
//   - [choice] Every API request without a valid, unexpired bearer token is a 401 in the error envelope,
//     before routing (so unknown paths answer 401 too). Unknown paths are 404 and known paths with a
//     wrong method are 405, both in the envelope. A body over 1 MiB is a 400.
//   - [choice] Any workspace id that is a slug works; workspaces are isolated and created on first use.
//
// Resources:
//   - [doc] Ids are slugs; [choice] anything else, empty, or over 128 characters is a 400 naming the
//     field. A duplicate id is 400 "<Kind> '<id>' already exists."; an unknown one is 404 "<Kind> '<id>'
//     not found." (Kind: Connection, Data model, Pipeline).
//   - [choice] Every rejection is a 400 whose errors list every problem found, one message per field,
//     each starting with the field's path ("sync_mode.until: …"), and leaves the state unchanged. Unknown
//     fields are ignored; so are the read-only fields status, errors, created_* and last_modified_* [doc:
//     the reference's own request examples send errors].
//   - [choice] A PUT body whose id differs from the path is a 400; a PUT body without id takes the
//     path's. PUT replaces the whole resource: it is validated like a create.
//   - [choice] Lists are sorted by id. GET /connections?serviceProvider= filters [doc]; an unknown
//     provider (the match is exact and case-sensitive) is a 400 [choice].
//   - [choice] created_on is the fake clock's time, created_by and last_modified_by the client id of the
//     token (for example "fake-client-id"); last_modified_* is null (left out) until the first update.
//     Timestamps are written in RFC 3339 UTC with milliseconds.
//
// Connections:
//   - [doc] state new, active or inactive; service_provider Snowflake, BigQuery, Redshift or Databricks;
//     status healthy or faulted with errors.
//   - [doc/choice] Required config: Snowflake account_identifier, region, warehouse, database, role,
//     user, password, storage_integration; BigQuery region, project_id, dataset_id, service_account_id,
//     service_account_key; Redshift database, host, user, password, aws_iam_role_arn; Databricks
//     provider, schema. Other config fields are ignored.
//   - [doc] Snowflake's aws_iam_user_arn and aws_external_id are filled when absent; [choice] they are
//     derived from the workspace and connection ids, so they are stable across updates. [doc] Redshift's
//     port defaults to "5439"; [choice] a given port must be a number from 1 to 65535.
//   - [doc] password and service_account_key are masked as "************" on every read. [choice] A
//     masked value sent back on PUT keeps the stored secret, so read-modify-write works; the mask on a
//     create is a 400. [choice] service_provider cannot change on PUT.
//   - [doc] 505 when the warehouse cannot be reached on create or update; [choice] the fake decides with
//     SetConnectionUnreachable (default: every warehouse is reachable), and the 400 checks come first.
//   - [choice] Deleting a connection that pipelines use is a 400 naming them.
//   - [doc] A PUT of a connection clears its fault and the faults of the pipelines using it; [choice]
//     a connection marked unreachable stays faulted (and its runs fail) until such a PUT succeeds after
//     SetConnectionReachable.
//
// Data models:
//   - [doc] type must be sql; config.sql_query is required; state new, active or inactive; status
//     valid or invalid. [choice] id, name and state are required as for the other resources.
//   - [v1] A single SELECT query; DELETE, UPDATE, DROP, CREATE, ALTER and WITH are rejected with a 400.
//     [choice] The check skips string literals, quoted identifiers and comments, allows one trailing
//     semicolon, and requires the query to start with SELECT. The reserved identity column names (mpid,
//     email, …) are informational only: the fake does not parse column names, so it accepts and rejects
//     nothing because of them.
//   - [choice] A PUT of a model makes it valid again and clears the faults of its pipelines, like a
//     connection's PUT. Deleting a model that pipelines use is a 400 naming them.
//
// Pipelines:
//   - [doc] pipeline_type user_attributes or events; events requires field_transformation_id and
//     user_attributes forbids it. [choice] Any slug is accepted as a field transformation id unless the
//     test registered the known ones (WithFieldTransformations, SetFieldTransformations).
//   - [choice] connection_id and data_model_id must name existing resources (400 naming the id).
//   - [doc] state new, active or paused; status idle, running, faulted or stopped (from the run engine);
//     environment development or production; partner_feed_id (an integer; [choice] a string of digits is
//     accepted) and partner_feed_key, either or both; data_plan_id and data_plan_version (an integer,
//     [choice] at least 1) are optional and not checked against any data plan.
//   - [doc] sync_mode.type incremental or full; incremental requires iterator_field and
//     iterator_data_type, one of timestamp, datetime, datetime_tz, date, timestamp_ltz, timestamp_ntz,
//     timestamp_tz, timestamp_unixtime_ms, timestamp_unixtime_s ([choice] also checked when given with
//     full). [choice] from must be before until.
//   - [doc] schedule.type interval, once or on_demand ("on-demand" is accepted and stored as on_demand);
//     interval requires frequency (hourly, daily, weekly, monthly) and start. [choice] end must be after
//     start; delay is optional and must match ^[0-9]+[smhdwy]$ (at most 100 years).
//   - [choice] Timestamps must be RFC 3339 with a zone: the reference's typo 2023-03-01T:12:00:00Z is a
//     400 naming the field.
//   - [doc] sync_mode.from cannot change on PUT (setting or removing it is a change too): 400.
//   - [doc] At most 5 active pipelines per workspace (WithMaxActivePipelines); [choice] creating or
//     activating one more is a 400 on state naming the active ones; paused and new pipelines do not count.
//
// Trigger, report and runs (the run engine implements ../shared/docs/scheduler.md):
//   - [doc] POST /inputs/data-pipelines/trigger {"pipeline_id"} answers {"pipeline_run_id", "status":
//     "attempt_requested"}; a pipeline with an active run is 400 "Pipeline <id> is already in progress.".
//     [choice] An unknown pipeline is 404; a pipeline that is not active is 400 naming its state.
//   - [doc] GET …/{id}/report; [choice] its connection and data model status and errors are the
//     store's, its status, errors and runs the engine's.
//   - [doc] GET …/{id}/runs with currentPage, pageSize, startDate, endDate (inclusive bounds on
//     logical_date) and the page envelope; [choice] currentPage ≥ 1, pageSize 1 to 1000 (default 50),
//     dates in RFC 3339, endDate not before startDate: anything else is a 400 naming the parameter.
//     Runs are in ascending logical_date, then id.
//   - [choice] GET …/{id}/runs/{runId}: a runId that is not an integer is a 400, an unknown one 404
//     "Pipeline run '<id>' not found.".
//
// Faults and inspection [choice]:
//   - HTTP faults match a method ("" for any), a path relative to the workspace root (exact, or a prefix
//     ending in *), and optionally a workspace; the first matching fault applies and uses up one of its
//     Times. Requests without a valid token get their 401 first and do not use up faults. Latency is the
//     fake's only real-time delay (for client timeout tests) and ends when the client gives up.
//   - Requests records API and token requests (at least the last 100,000), not /_fake/ ones, with the
//     values of password, service_account_key and client_secret masked wherever they appear in the body,
//     and without the Authorization header. Secrets never appear in responses, error messages or the log.
//   - The real-time clock's goroutine keeps the engine up to the wall clock; every request also brings
//     it up to date first. Its timestamps have millisecond precision.
//   - Reset empties the store, the runs (a new engine), the faults, the seeded records and the request
//     log; the clock, the options and issued tokens stay.
package warehousesynctest
