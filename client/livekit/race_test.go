//go:build race

package livekit_test

// raceEnabled: the test binary (and so every causerie process the tests
// start) runs under the race detector.
const raceEnabled = true
