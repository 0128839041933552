//go:build unix

package main

import (
	"runtime"
	"syscall"

	"causerie/client"
)

// processUsage reads the CPU time and peak memory of this process.
func processUsage() client.ProcessReport {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return client.ProcessReport{}
	}
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	rss := float64(ru.Maxrss) / 1024 // Linux reports kilobytes
	if runtime.GOOS == "darwin" {
		rss = float64(ru.Maxrss) / (1024 * 1024) // macOS reports bytes
	}
	return client.ProcessReport{CPUSeconds: cpu, MaxRSSMB: rss}
}
