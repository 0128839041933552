package vpx

// Defaults below were chosen with TestSweep (sweep_test.go) on the engine's
// reference machine: 2 cores (AMD EPYC, shared), libvpx 1.12, synthetic
// camera-like content (textured panning background, moving textured disc,
// sensor noise), 30 fps, 150 frames, best of three runs. Times are per
// frame; "cpu" is process CPU time, which is what matters on two cores that
// must also decode the other participants. Runs varied by about ±15%.
//
// VP8, 640x360 @ 600 kbps (≈2440 B/frame), threads 1 / threads 2:
//
//	speed  -4: 6.0 / 4.2 ms wall, 6.1 / 6.4 ms cpu, 38.4 dB
//	speed  -6: 3.3 / 2.3 ms wall, 3.3 / 4.1 ms cpu, 38.0 dB
//	speed  -8: 3.5 / 2.4 ms wall, 3.6 / 4.1 ms cpu, 37.5 dB
//	speed -10: 3.2 / 1.7 ms wall, 3.2 / 2.9 ms cpu, 37.4 dB
//	speed -12: 2.0 / 1.6 ms wall, 2.1 / 2.6 ms cpu, 36.1 dB (34.3 dB with 2 threads)
//
// VP8, 1280x720 @ 1500 kbps (≈6110 B/frame):
//
//	speed  -4: 15.5 / (unstable, up to 59) ms wall, 37.8 dB
//	speed  -6: 10.8 / 7.7 ms wall, 11.1 / 14.1 ms cpu, 37.5 dB
//	speed  -8: 10.4 / 7.9 ms wall, 10.6 / 14.5 ms cpu, 36.8 dB
//	speed -10:  9.3 / 7.0 ms wall,  9.5 / 12.3 ms cpu, 36.8 dB
//	speed -12:  7.0 / 13.2 ms wall, 7.2 / 17.8 ms cpu, 35.8 dB
//
// VP8, 1920x1080 @ 2500 kbps, speed -6: 20.6 / 17.7 ms wall, 20.8 / 32.5 ms cpu.
//
// VP9, 640x360 @ 600 kbps, threads 1: speed 6: 9.7 ms 39.5 dB, 7: 7.7 ms
// 39.3 dB, 8: 5.8 ms 39.2 dB, 9: 3.9 ms 38.8 dB. At 1280x720 @ 1500 kbps:
// speed 7: 18.9 ms 38.8 dB, 8: 18-23 ms 38.7 dB, 9: 12.1 ms 38.4 dB.

// defaultSpeed returns the cpu-used value for a stream.
//
// VP8: -6 at every size. Negative values fix the speed level (positive ones
// let libvpx adapt it to the measured encode time, which makes output
// depend on machine load). -6 is the knee: slower settings (-4) double the
// time for 0.3-0.4 dB, faster ones (-8, -10) save at most 15% CPU but lose
// 0.6-0.7 dB, and -12 loses 2 dB.
//
// VP9 (tests and benchmarks only): 8 up to 640x480, where it saves 25% over
// 7 for 0.15 dB; 9 above, because at 720p slower speeds need 18+ ms, more
// than half the frame interval, while 9 needs 12 ms for 0.3 dB less.
func defaultSpeed(c Codec, w, h int) int {
	if c == VP9 {
		if w*h <= 640*480 {
			return 8
		}
		return 9
	}
	return -6
}

// defaultThreads is the encoder thread count: 1 at every measured size.
// A second thread shortens a 720p VP8 frame by about 3 ms (of a 33 ms
// interval) but costs 25-55% more CPU, because libvpx's row
// synchronisation spins; when the other core is busy (decoding, audio,
// another process) it got far worse (59 ms/frame at speed -4). Even at
// 1080p it saved only 14% wall time for 56% more CPU. VP9 row-mt behaves
// alike (720p: 19 -> 16 ms wall, 19 -> 27 ms cpu). On a two-core machine
// that also decodes every other participant, CPU is the scarce resource.
const defaultThreads = 1

// decoderThreads is the decoder thread count for both codecs. Decoding
// is cheap (VP8 720p 2.2 ms/frame, VP9 720p 3.3 ms/frame on one thread) and
// a second thread gained little (VP8 2.0 ms even with four token
// partitions; VP9 2.5 ms); a receiver decoding several streams already
// spreads them over the cores.
const decoderThreads = 1

// vp8TokenPartitions is VP8E_SET_TOKEN_PARTITIONS: one partition. Several
// partitions only help a multi-threaded VP8 decoder, and with two threads
// four partitions decoded 720p no faster (2.04 vs 2.02 ms/frame) while
// making single-threaded decoding slower (3.4 vs 2.2 ms/frame).
const vp8TokenPartitions = 0
