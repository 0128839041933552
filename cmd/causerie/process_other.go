//go:build !unix

package main

import "causerie/client"

// processUsage is not measured on this system yet.
func processUsage() client.ProcessReport { return client.ProcessReport{} }
