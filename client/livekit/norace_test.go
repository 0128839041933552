//go:build !race

package livekit_test

const raceEnabled = false
