//go:build race

package apm

// raceEnabled: timings under the race detector say nothing about the
// shipped build, so TestMeasure reports them without asserting.
const raceEnabled = true
