package receive

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"causerie/media"
	"causerie/media/jitter"
	"causerie/media/opus"
	"causerie/media/synth"
	"causerie/media/vpx"
)

// fakeTrack replays prepared packets as a remote track would deliver them.
type fakeTrack struct {
	pkts      chan *rtp.Packet
	keyframes atomic.Int32
}

func newFakeTrack(pkts []*rtp.Packet) *fakeTrack {
	t := &fakeTrack{pkts: make(chan *rtp.Packet, len(pkts))}
	for _, p := range pkts {
		t.pkts <- p
	}
	return t
}

func (t *fakeTrack) ReadRTP() (*rtp.Packet, error) {
	p, ok := <-t.pkts
	if !ok {
		return nil, errors.New("track ended")
	}
	return p, nil
}

func (t *fakeTrack) RequestKeyframe() { t.keyframes.Add(1) }

// vp8Stream encodes n frames of the synthetic camera, stamped with times
// just before now, and packetises them as a browser would (1200-byte RTP
// payloads). Frames listed in keyframes are forced keyframes.
func vp8Stream(t testing.TB, n int, keyframes ...int) [][]*rtp.Packet {
	t.Helper()
	return videoStream(t, vpx.VP8, n, keyframes...)
}

func videoStream(t testing.TB, codec vpx.Codec, n int, keyframes ...int) [][]*rtp.Packet {
	t.Helper()
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := vpx.NewEncoder(vpx.EncoderConfig{Codec: codec, Width: 640, Height: 360, FPS: 30, BitrateKbps: 800})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var payloader rtp.Payloader = &codecs.VP8Payloader{EnablePictureID: true}
	if codec == vpx.VP9 {
		payloader = &codecs.VP9Payloader{}
	}
	pz := rtp.NewPacketizer(1200, 96, 0x1234, payloader, rtp.NewRandomSequencer(), 90000)
	img := media.NewI420(640, 360)
	start := time.Now().Add(-3 * time.Second) // captured in the past, as received frames are
	var frames [][]*rtp.Packet
	for i := range n {
		force := false
		for _, k := range keyframes {
			force = force || k == i
		}
		cam.Draw(img, start.Add(time.Duration(i)*time.Second/30))
		data, _, err := enc.Encode(img, int64(i)*vpx.TimeBase/30, force, nil)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, pz.Packetize(data, 3000))
	}
	return frames
}

// minStampReads of 60 frames must carry a readable capture time.
const minStampReads = 55

func runVideo(t *testing.T, pkts []*rtp.Packet, wantFrames uint64) (*Video, *fakeTrack) {
	t.Helper()
	return runCodec(t, "vp8", pkts, wantFrames)
}

