// Package apply reconciles a Warehouse Sync workspace with a desired state: Plan compares what is
// declared with what the workspace holds and lists what to create, update or delete; Apply carries a
// plan out, step by step. It is the engine of the wsync command and works as well from Go code.
//
// # Order
//
// Creates and updates run in dependency order, connections, then data models, then pipelines; deletes
// run in the reverse order, pipelines first. Within a kind, resources are handled in the order of their
// ids, so a plan prints the same way every time.
//
// # What counts as a change
//
// Only what the desired state declares is compared. A field left empty or zero is not declared: the
// stored value stays as it is (an update sends the stored value back), so server-filled fields (status,
// errors, audit fields, a Snowflake connection's aws_iam_user_arn and aws_external_id, a Redshift
// connection's default port) are never drift. Both sides are compared as the client encodes them, so
// spellings the API treats as equal ("on-demand" and "on_demand", a timestamp's zone) are equal here.
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
// A plan never holds a secret's value in what it prints: Change.Fields shows secrets as Sensitive.
//
// # Deletes
//
// Nothing is deleted unless Options.Prune is set; then every resource of the workspace that the desired
// state does not declare is deleted. With Prune, a declared pipeline must name a declared connection and
// data model, since the undeclared ones would be deleted.
//
// # Refusals
//
// Plan refuses, before any request, a desired state with duplicate or invalid ids or a pipeline without a
// connection or data model id; and, after reading the workspace but before any change, a pipeline naming
// a connection or data model that is neither declared nor in the workspace, a changed sync_mode.from of an
// existing pipeline, and a changed service_provider of an existing connection. Every refusal is an *Error
// naming the file (when known), the resource and the field; Plan joins all of them.
//
// # Requests
//
// A plan lists each kind once (three requests) and needs nothing more: the lists carry every field.
// Apply makes one request per change. When a create fails, Apply reads the resource back: if it exists
// with the declared fields (the answer to a create that took effect was lost), the step counts as done.
// After a failure Apply stops and its Result says what was done and what was not; planning and applying
// again converges, since a plan starts from what the workspace holds.
package apply
