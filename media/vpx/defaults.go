package vpx

// defaultSpeed returns the cpu-used value for a stream. PLACEHOLDER until measured.
func defaultSpeed(c Codec, w, h int) int {
	if c == VP9 {
		return 7
	}
	return -6
}

// defaultThreads returns the encoder thread count. PLACEHOLDER until measured.
func defaultThreads(c Codec, w, h int) int {
	if w*h > 640*360 {
		return 2
	}
	return 1
}

// vp8TokenPartitions PLACEHOLDER.
const vp8TokenPartitions = 0

// decoderThreads PLACEHOLDER.
func decoderThreads(c Codec) int { return 1 }
