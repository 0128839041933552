package opus

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func newPair(t testing.TB, bitrate int) (*Encoder, *Decoder) {
	t.Helper()
	enc, err := NewEncoder(bitrate)
	if err != nil {
		t.Fatalf("NewEncoder: %v", err)
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	return enc, dec
}

// TestSineRoundTrip checks that a 1 kHz tone survives with its level and
// pitch. Level and zero crossings do not depend on the codec's delay.
func TestSineRoundTrip(t *testing.T) {
	enc, dec := newPair(t, 32000)
	const frames = 50 // 1 s
	var in, out []int16
	pkt := make([]byte, MaxPacketBytes)
	pcm := make([]int16, FrameSamples)
	for i := 0; i < frames; i++ {
		src := sine(1000, 10000, i*FrameSamples, FrameSamples)
		p, err := enc.Encode(src, pkt)
		if err != nil {
			t.Fatalf("frame %d: Encode: %v", i, err)
		}
		if len(p) == 0 || len(p) > MaxPacketBytes {
			t.Fatalf("frame %d: packet of %d bytes", i, len(p))
		}
		n, err := dec.Decode(p, pcm)
		if err != nil {
			t.Fatalf("frame %d: Decode: %v", i, err)
		}
		if n != FrameSamples {
			t.Fatalf("frame %d: decoded %d samples, want %d", i, n, FrameSamples)
		}
		in = append(in, src...)
		out = append(out, pcm...)
	}
	// Skip the first 100 ms: codec delay and encoder start-up.
	skip := 5 * FrameSamples
	in, out = in[skip:], out[skip:]
	ratioDB := 20 * math.Log10(rms(out)/rms(in))
	if math.Abs(ratioDB) > 1.5 {
		t.Errorf("decoded level %.2f dB off the source", ratioDB)
	}
	if f := zeroCrossingFreq(out); math.Abs(f-1000) > 10 {
		t.Errorf("decoded tone at %.1f Hz, want 1000 Hz", f)
	}
}

// TestFECRecoversLostFrame loses the frame in which a vowel starts after
// silence. Concealment can only extrapolate the silence; FEC data in the
// next packet must bring the vowel back.
func TestFECRecoversLostFrame(t *testing.T) {
	enc, err := NewEncoder(24000)
	if err != nil {
		t.Fatal(err)
	}
	const lost, frames = 20, 30
	packets := make([][]byte, frames)
	for i := range packets {
		src := make([]int16, FrameSamples)
		if i >= lost {
			src = vowel(12000, i*FrameSamples, FrameSamples)
		} else {
			copy(src, sine(300, 20, i*FrameSamples, FrameSamples)) // near silence
		}
		if packets[i], err = enc.Encode(src, nil); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	// decodeWith decodes the stream up to the lost frame, lets restore
	// produce that frame, and returns it.
	decodeWith := func(restore func(d *Decoder, pcm []int16) error) []int16 {
		d, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		pcm := make([]int16, FrameSamples)
		for i := 0; i < lost; i++ {
			if _, err := d.Decode(packets[i], pcm); err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
		}
		if err := restore(d, pcm); err != nil {
			t.Fatalf("recovering frame %d: %v", lost, err)
		}
		return pcm
	}
	want := decodeWith(func(d *Decoder, pcm []int16) error { _, err := d.Decode(packets[lost], pcm); return err })
	fec := decodeWith(func(d *Decoder, pcm []int16) error { return d.DecodeFEC(packets[lost+1], pcm) })
	plc := decodeWith(func(d *Decoder, pcm []int16) error { return d.Conceal(pcm) })

	t.Logf("rms: decoded %.0f, FEC %.0f, concealed %.0f; corr(FEC) %.2f; error energy FEC %.2f, PLC %.2f",
		rms(want), rms(fec), rms(plc), correlation(want, fec), errorEnergy(want, fec), errorEnergy(want, plc))
	if rms(fec) < rms(want)/4 {
		t.Errorf("FEC frame nearly silent: rms %.0f vs %.0f", rms(fec), rms(want))
	}
	if c := correlation(want, fec); c < 0.5 {
		t.Errorf("FEC frame correlates %.2f with the lost frame, want > 0.5", c)
	}
	if errorEnergy(want, fec) >= errorEnergy(want, plc) {
		t.Errorf("FEC (error %.2f) no better than concealment (error %.2f)", errorEnergy(want, fec), errorEnergy(want, plc))
	}
}

func TestConceal(t *testing.T) {
	enc, dec := newPair(t, 24000)
	pcm := make([]int16, FrameSamples)
	for i := 0; i < 10; i++ {
		p, err := enc.Encode(vowel(8000, i*FrameSamples, FrameSamples), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(p, pcm); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int{FrameSamples, FrameSamples / 2, 120} {
		out := make([]int16, n+1) // the extra sample must stay untouched
		out[n] = 12345
		if err := dec.Conceal(out[:n]); err != nil {
			t.Fatalf("Conceal(%d): %v", n, err)
		}
		if out[n] != 12345 {
			t.Errorf("Conceal(%d) wrote past the buffer", n)
		}
		if rms(out[:n]) == 0 {
			t.Errorf("Conceal(%d) after a vowel produced silence", n)
		}
	}
	for _, n := range []int{0, 100, MaxFrameSamples + 120} {
		if err := dec.Conceal(make([]int16, n)); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Conceal(%d samples) = %v, want ErrFrameSize", n, err)
		}
	}
}

func TestDecodeGarbage(t *testing.T) {
	_, dec := newPair(t, 24000)
	pcm := make([]int16, MaxFrameSamples)
	invalid := map[string][]byte{
		"empty":             {},
		"code 3, no count":  {0x03},
		"code 3, 63 frames": {0xff, 0xff, 0xff, 0xff},
		"code 1, odd size":  {0x01, 0x00},
		"code 2, bad size":  {0x02, 0xfc, 0x01},
	}
	for name, pkt := range invalid {
		if _, err := dec.Decode(pkt, pcm); !errors.Is(err, ErrCorruptPacket) {
			t.Errorf("%s: Decode error = %v, want ErrCorruptPacket", name, err)
		}
	}
	// Most random byte strings are valid Opus packets (any TOC byte with
	// any payload); the point is that none may crash the decoder and that
	// failures are classified.
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		pkt := make([]byte, 1+rng.IntN(300))
		for j := range pkt {
			pkt[j] = byte(rng.Uint32())
		}
		if _, err := dec.Decode(pkt, pcm); err != nil && !errors.Is(err, ErrCorruptPacket) {
			t.Fatalf("random packet %x: error %v is not ErrCorruptPacket", pkt, err)
		}
		if err := dec.DecodeFEC(pkt, pcm[:FrameSamples]); err != nil && !errors.Is(err, ErrCorruptPacket) && !errors.Is(err, ErrFrameSize) {
			t.Fatalf("random packet %x: DecodeFEC error %v", pkt, err)
		}
	}
	// And the decoder still works.
	enc, _ := newPair(t, 24000)
	p, err := enc.Encode(sine(1000, 5000, 0, FrameSamples), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := dec.Decode(p, pcm); err != nil || n != FrameSamples {
		t.Errorf("Decode after garbage: n=%d err=%v", n, err)
	}
}

func TestFrameSizeErrors(t *testing.T) {
	enc, dec := newPair(t, 24000)
	for _, n := range []int{0, FrameSamples - 1, FrameSamples + 1, 2 * FrameSamples} {
		if _, err := enc.Encode(make([]int16, n), nil); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Encode(%d samples) = %v, want ErrFrameSize", n, err)
		}
	}
	p, err := enc.Encode(make([]int16, FrameSamples), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Decode(p, make([]int16, FrameSamples/2)); !errors.Is(err, ErrFrameSize) {
		t.Errorf("Decode into half a frame = %v, want ErrFrameSize", err)
	}
	if err := dec.DecodeFEC(p, make([]int16, 7)); !errors.Is(err, ErrFrameSize) {
		t.Errorf("DecodeFEC into 7 samples = %v, want ErrFrameSize", err)
	}
}

func TestEncoderSettings(t *testing.T) {
	for _, bps := range []int{0, MinBitrate - 1, MaxBitrate + 1} {
		if _, err := NewEncoder(bps); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewEncoder(%d) = %v, want ErrInvalidConfig", bps, err)
		}
	}
	if _, err := NewEncoderChannels(3, 32000); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewEncoderChannels(3) = %v, want ErrInvalidConfig", err)
	}
	if _, err := NewDecoderChannels(0); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewDecoderChannels(0) = %v, want ErrInvalidConfig", err)
	}
	enc, _ := newPair(t, 64000)
	if err := enc.SetPacketLoss(101); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("SetPacketLoss(101) = %v, want ErrInvalidConfig", err)
	}
	if err := enc.SetBitrate(1); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("SetBitrate(1) = %v, want ErrInvalidConfig", err)
	}
	// Lowering the bitrate must shrink the packets.
	size := func() int {
		total := 0
		for i := 0; i < 25; i++ {
			p, err := enc.Encode(vowel(10000, i*FrameSamples, FrameSamples), nil)
			if err != nil {
				t.Fatal(err)
			}
			total += len(p)
		}
		return total
	}
	high := size()
	if err := enc.SetBitrate(12000); err != nil {
		t.Fatal(err)
	}
	if err := enc.SetPacketLoss(0); err != nil {
		t.Fatal(err)
	}
	if low := size(); low*2 > high {
		t.Errorf("25 frames: %d bytes at 64 kbps, %d at 12 kbps", high, low)
	}
}

