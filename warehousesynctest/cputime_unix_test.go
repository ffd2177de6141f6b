//go:build unix

package warehousesynctest

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used, user and system, over all its threads: in a
// benchmark whose client and server share the process, the CPU both sides spent, whatever else the
// machine runs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
