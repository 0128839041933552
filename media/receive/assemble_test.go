package receive

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"

	"causerie/media/vpx"
)

// The first byte of a VP9 frame's uncompressed header: frame marker 2,
// profile 0, not show_existing_frame, frame type key (0) or inter (1).
const (
	vp9KeyHeader   = 0x82
	vp9InterHeader = 0x86
)

// vp9Desc is a VP9 payload descriptor in flexible mode with a 15-bit
// picture id and layer indices, as Chrome sends SVC (RFC 9628 §4.2).
type vp9Desc struct {
	pid        uint16
	sid, tid   uint8
	p, d, b, e bool
	pdiff      []uint8
}

func (d vp9Desc) bytes() []byte {
	b0 := byte(0x80 | 0x20 | 0x10) // I, L, F
	if d.p {
		b0 |= 0x40
	}
	if d.b {
		b0 |= 0x08
	}
	if d.e {
		b0 |= 0x04
	}
	out := []byte{b0, 0x80 | byte(d.pid>>8), byte(d.pid), d.tid<<5 | d.sid<<1}
	if d.d {
		out[3] |= 1
	}
	if d.p {
		for i, diff := range d.pdiff {
			n := byte(0)
			if i < len(d.pdiff)-1 {
				n = 1
			}
			out = append(out, diff<<1|n)
		}
	}
	return out
}

// packetSeq numbers the packets a test builds, as a stream would.
type packetSeq struct {
	seq uint16
	ts  uint32
}

func (s *packetSeq) pkt(payload []byte, marker bool) *rtp.Packet {
	p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 98, SequenceNumber: s.seq, Timestamp: s.ts,
		SSRC: 0x5eed, Marker: marker}, Payload: payload}
	s.seq++
	return p
}

// layer is the packets of one VP9 layer frame: a first with the frame
// header byte, then fillers; B on the first, E on the last.
func (s *packetSeq) layer(d vp9Desc, header byte, packets int, marker bool) []*rtp.Packet {
	var out []*rtp.Packet
	for i := range packets {
		dd := d
		dd.b, dd.e = i == 0, i == packets-1
		body := []byte{header, byte(d.sid), byte(i), 0xaa}
		if i > 0 {
			body[0] = 0x55
		}
		out = append(out, s.pkt(append(dd.bytes(), body...), marker && i == packets-1))
	}
	return out
}

// livekitPadding is a padding-only packet as livekit-server v1.13.5
// writes it: the padding bit, and after the RTP padding is removed a
// 255-byte payload of zeros ending with 255.
func (s *packetSeq) livekitPadding() *rtp.Packet {
	payload := make([]byte, 255)
	payload[254] = 255
	p := s.pkt(payload, false)
	p.Padding = true
	return p
}

// layersOf splits assembled VP9 data into its length-prefixed layers.
func layersOf(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 4 {
			t.Fatalf("%d trailing bytes", len(data))
		}
		n := int(data[0])<<24 | int(data[1])<<16 | int(data[2])<<8 | int(data[3])
		if n > len(data)-4 {
			t.Fatalf("layer of %d bytes, %d left", n, len(data)-4)
		}
		out = append(out, data[4:4+n])
		data = data[4+n:]
	}
	return out
}