func runCodec(t *testing.T, codec string, pkts []*rtp.Packet, wantFrames uint64) (*Video, *fakeTrack) {
	t.Helper()
	track := newFakeTrack(pkts)
	v, err := NewVideo(codec, track, VideoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v.Start()
	close(track.pkts)
	<-v.Done()
	deadline := time.Now().Add(3 * time.Second)
	for v.Stats().FramesDecoded < wantFrames && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// Let the loop give up on anything still incomplete.
	time.Sleep(3 * maxFrameWait)
	v.Close()
	return v, track
}

func flatten(frames [][]*rtp.Packet) []*rtp.Packet {
	var out []*rtp.Packet
	for _, f := range frames {
		out = append(out, f...)
	}
	return out
}

func TestVideoReceiveClean(t *testing.T) {
	frames := vp8Stream(t, 60)
	v, _ := runVideo(t, flatten(frames), 60)
	st := v.Stats()
	if st.FramesDecoded != 60 || st.DecodeErrors != 0 || st.PacketsLost != 0 || st.Width != 640 || st.Height != 360 {
		t.Fatalf("stats %+v", st)
	}
	// Real-time encoders trade quality for time in the first frames, so
	// a few stamps may be unreadable there; misreads are impossible (CRC).
	if st.LatencySamples < minStampReads {
		t.Fatalf("barcode read on %d of 60 frames", st.LatencySamples)
	}
}

// VP9 is what Visio's browsers send.
func TestVideoReceiveVP9(t *testing.T) {
	frames := videoStream(t, vpx.VP9, 60)
	v, _ := runCodec(t, "vp9", flatten(frames), 60)
	st := v.Stats()
	if st.FramesDecoded != 60 || st.DecodeErrors != 0 || st.Width != 640 || st.Height != 360 || st.LatencySamples < minStampReads {
		t.Fatalf("stats %+v", st)
	}
}

func TestVideoReceiveReorderAndDuplicates(t *testing.T) {
	frames := vp8Stream(t, 40)
	pkts := flatten(frames)
	// After the first frame, swap neighbours and repeat every tenth packet.
	mixed := append([]*rtp.Packet(nil), frames[0]...)
	for i := len(frames[0]); i+1 < len(pkts); i += 2 {
		mixed = append(mixed, pkts[i+1], pkts[i])
		if i%10 == 0 {
			mixed = append(mixed, pkts[i])
		}
	}
	if (len(pkts)-len(frames[0]))%2 == 1 {
		mixed = append(mixed, pkts[len(pkts)-1])
	}
	v, _ := runVideo(t, mixed, 40)
	if st := v.Stats(); st.FramesDecoded != 40 || st.DecodeErrors != 0 || st.PacketsLost != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestVideoReceiveLossWaitsForKeyframe(t *testing.T) {
	frames := vp8Stream(t, 60, 30)
	frames[10] = frames[10][1:] // lose the first packet of a delta frame
	v, track := runVideo(t, flatten(frames), 40)
	st := v.Stats()
	// Frames 10 to 29 cannot be decoded without the lost data: they are
	// dropped (not decoded into garbage) until the keyframe at 30.
	if st.FramesDecoded != 40 || st.DecodeErrors != 0 {
		t.Fatalf("decoded %d frames with %d errors, want 40 and 0", st.FramesDecoded, st.DecodeErrors)
	}
	if st.PacketsLost == 0 || track.keyframes.Load() == 0 {
		t.Fatalf("lost %d packets, %d keyframe requests: want both > 0", st.PacketsLost, track.keyframes.Load())
	}
	if st.Keyframes != 2 {
		t.Fatalf("%d keyframes decoded, want 2", st.Keyframes)
	}
}

func TestVideoRejectsUnknownCodec(t *testing.T) {
	if _, err := NewVideo("h265", newFakeTrack(nil), VideoOptions{}); !errors.Is(err, ErrCodec) {
		t.Fatalf("err = %v, want ErrCodec", err)
	}
}

// opusStream encodes n 20 ms frames of the synthetic microphone starting
// at first, as RTP packets.
func opusStream(t testing.TB, first time.Time, n int) []*rtp.Packet {
	t.Helper()
	mic, err := synth.NewMic(synth.MicConfig{SampleRate: 48000, FrameSamples: 960})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := opus.NewEncoder(32000)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, opus.FrameSamples)
	var pkts []*rtp.Packet
	for i := range n {
		mic.Fill(pcm, first.Add(time.Duration(i)*20*time.Millisecond))
		data, err := enc.Encode(pcm, nil)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(1000 + i),
			Timestamp: uint32(i * 960), SSRC: 0x5678}, Payload: append([]byte(nil), data...)})
	}
	return pkts
}

