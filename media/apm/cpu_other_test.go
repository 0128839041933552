//go:build !linux

package apm

import "time"

// threadCPU is the wall clock where no per-thread CPU time is read.
func threadCPU() int64 { return time.Now().UnixNano() }
