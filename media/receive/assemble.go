package receive

import (
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"causerie/media/vpx"
)

// frameStatus is what assemble made of the packets of one frame.
type frameStatus int

const (
	// frameOK: the data can go to the decoder.
	frameOK frameStatus = iota
	// frameEmpty: padding only, no media; nothing to decode or ask for.
	frameEmpty
	// frameBroken: incomplete, or predicted from a picture the decoder
	// never got; decoding it would fail or show garbage, so the receiver
	// drops it and asks for a keyframe.
	frameBroken
)

// maxSpatialLayers is the number of VP9 spatial layer ids (3 bits).
const maxSpatialLayers = 8

// refsKept is how many decoded pictures of each VP9 spatial layer are
// remembered as references. Browsers' SVC structures (L1T3 to L3T3_KEY)
// reach back at most 4 pictures; a reference further back than this is
// treated as missing, which costs a keyframe, never a wrong picture.
const refsKept = 32

// assembler checks the frames the jitter buffer pops at the codec level
// and joins their payloads for the decoder. The jitter buffer sees
// sequence numbers only; the payload descriptors tell what it cannot:
//
//   - padding-only packets, which carry no media but take sequence
//     numbers. LiveKit sends them every 100 ms before a track's first
//     frame and to probe the bandwidth; v1.13 pads them twice, so after
//     the RTP padding is removed a block of zeros ending with its own
//     length remains, which a VP9 descriptor reads as a keyframe.
//   - frames that lack their head or tail although no sequence number is
//     missing: an SFU that stops forwarding a layer in the middle of a
//     picture renumbers what it forwards, so the cut is invisible to the
//     jitter buffer (livekit-server does this with VP9 SVC when it
//     lowers a subscriber's spatial layer). The VP8 S bit and the VP9 B
//     and E bits show where each frame starts and ends.
//   - VP9 layer frames whose references were never decoded: each names
//     the pictures it predicts from (P_DIFF, in flexible mode, which
//     browsers use for SVC) and whether it needs the layer below (D).
//
// It belongs to the decoding goroutine.
type assembler struct {
	codec vpx.Codec
	vp8   codecs.VP8Packet
	vp9   codecs.VP9Packet

	// refs[s] holds the picture ids of the last refsKept frames of VP9
	// spatial layer s handed to the decoder since the last keyframe, n[s]
	// how many of its slots are in use.
	refs [maxSpatialLayers][refsKept]uint16
	n    [maxSpatialLayers]int
	// pidMask is the picture id's range: 7 bits until an id above 127
	// shows the sender uses 15.
	pidMask uint16
	// lastPID and lastSID are the picture and the highest spatial layer
	// of it handed to the decoder last (lastSID -1: none), for a picture
	// that the jitter buffer pops in two parts.
	lastPID uint16
	lastSID int
}

func newAssembler(c vpx.Codec) *assembler {
	return &assembler{codec: c, pidMask: 0x7f, lastSID: -1}
}

// isPadding tells a packet that carries no media: an empty payload, or,
// with the padding bit, a payload that is itself padding (zeros, the last
// byte giving the length), as a sender that pads twice leaves it. Media
// cannot look like that: a VP8 or VP9 payload descriptor of zero (no
// picture id, not a frame's start) followed by nothing but zeros is no
// encoder's output.
func isPadding(p *rtp.Packet) bool {
	n := len(p.Payload)
	if n == 0 {
		return true
	}
	if !p.Padding || int(p.Payload[n-1]) != n {
		return false
	}
	for _, b := range p.Payload[:n-1] {
		if b != 0 {
			return false
		}
	}
	return true
}

// assemble joins the payloads of one frame's packets into dst (VP9
// layers length-prefixed, see Video.decode) and tells whether it is a
// keyframe and whether it can be decoded. Padding packets are left out
// wherever they fall.
func (a *assembler) assemble(pkts []*rtp.Packet, dst []byte) ([]byte, bool, frameStatus) {
	if a.codec == vpx.VP8 {
		return a.assembleVP8(pkts, dst)
	}
	return a.assembleVP9(pkts, dst)
}

// assembleVP8 requires the frame's first packet to start its first
// partition (S=1, PID=0): a frame whose head is missing cannot be
// decoded. RFC 7741 §4.
func (a *assembler) assembleVP8(pkts []*rtp.Packet, dst []byte) ([]byte, bool, frameStatus) {
	dst = dst[:0]
	key, started := false, false
	for _, p := range pkts {
		if isPadding(p) {
			continue
		}
		payload, err := a.vp8.Unmarshal(p.Payload)
		if err != nil {
			return dst[:0], false, frameBroken
		}
		if !started {
			if a.vp8.S != 1 || a.vp8.PID != 0 || len(payload) == 0 {
				return dst[:0], false, frameBroken
			}
			// The P bit of the frame tag is an inverse keyframe flag
			// (RFC 6386 §9.1).
			key, started = payload[0]&0x01 == 0, true
		}
		dst = append(dst, payload...)
	}
	if !started {
		return dst, false, frameEmpty
	}
	return dst, key, frameOK
}

// vp9Layer is one spatial layer's frame within a picture.
type vp9Layer struct {
	start, end int // its bytes in dst, length prefix included
	sid        int
	pid        uint16
	hasPID     bool
	p, d, f    bool
	pdiff      [3]uint8 // VP9's descriptor allows up to 3 references
	npdiff     int
	complete   bool // B on its first packet, E on its last
}

