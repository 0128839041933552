package receive

import (
	"testing"

	"github.com/pion/rtp"

	"causerie/media/vpx"
)

// FuzzAssemble feeds the frame checker arbitrary packets, as a broken or
// hostile sender would: it may call a frame broken, never panic, and what
// it calls decodable is whole. The input is cut into frames of packets:
// each packet is a length byte, a flags byte (bit 0: the RTP padding bit,
// bit 1: the frame ends here) and that many payload bytes.
func FuzzAssemble(f *testing.F) {
	s := &packetSeq{seq: 1, ts: 1}
	seed := func(pkts ...*rtp.Packet) {
		var b []byte
		for i, p := range pkts {
			flags := byte(0)
			if p.Padding {
				flags |= 1
			}
			if i == len(pkts)-1 {
				flags |= 2
			}
			b = append(b, byte(len(p.Payload)), flags)
			b = append(b, p.Payload...)
		}
		f.Add(b)
	}
	seed(s.keyPicture(40)...)
	seed(concat(s.keyPicture(41), []*rtp.Packet{s.livekitPadding()})...)
	seed(s.layer(vp9Desc{pid: 42, sid: 2, tid: 2, p: true, pdiff: []uint8{1}}, vp9InterHeader, 2, true)...)
	seed(s.pkt([]byte{0x90, 0x80, 0x01, 0x9d, 0x01, 0x2a}, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, codec := range []vpx.Codec{vpx.VP8, vpx.VP9} {
			a := newAssembler(codec)
			var frame []*rtp.Packet
			var dst []byte
			seq := uint16(0)
			for in := data; len(in) >= 2; {
				n, flags := int(in[0]), in[1]
				in = in[2:]
				n = min(n, len(in))
				frame = append(frame, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq,
					Padding: flags&1 != 0}, Payload: in[:n]})
				in = in[n:]
				seq++
				if flags&2 != 0 || len(in) < 2 {
					out, _, st := a.assemble(frame, dst)
					if st != frameOK && len(out) != 0 {
						t.Fatalf("%v: a frame refused with %d bytes", codec, len(out))
					}
					dst, frame = out, frame[:0]
				}
			}
		}
	})
}
