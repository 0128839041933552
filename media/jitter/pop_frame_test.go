package jitter

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// vp is a video packet: sequence number, RTP timestamp, marker.
type vp struct {
	seq    uint16
	ts     uint32
	marker bool
}

func (v vp) packet() *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: v.seq, Timestamp: v.ts, Marker: v.marker}}
}

func seqsOf(pkts []*rtp.Packet) []uint16 {
	out := make([]uint16, len(pkts))
	for i, p := range pkts {
		out[i] = p.SequenceNumber
	}
	return out
}

const maxWait = 50 * time.Millisecond

// popFrame calls PopFrame and checks its result.
func popFrame(t *testing.T, b *Buffer, now time.Time, wantSeqs []uint16, wantLost int, wantOK bool) {
	t.Helper()
	pkts, lost, ok := b.PopFrame(now, maxWait, nil)
	if !equalSeqs(seqsOf(pkts), wantSeqs) || lost != wantLost || ok != wantOK {
		t.Fatalf("PopFrame = %v, lost %d, ok %v; want %v, lost %d, ok %v",
			seqsOf(pkts), lost, ok, wantSeqs, wantLost, wantOK)
	}
}

func TestPopFrameOutOfOrder(t *testing.T) {
	b := New(64)
	popFrame(t, b, t0, nil, 0, false) // empty
	// A first frame, 9, starts the stream.
	b.Push(vp{9, 0, true}.packet(), t0)
	popFrame(t, b, t0, []uint16{9}, 0, true)
	// A frame split over three packets arrives 12, 10, 11.
	for i, v := range []vp{{12, 1000, true}, {10, 1000, false}} {
		if got := b.Push(v.packet(), t0.Add(time.Duration(i)*time.Millisecond)); got != Accepted {
			t.Fatalf("Push(%d) = %v", v.seq, got)
		}
		popFrame(t, b, t0.Add(time.Millisecond), nil, 0, false)
	}
	b.Push(vp{11, 1000, false}.packet(), t0.Add(2*time.Millisecond))
	popFrame(t, b, t0.Add(2*time.Millisecond), []uint16{10, 11, 12}, 0, true)
	if b.Len() != 0 {
		t.Fatalf("Len = %d after popping the frame", b.Len())
	}
	// The next frame, a single packet.
	b.Push(vp{13, 4000, true}.packet(), t0)
	popFrame(t, b, t0, []uint16{13}, 0, true)
	popFrame(t, b, t0, nil, 0, false)
}

func TestPopFrameAcrossWrap(t *testing.T) {
	b := New(64)
	for _, v := range []vp{{65534, 9, false}, {0, 9, true}, {65535, 9, false}, {1, 10, true}} {
		b.Push(v.packet(), t0)
	}
	popFrame(t, b, t0, []uint16{65534, 65535, 0}, 0, true)
	popFrame(t, b, t0, []uint16{1}, 0, true)
}

func TestPopFrameWaitThenGiveUp(t *testing.T) {
	b := New(64)
	// A: 10-11 complete. B: 12, 13 lost, 14. C: 15-16 complete.
	frames := []vp{
		{10, 1000, false}, {11, 1000, true},
		{12, 4000, false}, {14, 4000, true},
		{15, 7000, false}, {16, 7000, true},
	}
	for i, v := range frames {
		b.Push(v.packet(), t0.Add(time.Duration(i)*time.Millisecond))
	}
	popFrame(t, b, t0.Add(10*time.Millisecond), []uint16{10, 11}, 0, true)
	// 14 (the oldest after the gap) arrived at t0+3ms; within maxWait,
	// including exactly at it, PopFrame waits for 13.
	popFrame(t, b, t0.Add(10*time.Millisecond), nil, 0, false)
	popFrame(t, b, t0.Add(3*time.Millisecond+maxWait), nil, 0, false)
	if b.Len() != 4 {
		t.Fatalf("Len = %d while waiting, want 4", b.Len())
	}
	// Past maxWait it gives up on B: one packet lost, 12 and 14 dropped.
	popFrame(t, b, t0.Add(4*time.Millisecond+maxWait), nil, 1, false)
	popFrame(t, b, t0.Add(4*time.Millisecond+maxWait), []uint16{15, 16}, 0, true)
	if got := b.Push(vp{13, 4000, false}.packet(), t0.Add(time.Second)); got != TooOld {
		t.Fatalf("late 13 = %v, want TooOld", got)
	}
	if st := b.Stats(); st.Lost != 1 || st.TooOld != 1 {
		t.Fatalf("stats %+v, want Lost 1, TooOld 1", st)
	}
}

