// Package jitter holds the RTP packets of one received stream until they
// can be consumed in sequence order, for both the audio and the video
// receive paths.
//
// A Buffer is keyed by the extended sequence number: the 16-bit RTP
// sequence number unwrapped into 64 bits relative to the highest seen, so
// ordering survives the wrap from 65535 to 0. Its storage is a fixed ring,
// allocated once, of a power-of-two number of slots.
//
// Audio consumes one packet at a time with Pop, Peek and Skip. Video
// consumes one complete frame at a time with PopFrame, typically in a loop
// after every Push:
//
//	for {
//		pkts, lost, ok := buf.PopFrame(now, maxWait, pkts)
//		if lost > 0 {
//			requestKeyframe()
//		}
//		if !ok {
//			if lost == 0 {
//				break // nothing complete yet
//			}
//			continue // gave up on a frame; try the next one
//		}
//		decode(pkts)
//	}
//
// Ownership: Push takes ownership of the packet (the caller must not reuse
// or modify it); Pop, PopFrame and Peek hand it back (Pop and PopFrame
// release it to the caller, Peek lends it until the next call that changes
// the buffer).
//
// An Estimator measures a stream's arrival jitter from the packets'
// arrival times and RTP timestamps, and tells the playout delay that
// absorbs it: the audio receive path moves its delay towards that target.
//
// Concurrency: a Buffer is not safe for concurrent use. The receive path
// owns it and guards it with its own lock if Push and the consumer run on
// different goroutines.
package jitter
