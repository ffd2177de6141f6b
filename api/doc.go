// Package api holds a machine-readable description of mParticle's Warehouse Sync API: an OpenAPI 3.0
// document written from mParticle's public reference, because mParticle publishes none.
//
// The document covers every path, method, parameter, request body and response of the reference, the
// error envelope, the OAuth token endpoint and bearer security, with an example for every request body and
// every response. Its schemas state every validation rule of the fake that OpenAPI 3.0 can express
// (patterns, lengths, minimums, enums); the rest are written in prose in its conventions. Where the project's fake server chooses a
// behaviour that the reference does not state, the document says so in an x-fake-choice extension.
// Users of other languages can generate a client from it or point a validator at it; the fake serves it at
// GET /_fake/openapi.yaml.
package api
