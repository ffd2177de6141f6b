// Package wire holds the rules of the Warehouse Sync API's wire format that the client, the fake server
// and its run engine must agree on, each defined once: the slug rule of ids, the years a timestamp can be
// written in, the values of every enumerated field, and the table of warehouse providers with the config
// keys each one takes and which of them hold secrets.
//
// The root package keeps its typed constants (ServiceProvider, RunStatus, …); its tests check that they
// equal the tables here, and this package's tests check the tables against the OpenAPI description of
// package api, both ways. Adding a warehouse provider means a row in Providers and a config type in the
// root package.
package wire