func concat(parts ...[]*rtp.Packet) []*rtp.Packet {
	var out []*rtp.Packet
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// keyPicture is a whole L3T3_KEY key picture: S0 a keyframe, S1 and S2
// predicted from the layer below.
func (s *packetSeq) keyPicture(pid uint16) []*rtp.Packet {
	return concat(
		s.layer(vp9Desc{pid: pid, sid: 0}, vp9KeyHeader, 2, false),
		s.layer(vp9Desc{pid: pid, sid: 1, d: true}, vp9InterHeader, 3, false),
		s.layer(vp9Desc{pid: pid, sid: 2, d: true}, vp9InterHeader, 4, true))
}

func TestAssembleVP9WholeKeyPicture(t *testing.T) {
	s := &packetSeq{seq: 65530, ts: 1000}
	a := newAssembler(vpx.VP9)
	data, key, st := a.assemble(s.keyPicture(300), nil)
	if st != frameOK || !key {
		t.Fatalf("status %d key %v", st, key)
	}
	ls := layersOf(t, data)
	if len(ls) != 3 || ls[0][0] != vp9KeyHeader || len(ls[0]) != 2*4 || len(ls[2]) != 4*4 {
		t.Fatalf("layers %x", ls)
	}
	// The next picture carries only S2, predicted from S2 of pid 300.
	s.ts += 4500
	data, key, st = a.assemble(s.layer(vp9Desc{pid: 301, sid: 2, tid: 2, p: true, pdiff: []uint8{1}}, vp9InterHeader, 2, true), data)
	if st != frameOK || key || len(layersOf(t, data)) != 1 {
		t.Fatalf("delta: status %d key %v data %x", st, key, data)
	}
}

// livekit-server's padding-only packets carry no picture; the zeros of
// their payload read as a VP9 descriptor with P=0 (a keyframe), which
// the decoder then refused ("Bitstream not supported").
func TestAssemblePaddingIsNotAFrame(t *testing.T) {
	for _, c := range []vpx.Codec{vpx.VP8, vpx.VP9} {
		s := &packetSeq{seq: 10, ts: 1000}
		a := newAssembler(c)
		data, key, st := a.assemble([]*rtp.Packet{s.livekitPadding()}, nil)
		if st != frameEmpty || key || len(data) != 0 {
			t.Errorf("%s: padding gives status %d key %v %d bytes, want frameEmpty", c, st, key, len(data))
		}
		empty := s.pkt(nil, false)
		if _, _, st := a.assemble([]*rtp.Packet{empty}, nil); st != frameEmpty {
			t.Errorf("%s: an empty payload gives status %d", c, st)
		}
	}
	// Padding inside a frame's run of packets is left out of it.
	s := &packetSeq{seq: 10, ts: 1000}
	a := newAssembler(vpx.VP9)
	pkts := s.keyPicture(7)
	pkts = append(pkts[:2:2], append([]*rtp.Packet{s.livekitPadding()}, pkts[2:]...)...)
	data, key, st := a.assemble(pkts, nil)
	if st != frameOK || !key || len(layersOf(t, data)) != 3 {
		t.Fatalf("key picture with padding inside: status %d key %v", st, key)
	}
	// Media with the padding bit is still media.
	p := s.layer(vp9Desc{pid: 8, sid: 2, p: true, pdiff: []uint8{1}}, vp9InterHeader, 1, true)
	p[0].Padding = true
	if _, _, st := a.assemble(p, nil); st != frameOK {
		t.Fatalf("padded media: status %d", st)
	}
}

// An SFU that stops forwarding S2 in the middle of a key picture
// renumbers what it forwards: no sequence number is missing, but S2 has
// no end (E). S0 and S1 are decoded; the S2 deltas that follow predict
// from the S2 never decoded and are dropped until the next keyframe.
func TestAssembleVP9TruncatedLayer(t *testing.T) {
	s := &packetSeq{seq: 100, ts: 1000}
	a := newAssembler(vpx.VP9)
	pkts := s.keyPicture(40)
	pkts = pkts[:len(pkts)-3] // S2's first packet only
	data, key, st := a.assemble(pkts, nil)
	if st != frameOK || !key {
		t.Fatalf("status %d key %v", st, key)
	}
	if ls := layersOf(t, data); len(ls) != 2 {
		t.Fatalf("%d layers kept, want S0 and S1", len(ls))
	}
	s.ts += 4500
	delta := s.layer(vp9Desc{pid: 41, sid: 2, tid: 2, p: true, pdiff: []uint8{1}}, vp9InterHeader, 2, true)
	if _, _, st := a.assemble(delta, nil); st != frameBroken {
		t.Fatalf("S2 delta after a truncated S2: status %d, want frameBroken", st)
	}
	// The next key picture restarts everything.
	s.ts += 4500
	if _, key, st := a.assemble(s.keyPicture(42), nil); st != frameOK || !key {
		t.Fatalf("next key picture: status %d key %v", st, key)
	}
	s.ts += 4500
	delta = s.layer(vp9Desc{pid: 43, sid: 2, tid: 2, p: true, pdiff: []uint8{1}}, vp9InterHeader, 2, true)
	if _, _, st := a.assemble(delta, nil); st != frameOK {
		t.Fatalf("S2 delta after the key picture: status %d", st)
	}
}

// A frame whose first packet does not start it (the jitter buffer gave
// up on its head, or the SFU started forwarding mid-frame) is broken, as
// is a key picture's S0 cut short, whatever else follows.
func TestAssembleVP9MissingHead(t *testing.T) {
	s := &packetSeq{seq: 100, ts: 1000}
	a := newAssembler(vpx.VP9)
	pkts := s.keyPicture(40)
	if _, key, st := a.assemble(pkts[1:], nil); st != frameBroken || key {
		t.Fatalf("key picture without its first packet: status %d key %v", st, key)
	}
	s.ts += 4500
	pkts = s.keyPicture(41)
	// S0 loses its second (last) packet: S1 starts (B) while S0 is open.
	pkts = append(pkts[:1:1], pkts[2:]...)
	if _, key, st := a.assemble(pkts, nil); st != frameBroken || key {
		t.Fatalf("key picture with S0 cut short: status %d key %v", st, key)
	}
}

// A delta frame names its references (P_DIFF): if the SFU dropped one of
// them whole, with no gap in the sequence numbers, the frame is broken,
// while a frame whose references were all decoded is not.
func TestAssembleVP9References(t *testing.T) {
	s := &packetSeq{seq: 0, ts: 0}
	a := newAssembler(vpx.VP9)
	if _, _, st := a.assemble(s.keyPicture(32766), nil); st != frameOK {
		t.Fatal(st)
	}
	delta := func(pid uint16, tid uint8, diffs ...uint8) frameStatus {
		s.ts += 3000
		_, _, st := a.assemble(s.layer(vp9Desc{pid: pid, sid: 2, tid: tid, p: true, pdiff: diffs}, vp9InterHeader, 2, true), nil)
		return st
	}
	// L3T3: 32767 (T2) from 32766, 0 (T1) from 32766 across the wrap of
	// the 15-bit picture id.
	if st := delta(32767, 2, 1); st != frameOK {
		t.Fatalf("T2 from the key picture: %d", st)
	}
	if st := delta(0, 1, 2); st != frameOK {
		t.Fatalf("T1 across the picture id wrap: %d", st)
	}
	// Picture 1 (T2) never arrives; 2 (T0) predicts from 32766: fine.
	if st := delta(2, 0, 4); st != frameOK {
		t.Fatalf("T0 from the key picture: %d", st)
	}
	// 3 (T2) predicts from 2: fine. 4 predicts from 1, which is missing.
	if st := delta(3, 2, 1); st != frameOK {
		t.Fatalf("T2 from T0: %d", st)
	}
	if st := delta(4, 2, 3); st != frameBroken {
		t.Fatalf("a frame predicted from the missing picture 1: status %d, want frameBroken", st)
	}
	// After forget (a loss), nothing but a keyframe is decodable.
	a.forget()
	if st := delta(5, 0, 3); st != frameBroken {
		t.Fatalf("delta after forget: %d", st)
	}
}

// The jitter buffer ends a frame at the marker bit; an SFU that marks
// the end of each forwarded layer splits a picture in two pops, and the
// upper layer's inter-layer dependency (D) on the first part holds.
func TestAssembleVP9PictureInTwoParts(t *testing.T) {
	s := &packetSeq{seq: 0, ts: 0}
	a := newAssembler(vpx.VP9)
	first := concat(s.layer(vp9Desc{pid: 9, sid: 0}, vp9KeyHeader, 1, false),
		s.layer(vp9Desc{pid: 9, sid: 1, d: true}, vp9InterHeader, 1, true))
	if _, key, st := a.assemble(first, nil); st != frameOK || !key {
		t.Fatalf("first part: %d %v", st, key)
	}
	if _, key, st := a.assemble(s.layer(vp9Desc{pid: 9, sid: 2, d: true}, vp9InterHeader, 2, true), nil); st != frameOK || key {
		t.Fatalf("second part: %d %v", st, key)
	}
	// An S1 that depends on an S0 never seen is broken.
	if _, _, st := a.assemble(s.layer(vp9Desc{pid: 10, sid: 1, d: true}, vp9InterHeader, 1, true), nil); st != frameBroken {
		t.Fatalf("S1 without its S0: %d", st)
	}
}

func TestAssembleVP8(t *testing.T) {
	s := &packetSeq{seq: 0, ts: 0}
	a := newAssembler(vpx.VP8)
	// VP8 descriptor: X=1, S on a frame's first packet, 15-bit picture
	// id; then the frame tag, whose low bit 0 is a keyframe.
	vp8 := func(start bool, pid uint16, body ...byte) []byte {
		b0 := byte(0x80)
		if start {
			b0 |= 0x10
		}
		return append([]byte{b0, 0x80, 0x80 | byte(pid>>8), byte(pid)}, body...)
	}
	key := []*rtp.Packet{s.pkt(vp8(true, 1, 0x10, 1, 2), false), s.livekitPadding(), s.pkt(vp8(false, 1, 3, 4), true)}
	data, isKey, st := a.assemble(key, nil)
	if st != frameOK || !isKey || !bytes.Equal(data, []byte{0x10, 1, 2, 3, 4}) {
		t.Fatalf("keyframe: status %d key %v data %x", st, isKey, data)
	}
	s.ts += 3000
	headless := []*rtp.Packet{s.pkt(vp8(false, 2, 5, 6), true)}
	if _, isKey, st := a.assemble(headless, nil); st != frameBroken || isKey {
		t.Fatalf("frame without its first packet: status %d key %v", st, isKey)
	}
}

func TestVP9KeyframeHeader(t *testing.T) {
	for _, c := range []struct {
		b    byte
		want bool
	}{
		{0x82, true},  // profile 0 key frame
		{0x86, false}, // profile 0 inter frame
		{0x88, false}, // profile 0 show_existing_frame
		{0xa2, true},  // profile 1 key frame
		{0xb1, true},  // profile 3: reserved bit, then key frame
		{0x00, false}, // no frame marker (a padding block)
	} {
		if got := vp9Keyframe([]byte{c.b}); got != c.want {
			t.Errorf("%#x: keyframe %v, want %v", c.b, got, c.want)
		}
	}
}
