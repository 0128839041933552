package receive

import (
	"testing"

	"github.com/pion/rtp"

	"causerie/media/vpx"
)

// renumber gives the packets consecutive sequence numbers from the
// first's, as an SFU does to what it forwards: padding it adds takes
// numbers, packets it leaves out leave no gap.
func renumber(pkts []*rtp.Packet) []*rtp.Packet {
	out := make([]*rtp.Packet, len(pkts))
	seq := pkts[0].SequenceNumber
	for i, p := range pkts {
		c := p.Clone()
		c.SequenceNumber = seq
		seq++
		out[i] = c
	}
	return out
}

// lkPadding is a padding-only packet as livekit-server v1.13.5 sends it
// (see livekitPadding), with the timestamp of the frame before it.
func lkPadding(after []*rtp.Packet) *rtp.Packet {
	last := after[len(after)-1]
	payload := make([]byte, 255)
	payload[254] = 255
	return &rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PayloadType: last.PayloadType,
		Timestamp: last.Timestamp, SSRC: last.SSRC}, Payload: payload}
}

// LiveKit sends padding-only packets before a track's first frame (every
// 100 ms) and between frames (bandwidth probes). They are neither frames
// nor losses: every frame decodes, without a decode error or a keyframe
// request. Before the fix each counted as a VP9 keyframe that failed to
// decode, and the deltas after it were dropped.
func TestVideoReceiveIgnoresPadding(t *testing.T) {
	for _, codec := range []vpx.Codec{vpx.VP8, vpx.VP9} {
		t.Run(codec.String(), func(t *testing.T) {
			frames := videoStream(t, codec, 60)
			var pkts []*rtp.Packet
			for range 3 {
				pkts = append(pkts, lkPadding(frames[0])) // before the first frame
			}
			for i, f := range frames {
				pkts = append(pkts, f...)
				if i%10 == 5 {
					pkts = append(pkts, lkPadding(f), lkPadding(f))
				}
			}
			v, track := runCodec(t, codec.String(), renumber(pkts), 60)
			st := v.Stats()
			if st.FramesDecoded != 60 || st.DecodeErrors != 0 || st.FramesDropped != 0 || st.PacketsLost != 0 {
				t.Fatalf("stats %+v; want 60 frames, no error, none dropped, none lost", st)
			}
			if n := track.keyframes.Load(); n != 0 {
				t.Fatalf("%d keyframe requests, want none", n)
			}
		})
	}
}

// A frame cut short by the SFU with its sequence numbers renumbered
// looks complete to the jitter buffer; the VP9 E bit shows it is not.
// It and the frames that predict from it are dropped, not decoded into
// errors, and a keyframe is asked for.
func TestVideoReceiveDropsTruncatedFrame(t *testing.T) {
	frames := videoStream(t, vpx.VP9, 60, 40)
	cut := -1
	for i := 10; i < 40; i++ {
		if len(frames[i]) >= 2 {
			cut = i
			break
		}
	}
	if cut < 0 {
		t.Fatal("no delta frame of 2 packets or more to cut")
	}
	frames[cut] = frames[cut][:len(frames[cut])-1] // its end (E, marker) never forwarded
	v, track := runCodec(t, "vp9", renumber(flatten(frames)), uint64(cut+20))
	st := v.Stats()
	if st.DecodeErrors != 0 || st.FramesDropped == 0 || st.PacketsLost != 0 {
		t.Fatalf("stats %+v; want no decode error, the cut frame dropped, nothing lost", st)
	}
	if want := uint64(cut + 20); st.FramesDecoded != want || st.Keyframes != 2 {
		t.Fatalf("decoded %d frames (%d keyframes), want %d: up to the cut, then from the keyframe at 40", st.FramesDecoded, st.Keyframes, want)
	}
	if track.keyframes.Load() == 0 {
		t.Fatal("no keyframe requested after the cut frame")
	}
}

// Padding before the first picture (LiveKit pads a new subscription
// every 100 ms until the publisher's next frame) asks for a keyframe:
// the SFU forwards the track, and there is nothing to decode yet.
func TestVideoReceivePaddingBeforeFirstFrameAsksKeyframe(t *testing.T) {
	frames := videoStream(t, vpx.VP8, 10)
	pad := lkPadding(frames[0])
	pad.Timestamp -= 9000 // 100 ms before the first frame, as LiveKit advances it
	v, track := runCodec(t, "vp8", renumber(append([]*rtp.Packet{pad}, flatten(frames)...)), 10)
	if st := v.Stats(); st.FramesDecoded != 10 || st.DecodeErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
	if n := track.keyframes.Load(); n != 1 {
		t.Fatalf("%d keyframe requests, want 1", n)
	}
}
