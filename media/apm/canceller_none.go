//go:build !apmspeex

package apm

// speexBuilt: this build has no speexdsp stages (canceller.go is built
// with the tag apmspeex, and needs libspeexdsp-dev), so tune.speex is
// ignored.
const speexBuilt = false

type canceller struct{ echoOnly bool }

func newCanceller(Config) *canceller   { return nil }
func (*canceller) far([]int16)         {}
func (*canceller) written() int64      { return 0 }
func (*canceller) near([]int16, int64) {}
func (*canceller) close()              {}
