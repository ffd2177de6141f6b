//go:build !unix

package warehousesynctest

import "time"

// processCPU is not measured here: benchmarks report 0 for their CPU times.
func processCPU() time.Duration { return 0 }