func TestPopFrameGiveUpCases(t *testing.T) {
	late := t0.Add(time.Second)
	tests := []struct {
		name     string
		capacity int
		pushed   []vp
		now      time.Time
		lost     int
		then     []uint16 // the frame the next PopFrame returns
		thenOK   bool
	}{
		{
			// The first packet of B is lost: 13 and 14 are assumed to be
			// B's and dropped; C is the resume point.
			name:   "frame head lost",
			pushed: []vp{{13, 4000, false}, {14, 4000, true}, {15, 7000, false}, {16, 7000, true}},
			now:    late, lost: 1,
			then: []uint16{15, 16}, thenOK: true,
		},
		{
			// B's marker packet 14 and C's head 15 are lost: C resumes at 16,
			// the first packet with another timestamp (without its head,
			// which the depacketiser detects).
			name:   "marker and next head lost",
			pushed: []vp{{12, 4000, false}, {13, 4000, false}, {16, 7000, false}, {17, 7000, true}, {18, 9000, true}},
			now:    late, lost: 2,
			then: []uint16{16, 17}, thenOK: true,
		},
		{
			// B's middle is lost and its marker arrived, but no later
			// frame yet: resume right after the marker.
			name:   "resume after a marker not yet followed",
			pushed: []vp{{12, 4000, false}, {14, 4000, true}},
			now:    late, lost: 1,
			then: nil, thenOK: false,
		},
		{
			// Nothing buffered after the gap: no evidence of loss, wait.
			name:   "tail in flight",
			pushed: []vp{{12, 4000, false}, {13, 4000, false}},
			now:    late, lost: 0,
			then: nil, thenOK: false,
		},
		{
			// Packets after the gap but all of the same frame and no
			// marker: no frame start to resume at, wait.
			name:   "no later frame start",
			pushed: []vp{{12, 4000, false}, {14, 4000, false}, {15, 4000, false}},
			now:    late, lost: 0,
			then: nil, thenOK: false,
		},
		{
			// Within maxWait, but the buffer (capacity 16) is more than
			// 3/4 full: give up now.
			name:     "buffer filling up",
			capacity: 16,
			pushed: []vp{
				{12, 4000, false}, {14, 4000, true},
				{15, 5000, true}, {16, 6000, true}, {17, 7000, true}, {18, 8000, true},
				{19, 9000, true}, {20, 10000, true}, {21, 11000, true}, {22, 12000, true},
				{23, 13000, true}, {24, 14000, true}, {25, 15000, true},
			},
			now: t0, lost: 1,
			then: []uint16{15}, thenOK: true,
		},
		{
			// The same at 12 packets (exactly 3/4): keep waiting.
			name:     "buffer 3/4 full",
			capacity: 16,
			pushed: []vp{
				{12, 4000, false}, {14, 4000, true},
				{15, 5000, true}, {16, 6000, true}, {17, 7000, true}, {18, 8000, true},
				{19, 9000, true}, {20, 10000, true}, {21, 11000, true}, {22, 12000, true},
				{23, 13000, true}, {24, 14000, true},
			},
			now: t0, lost: 0,
			then: nil, thenOK: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capacity := tt.capacity
			if capacity == 0 {
				capacity = 64
			}
			b := New(capacity)
			// Frame A (10-11) defines the start and is consumed.
			b.Push(vp{10, 1000, false}.packet(), t0)
			b.Push(vp{11, 1000, true}.packet(), t0)
			popFrame(t, b, t0, []uint16{10, 11}, 0, true)
			for _, v := range tt.pushed {
				b.Push(v.packet(), t0)
			}
			popFrame(t, b, tt.now, nil, tt.lost, false)
			popFrame(t, b, tt.now, tt.then, 0, tt.thenOK)
			if st := b.Stats(); st.Lost != uint64(tt.lost) {
				t.Fatalf("Stats.Lost = %d, want %d", st.Lost, tt.lost)
			}
		})
	}
}

func TestPopFrameMissingMarker(t *testing.T) {
	// A sender that omits the marker: the timestamp change ends the frame.
	b := New(64)
	for _, v := range []vp{{10, 1000, false}, {11, 1000, false}, {12, 4000, false}, {13, 7000, false}} {
		b.Push(v.packet(), t0)
	}
	popFrame(t, b, t0, []uint16{10, 11}, 0, true)
	popFrame(t, b, t0, []uint16{12}, 0, true)
	// 13 may have more packets to come.
	popFrame(t, b, t0, nil, 0, false)
}

func TestPopFrameReusesDst(t *testing.T) {
	b := New(64)
	b.Push(vp{10, 1000, false}.packet(), t0)
	b.Push(vp{11, 1000, true}.packet(), t0)
	dst := make([]*rtp.Packet, 5, 8)
	pkts, _, ok := b.PopFrame(t0, maxWait, dst)
	if !ok || len(pkts) != 2 || &pkts[0] != &dst[0] {
		t.Fatalf("PopFrame did not append to dst[:0]")
	}
}

func BenchmarkPushPopFrame(b *testing.B) {
	// Three-packet frames arriving in order.
	buf := New(DefaultCapacity)
	pkts := make([]rtp.Packet, 64)
	dst := make([]*rtp.Packet, 0, 8)
	var seq uint16
	var ts uint32
	b.ReportAllocs()
	for b.Loop() {
		for i := range 3 {
			p := &pkts[seq%64]
			p.SequenceNumber, p.Timestamp, p.Marker = seq, ts, i == 2
			seq++
			buf.Push(p, t0)
		}
		ts += 3000
		var ok bool
		if dst, _, ok = buf.PopFrame(t0, maxWait, dst); !ok {
			b.Fatal("no frame")
		}
	}
}
