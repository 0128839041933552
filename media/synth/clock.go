package synth

import "time"

// offset returns the time from a clock's origin to tick n of a clock that
// ticks rate times per second, rounded down to the nanosecond. It splits n
// into whole seconds and a remainder because n*1e9 would overflow int64
// after about 53 hours at 48 kHz.
func offset(n int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(n/r)*time.Second + time.Duration((n%r)*int64(time.Second)/r)
}

// ticks returns the index of the latest tick at or before d on a clock that
// ticks rate times per second from its origin: the largest n with
// offset(n) <= d. It is the exact inverse of offset, so a reader woken at
// exactly offset(n) sees tick n as reached. A negative d (a clock that
// stepped backwards) counts as the origin.
func ticks(d time.Duration, rate int) int64 {
	if d <= 0 {
		return 0
	}
	r := int64(rate)
	n := int64(d/time.Second)*r + int64(d%time.Second)*r/int64(time.Second)
	// n is floor(d*rate); offset rounds down too, so tick n+1 can fall on
	// the same nanosecond as d. One step corrects it.
	if offset(n+1, rate) <= d {
		n++
	}
	return n
}