func TestAudioReceiveFECAndLatency(t *testing.T) {
	// Three seconds starting 100 ms before a whole second: three bursts.
	first := time.Now().Truncate(time.Second).Add(time.Second - 100*time.Millisecond)
	pkts := opusStream(t, first, 150)
	lostSeq := pkts[70].SequenceNumber
	arrive := arrivals(first, 150, func(int) time.Duration { return 0 })
	pkts = append(pkts[:70], pkts[71:]...) // one packet lost
	arrive = append(arrive[:70], arrive[71:]...)
	clk := &fakeClock{}
	a := newTraceAudio(t, clk)
	playTrace(t, a, clk, pkts, arrive, first.Add(30*time.Millisecond), 148)
	st := a.Stats()
	// A frame or two go to bringing the first second's delay down.
	if st.PacketsReceived != 147 || st.Decoded < 140 || st.FECRecovered != 1 || st.PacketsLost != 1 || st.DecodeErrors != 0 {
		t.Fatalf("stats %+v (lost packet %d)", st, lostSeq)
	}
	// The onset is heard after the 30 ms path, the playout delay, the
	// speaker's lead, plus Opus's 6.5 ms look-ahead: the delay is
	// within insertBelow and dropAbove of the target, initialDelay then
	// less.
	lo := float64(30*time.Millisecond+jitter.MinDelay-insertBelow+speakerLead) / 1e6
	hi := float64(30*time.Millisecond+40*time.Millisecond+dropAbove+speakerLead+10*time.Millisecond) / 1e6
	if st.LatencySamples != 3 || st.LatencyMsP50 < lo || st.LatencyMsP50 > hi {
		t.Fatalf("latency p50 %.1f ms over %d bursts, want 3 bursts at %.0f–%.0f ms", st.LatencyMsP50, st.LatencySamples, lo, hi)
	}
}

// After the last packet the sender is taken as silent once
// pauseAfterMissing frames were concealed: no endless concealment. Those
// frames count once the next packet tells what they were: concealment
// when it is the packet they stood in for, come late, and silence when
// its timestamp jumps over them with no sequence number missing (a
// sender in DTX that did not announce it).
func TestAudioReceiveConcealsUnderrun(t *testing.T) {
	const unsure = (pauseAfterMissing - 1) * 20
	for _, c := range []struct {
		name              string
		jump              int // frames the 11th packet's timestamp skips
		concealed, silent uint64
	}{
		{"late", 0, unsure, 0},
		{"silence", 40, 0, unsure},
	} {
		t.Run(c.name, func(t *testing.T) {
			first := time.Now()
			clk := &fakeClock{}
			a := newTraceAudio(t, clk)
			pkts := opusStream(t, first, 11)
			arrive := arrivals(first, 11, func(int) time.Duration { return 0 })
			pkts[10].Timestamp += uint32(c.jump * opus.FrameSamples)
			arrive[10] = arrive[10].Add(time.Duration(max(12, c.jump)) * frameDuration)
			// Twelve frames more than the first ten packets.
			start := first.Add(30 * time.Millisecond)
			playTrace(t, a, clk, pkts[:10], arrive[:10], start, 22)
			if st := a.Stats(); st.Decoded != 10 || st.ConcealedMs != 0 || st.SilentMs != 0 {
				t.Fatalf("before the 11th packet: stats %+v, want 10 decoded and nothing yet counted", st)
			}
			playTrace(t, a, clk, pkts[10:], arrive[10:], start.Add(22*frameDuration), c.jump+10)
			st := a.Stats()
			if st.Decoded != 11 || st.ConcealedMs != c.concealed || st.SilentMs != c.silent || st.PacketsLost != 0 {
				t.Fatalf("stats %+v, want 11 decoded, %d ms concealed, %d ms silent, none lost", st, c.concealed, c.silent)
			}
		})
	}
}

// The feeder goroutine reads the track into the buffer and the
// estimator, and ends with the track.
func TestAudioReceiveReadsTrack(t *testing.T) {
	first := time.Now()
	pkts := opusStream(t, first, 20)
	track := newFakeTrack(pkts)
	a, err := NewAudio("opus", track, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	close(track.pkts)
	select {
	case <-a.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the reader did not end with the track")
	}
	if st := a.Stats(); st.PacketsReceived != 20 {
		t.Fatalf("received %d packets of 20", st.PacketsReceived)
	}
}

func BenchmarkVideoDepacketizeDecode(b *testing.B) {
	frames := vp8Stream(b, 60, 0)
	v, err := NewVideo("vp8", newFakeTrack(nil), VideoOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	img := &media.I420{}
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := frames[i%len(frames)]
		if i%len(frames) == 0 {
			f = frames[0]
		}
		var key bool
		buf, key = v.depacketize(f, buf[:0])
		if err := v.decode(buf, key, img); err != nil {
			b.Fatal(err)
		}
	}
}