func TestStereo(t *testing.T) {
	enc, err := NewEncoderChannels(2, 64000)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoderChannels(2)
	if err != nil {
		t.Fatal(err)
	}
	src := make([]int16, 2*FrameSamples)
	pcm := make([]int16, 2*FrameSamples)
	for i := 0; i < 10; i++ {
		mono := sine(440, 8000, i*FrameSamples, FrameSamples)
		for j, v := range mono {
			src[2*j], src[2*j+1] = v, v/2
		}
		p, err := enc.Encode(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := dec.Decode(p, pcm)
		if err != nil || n != FrameSamples {
			t.Fatalf("Decode: n=%d err=%v", n, err)
		}
	}
	if _, err := enc.Encode(src[:FrameSamples], nil); !errors.Is(err, ErrFrameSize) {
		t.Errorf("stereo Encode of a mono-sized frame = %v, want ErrFrameSize", err)
	}
}

func TestNoAllocs(t *testing.T) {
	enc, dec := newPair(t, 24000)
	src := vowel(8000, 0, FrameSamples)
	pkt := make([]byte, MaxPacketBytes)
	pcm := make([]int16, FrameSamples)
	allocs := testing.AllocsPerRun(50, func() {
		p, err := enc.Encode(src, pkt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(p, pcm); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Encode+Decode allocate %.1f times per frame, want 0", allocs)
	}
}