// assembleVP9 splits the picture into its layer frames, keeps those that
// are complete and whose references were decoded, from the lowest up,
// and stops at the first that is not: the layers above predict from it.
// The picture is a keyframe when its first layer kept is a VP9 keyframe
// (P=0 and the bitstream's frame type), which restarts the references.
func (a *assembler) assembleVP9(pkts []*rtp.Packet, dst []byte) ([]byte, bool, frameStatus) {
	dst = dst[:0]
	var layers [maxSpatialLayers + 1]vp9Layer
	nl := 0
	open := false // layers[nl-1] started and has not ended
	media := false
	for _, p := range pkts {
		if isPadding(p) {
			continue
		}
		media = true
		// pion's Unmarshal appends each packet's P_DIFF to those already
		// in the struct: start each packet afresh, keeping the array.
		a.vp9 = codecs.VP9Packet{PDiff: a.vp9.PDiff[:0]}
		payload, err := a.vp9.Unmarshal(p.Payload)
		if err != nil {
			return dst[:0], false, frameBroken
		}
		d := &a.vp9
		if d.I && d.PictureID > 0x7f {
			a.pidMask = 0x7fff
		}
		cur := &layers[max(nl-1, 0)]
		if open && (d.B || int(d.SID) != cur.sid || d.I && d.PictureID != cur.pid) {
			// A new layer frame before the end of the open one: the open
			// one lost its tail.
			cur.end, cur.complete, open = len(dst), false, false
		}
		if !open {
			if nl == len(layers) {
				return dst[:0], false, frameBroken
			}
			cur = &layers[nl]
			nl++
			*cur = vp9Layer{start: len(dst), sid: int(d.SID), pid: d.PictureID, hasPID: d.I,
				p: d.P, d: d.D, f: d.F, complete: d.B}
			cur.npdiff = copy(cur.pdiff[:], d.PDiff)
			dst = append(dst, 0, 0, 0, 0)
			open = true
		}
		dst = append(dst, payload...)
		if d.E {
			cur.end, open = len(dst), false
		}
	}
	if !media {
		return dst[:0], false, frameEmpty
	}
	if open {
		// The last layer frame lost its tail.
		layers[nl-1].end, layers[nl-1].complete = len(dst), false
	}

	// Keep the decodable layers, moving them down over those dropped.
	out, key := 0, false
	below := -1 // the spatial layer kept last in this picture
	if nl > 0 && layers[0].hasPID && a.lastPID == layers[0].pid {
		below = a.lastSID // the picture's first part came in an earlier pop
	}
	for i := range nl {
		l := &layers[i]
		if !l.complete || !a.decodable(l, below) {
			break
		}
		if i == 0 {
			key = !l.p && !l.d && vp9Keyframe(dst[l.start+4:l.end])
			if key {
				a.forget()
			}
		}
		n := l.end - l.start - 4
		dst[l.start], dst[l.start+1], dst[l.start+2], dst[l.start+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		out += copy(dst[out:], dst[l.start:l.end])
		a.remember(l)
		below = l.sid
	}
	if out == 0 {
		return dst[:0], false, frameBroken
	}
	return dst[:out], key, frameOK
}

// decodable tells whether the decoder has what the layer frame predicts
// from: the layer below in the same picture (D; below is the spatial
// layer of this picture kept last, -1 for none), and the earlier
// pictures of its own layer (P; named by P_DIFF in flexible mode).
func (a *assembler) decodable(l *vp9Layer, below int) bool {
	if l.sid >= maxSpatialLayers || l.d && below != l.sid-1 {
		return false
	}
	if !l.p {
		return true
	}
	if a.n[l.sid] == 0 {
		// Nothing of this layer since the last keyframe (or ever).
		return false
	}
	if !l.f || !l.hasPID {
		// Non-flexible mode names no references; the jitter buffer's loss
		// detection covers it.
		return true
	}
	for _, diff := range l.pdiff[:l.npdiff] {
		if !a.has(l.sid, (l.pid-uint16(diff))&a.pidMask) {
			return false
		}
	}
	return true
}

func (a *assembler) has(sid int, pid uint16) bool {
	for _, r := range a.refs[sid][:min(a.n[sid], refsKept)] {
		if r == pid {
			return true
		}
	}
	return false
}

// remember records a layer frame handed to the decoder.
func (a *assembler) remember(l *vp9Layer) {
	a.refs[l.sid][a.n[l.sid]%refsKept] = l.pid
	a.n[l.sid]++
	if a.n[l.sid] >= 2*refsKept {
		a.n[l.sid] -= refsKept // keep counting within the ring's phase
	}
	a.lastPID, a.lastSID = l.pid, l.sid
}

// forget drops every reference: after a loss the receiver waits for a
// keyframe, and nothing before it may be predicted from.
func (a *assembler) forget() {
	a.n = [maxSpatialLayers]int{}
	a.lastSID = -1
}

// vp9Keyframe reads the frame type from a VP9 frame's uncompressed
// header (VP9 bitstream specification §6.2): frame_marker (2 bits, 2),
// profile (2 bits, then a reserved 0 bit for profile 3),
// show_existing_frame, frame_type (0: key frame).
func vp9Keyframe(frame []byte) bool {
	if len(frame) == 0 || frame[0]>>6 != 2 {
		return false
	}
	bit := 2
	profile := int(frame[0]>>5&1) | int(frame[0]>>4&1)<<1
	bit += 2
	if profile == 3 {
		bit++
	}
	if frame[0]>>(7-bit)&1 == 1 { // show_existing_frame
		return false
	}
	bit++
	return frame[0]>>(7-bit)&1 == 0
}
