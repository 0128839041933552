//go:build !race

package apm

const raceEnabled = false
