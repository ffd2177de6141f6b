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
// engine. WithAutoAdvance makes a GET of a run or report of a running pipeline move the clock, event by
// event, until what it shows changes, so that a client polling for a run's end (Runs.Wait) sees each next
// status at once and finishes in milliseconds.
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
// available over HTTP under /_fake/, without authentication (docs/fake.md lists every endpoint), and
// GET /_fake/openapi.yaml serves the OpenAPI description of the API (package api) that the project's
// contract tests hold both the fake and the client to (docs/contract.md).
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
//   - [choice] Any workspace id that is a slug works; workspaces are isolated and created on first use;
//     one that a request leaves empty (a read, a rejected write) is not kept.
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
// Trigger, report and runs (the run engine implements ../shared/docs/scheduler.md, whose rules are [doc]
// readings of the reference; what scheduler.md leaves open is marked [choice]):
//   - [doc] POST /inputs/data-pipelines/trigger {"pipeline_id"} answers {"pipeline_run_id", "status":
//     "attempt_requested"}; a pipeline with an active run is 400 "Pipeline <id> is already in progress.".
//     [choice] An unknown pipeline is 404; a pipeline that is not active is 400 "Pipeline <id> is
//     paused; only an active pipeline can be triggered." (or new); a faulted pipeline can be triggered.
//   - [doc] A trigger's range: full mode from F; incremental from max(F, LS), or on a full refresh
//     (no successful run yet, or more than six calendar months after the previous trigger call) from F,
//     else schedule.start for an on-demand pipeline, else null; range_end is min(U, now). [choice] The six
//     months are calendar months, clamped (Aug 31 + 6 months is Feb 28); refused calls do not count as
//     the previous trigger call. A range that would be empty or inverted (F or LS beyond U) is created
//     with range_end equal to range_start and syncs nothing.
//   - [doc] GET …/{id}/report; [choice] its connection and data model status and errors are the
//     store's, its status, errors and runs the engine's. latest_pipeline_run is the run with the greatest
//     logical_date (ties: greatest id); latest_successful_pipeline_run_id the successful run with the
//     greatest range_end (ties: greatest id); both null without runs.
//   - [doc] GET …/{id}/runs with currentPage, pageSize, startDate, endDate (inclusive bounds on
//     logical_date) and the page envelope; [choice] currentPage ≥ 1, pageSize 1 to 1000 (default 50),
//     dates in RFC 3339, endDate not before startDate: anything else is a 400 naming the parameter.
//     Runs are in ascending logical_date, then id; total_pages is 0 when there are no runs; a page
//     beyond the last is empty, with the totals. A page costs its size, not the pipeline's history.
//   - [choice] GET …/{id}/runs/{runId}: a runId that is not an integer is a 400, an unknown one 404
//     "Pipeline run '<id>' not found.".
//   - [doc] Run ids are integers increasing across the whole server (all workspaces), [choice] from 1;
//     Reset does not start them again, so an id kept from before a Reset never names another run.
//
// Scheduling:
//   - [doc] Interval schedules (hourly, daily, weekly, monthly) are anchored on schedule.start, with the
//     initial interval [F or unbounded, S) when F is absent or before S; a run is created after its
//     interval ends, plus delay; no interval ends after schedule.end; monthly boundaries are clamped to
//     the month's length (Jan 31, Feb 28, Mar 31). Successful incremental runs never overlap and leave no
//     gap: a run's range starts at LS, the greatest range_end of a successful run.
//   - [doc] A new pipeline catches up the intervals already due (hourly 7 days, daily 6 months, weekly 3
//     years, monthly 5 years: WithCatchUpWindow), one run after another, oldest first. [choice] Only its
//     first activation catches up. A later activation (resume), a cleared fault (a PUT of the pipeline,
//     its connection or its data model, or a successful run) and a change of schedule type, frequency,
//     start or delay of a pipeline that has been active all skip the intervals due before that instant:
//     the next run is for the first interval due at or after it, and its range reaches back to LS. A
//     change of schedule.end or of the sync mode alone skips nothing. No logical_date is ever reused.
//   - [doc] once: one run, when the pipeline becomes active (or at schedule.start if later), range
//     [F or null, min(U, logical_date)). [choice] Its logical_date is the latest of schedule.start, the
//     last activation and the last schedule change; after a successful trigger an incremental once run
//     starts at LS, so nothing is synced twice. A change of schedule type re-arms it; a fault delays it
//     until cleared.
//   - [doc] on_demand: no scheduled runs; status idle with no runs after creation.
//   - [doc] At most one active run (queued, running or retrying) per pipeline. Pipeline status:
//     running if a run is active, else faulted, else stopped if paused, else idle. [choice] errors are
//     set only with faulted (a faulted pipeline running a trigger is running, without errors).
//   - [doc] Pause: the running attempt finishes; a queued or retry-waiting run becomes stopped; nothing
//     new is scheduled. Delete: the active run is stopped, the pipeline and its runs are removed.
//   - [doc] Equal-time events are processed in a fixed order (attempt completion, retry start, run
//     creation, run start, then by workspace and pipeline id): the same script gives the same runs, ids
//     and timestamps, byte for byte.
//   - [doc] Runs whose logical_date is more than two years old are removed. [choice] Two years are 24
//     calendar months before now; the active run stays until it ends; LS survives (ranges never widen
//     because old runs are gone); catch-up runs older than two years are created and then removed.
//
// Runs:
//   - [doc] queued → running → success | failed, retrying between attempts, stopped when cancelled.
//     [choice] Each attempt lasts one minute of fake time (WithAttemptDuration); a failed attempt is
//     retried twice (WithRetries), five minutes later (WithRetryDelay). The last failure makes the run
//     failed and faults the pipeline with the same errors; while faulted, no scheduled runs are created.
//   - [choice] queued is never seen through the fake: a run is created and started at the same instant,
//     and every request (and every change made with the Go API) processes the events due at the current
//     instant before it answers. A trigger's run is already running, with started_on the trigger
//     instant, when the trigger is answered. (Making queued observable would need a run to wait for a
//     start that is due now but has not happened, which contradicts "events due now have run".)
//   - [choice] WithAutoAdvance: a GET of a run that has not ended, or of the report of a running
//     pipeline, first moves the manual clock from event to event (processing other pipelines' events on
//     the way) until the run's status, or the report's status and latest run, changes. One poll thus
//     shows the next status of the run: for a run that succeeds at its first attempt the first poll
//     shows success; a run that fails once shows retrying, running, success to three polls. Other reads
//     (pipeline, runs list) never move the clock and show the run running.
//   - [doc] A run fails when its connection is faulted or unreachable, its data model invalid, a test
//     injected a failure, or its records exceed the limit. [choice] An attempt's outcome is decided when
//     it completes, in that order: a pending FailNextRuns injection first (it counts attempts: each
//     failed attempt uses one, so n = 3 fails a run with the default retries), then the connection and
//     data model, then the records and the record limit (WithRecordLimit: an interval pipeline's runs,
//     manual ones included, use its frequency's limit; once and on_demand runs the "" limit). While a run
//     is retrying it shows the last attempt's errors; a run that succeeds after retries has none; a
//     failed run has zero records. An attempt that fails with retries left while the pipeline is paused
//     ends the run as stopped, without fault; its last attempt failing ends it as failed and faults.
//   - [doc] successful_records counts the rows whose iterator value lies in [range_start, range_end);
//     failed_records the rows whose iterator value is missing or cannot be parsed as iterator_data_type.
//     [choice] Full-mode runs count the rows in [F, U) (every row without iterator_field). Timestamps parse from time.Time or strings in RFC
//     3339 (without a zone: UTC) or "2006-01-02 15:04:05" with optional fraction and zone; date from
//     "2006-01-02"; timestamp_unixtime_ms and timestamp_unixtime_s from any number or numeric string.
//     The field is looked up exactly, else ignoring case. No rows seeded: 0 and 0.
//   - [choice] UseSQLSource runs the data model's sql_query on the test's database at each run, as
//     SELECT mp_model."<iterator_field>" FROM (<sql_query>) AS mp_model (the query must work as a
//     subquery, as mParticle requires), and compares each value with the range in Go, parsed as above,
//     instead of "WHERE <iterator> >= ? AND <iterator> < ?": SQLite keeps timestamps as text in any shape,
//     and comparing text orders instants wrongly. A query error fails the run with the database's
//     message.
//
// Clock control:
//   - [doc] Advance, AdvanceTo, POST /_fake/clock/advance {"by"} or {"to"} process every event due on
//     the way before they return; backwards is an error (400). GET /_fake/clock shows now and next_event.
//   - [choice] The clock cannot pass the end of year 9999 (the last instant an RFC 3339 timestamp can
//     show), and an advance "by" longer than a time.Duration holds (about 292 years) is a 400.
//   - [choice] An advance is refused before anything changes (400) when its estimated events exceed
//     WithMaxEventsPerAdvance (default 1,000,000). The estimate is an upper bound computed from schedule
//     arithmetic, per pipeline: the active run counts as failing every attempt, each interval falling due
//     counts 3 events (at most one per attempt duration), each pending injected failure 2, and one more
//     run may fail every attempt; it may refuse an advance that would in fact fit. Processing what is due
//     at the current instant is never refused.
//   - [choice] RunUntilIdle refuses, changing nothing, while an active interval pipeline has neither
//     schedule.end nor (in incremental mode) sync_mode.until, unless it is faulted with no run in
//     progress: it never goes idle; use Advance. Otherwise it
//     stops after WithMaxEventsPerAdvance events with an error, keeping what it processed, with the clock
//     at the last event; call it again to go on.
//
// Faults and inspection [choice]:
//   - HTTP faults match a method ("" for any), a path relative to the workspace root (exact, or a prefix
//     ending in *), and optionally a workspace; the first matching fault applies and uses up one of its
//     Times. Requests without a valid token get their 401 first and do not use up faults. Latency is the
//     fake's only real-time delay (for client timeout tests) and ends when the client gives up.
//   - Requests records API and token requests (the newest within MaxRequestLogEntries and
//     MaxRequestLogBytes, bodies cut at MaxLoggedBody), not /_fake/ ones, with the values of password,
//     service_account_key and client_secret masked wherever they appear in the body, whatever its
//     Content-Type, and without the Authorization header. Secrets never appear in responses, error
//     messages or the log.
//   - The real-time clock's goroutine keeps the engine up to the wall clock, waking at each event; every
//     request also brings it up to date first. Its timestamps have millisecond precision.
//   - Reset empties the store, the runs (run ids keep increasing), the faults, the seeded
//     records and the request log; the clock, the options and issued tokens stay.
package warehousesynctest
