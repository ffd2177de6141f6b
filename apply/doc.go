// Package apply reconciles a Warehouse Sync workspace with a desired state: MakePlan compares what is
// declared with what the workspace holds and lists what to create, update or delete; Apply carries a
// plan out, step by step. It is the engine of the wsync command and works as well from Go code.
//
// # Order
//
// Creates and updates run in dependency order, connections, then data models, then pipelines; deletes
// run in the reverse order, pipelines first. Within a kind, resources are handled in the order of their
// ids, so a plan prints the same way every time.
//
// # Files
//
// Load and Loader read apply files (YAML or JSON) from an fs.FS: up to three lists, connections,
// data_models and pipelines, of the module's types written through their JSON names, and an optional
// prune_scope. ${NAME} expands from the environment. A Loader reports every problem at once, each an
// *Error with the file, line and column, the resource and the field; it never quotes a value of the file,
// since values can be secrets (a YAML error is a position and a fixed description of its kind). It reads
// only regular files and bounds their size, number, aliases and nesting.
//
// # What counts as a change
//
// Only what the desired state declares is compared. A field left out (empty or zero in a Go value) is
// not declared: the stored value stays as it is (an update sends the stored value back), so
// server-filled fields (status, errors, audit fields, a Snowflake connection's aws_iam_user_arn and
// aws_external_id, a Redshift connection's default port) are never drift. A field declared empty (null
// or "" in a file, Desired.Clear in Go) is cleared when the workspace holds a value; only optional fields
// can be. Both sides are compared after the normalization the client and the API apply, so spellings
// the API treats as equal ("on-demand" and "on_demand", a timestamp's zone) are equal here.
//
// # Secrets
//
// The API masks secrets (passwords, service-account keys) on every read, so a declared secret cannot be
// compared with the stored one. The policy:
//   - A new connection sends its declared secrets.
//   - A connection that is updated for another reason sends its declared secrets too; the plan lists
//     them as "(sensitive) will be sent".
//   - A connection whose declared fields all match is left alone: its secrets are not sent, since a
//     plan that always updated would never converge. Options.SendSecrets sends them anyway (to rotate a
//     password), as an update listing only the secrets.
//   - A secret left out, or written as MaskedSecret ("************"), means "unchanged": the update sends
//     the mask, which keeps the stored value. A new connection cannot have an unchanged secret.
//
// A config of a provider the module does not know (a *ws.RawConfig) is one secret as a whole: it is
// never compared or shown, and is sent as the rules above say.
//
// A plan never holds a secret's value in what it prints: Change.Fields shows secrets as Sensitive.
// Plan.Render prints a plan as wsync does, values cut and escaped.
//
// # Deletes
//
// Nothing is deleted unless Options.Prune is set; then the resources of the workspace that the desired
// state does not declare and that are in its prune scope (Options.Scope joined with Desired.Scope: id
// prefixes, or the whole workspace said explicitly) are deleted, each Change giving its Reason. Prune
// without a scope is refused. With Prune, a declared pipeline must not name a connection or data model
// that would be deleted.
//
// # Refusals
//
// MakePlan and Compare refuse, before any request, what Validate refuses: duplicate or invalid ids,
// declared enum values the API does not know, and the rules that tie fields together; and, after reading
// the workspace but before any change, a new resource without a field the API requires on create, a
// pipeline naming a connection or data model that is neither declared nor in the workspace, a changed
// sync_mode.from of an existing pipeline, and a changed service_provider of an existing connection.
// Every refusal is an *Error naming the file (when known, with the line and column), the resource and
// the field; all of them are joined.
//
// # Kinds
//
// Kinds is the one table of the kinds of resources: their names, Go types and client calls. Everything
// per kind goes through it.
//
// # Requests
//
// A plan lists each kind once (three requests) and needs nothing more: the lists carry every field.
// Apply makes one request per change. A create whose answer was lost is reconciled by the client, which
// reads the resource back and compares it by the rules plans use (wire's one comparator); an outcome
// the client cannot know is a failure. After a failure Apply stops and its Result says what was done and what was not; planning and applying
// again converges, since a plan starts from what the workspace holds.
package apply
