// Package warehousesync is a Go client for the mParticle Warehouse Sync API (v2): connections, data
// models, pipelines, triggers, status reports and pipeline runs.
package warehousesync
