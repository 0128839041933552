package jitter

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

var t0 = time.Unix(1_700_000_000, 0)

func pkt(seq uint16) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}}
}

// popAll pops until the buffer stops returning Ready.
func popAll(b *Buffer) (seqs []uint16, last PopStatus) {
	for {
		p, st := b.Pop()
		if st != Ready {
			return seqs, st
		}
		seqs = append(seqs, p.SequenceNumber)
	}
}

func equalSeqs(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNewCapacity(t *testing.T) {
	tests := []struct{ in, want int }{
		{0, DefaultCapacity}, {-5, DefaultCapacity}, {1, 1}, {3, 4},
		{512, 512}, {513, 1024}, {1 << 20, 1 << 15},
	}
	for _, tt := range tests {
		if got := New(tt.in).Cap(); got != tt.want {
			t.Errorf("New(%d).Cap() = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestPushPop(t *testing.T) {
	const A, D, O, R = Accepted, Duplicate, TooOld, Reset
	tests := []struct {
		name    string
		push    []uint16
		results []PushResult
		pops    []uint16
		end     PopStatus
		stats   Stats
	}{
		{
			name:    "in order",
			push:    []uint16{1, 2, 3, 4},
			results: []PushResult{A, A, A, A},
			pops:    []uint16{1, 2, 3, 4},
			end:     Empty,
			stats:   Stats{Received: 4},
		},
		{
			name:    "reordered",
			push:    []uint16{1, 3, 2, 5, 4},
			results: []PushResult{A, A, A, A, A},
			pops:    []uint16{1, 2, 3, 4, 5},
			end:     Empty,
			stats:   Stats{Received: 5, Reordered: 2},
		},
		{
			name:    "duplicates",
			push:    []uint16{1, 2, 2, 3, 1, 3},
			results: []PushResult{A, A, D, A, D, D},
			pops:    []uint16{1, 2, 3},
			end:     Empty,
			stats:   Stats{Received: 6, Duplicates: 3},
		},
		{
			name:    "wrap-around 65530 to 5",
			push:    []uint16{65530, 65531, 65532, 65533, 65534, 0, 65535, 1, 2, 4, 3, 5},
			results: []PushResult{A, A, A, A, A, A, A, A, A, A, A, A},
			pops:    []uint16{65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, 5},
			end:     Empty,
			stats:   Stats{Received: 12, Reordered: 2},
		},
		{
			name:    "first packet defines next",
			push:    []uint16{10, 9, 11},
			results: []PushResult{A, O, A},
			pops:    []uint16{10, 11},
			end:     Empty,
			stats:   Stats{Received: 3, TooOld: 1, Reordered: 1},
		},
		{
			name:    "gap",
			push:    []uint16{7, 8, 10},
			results: []PushResult{A, A, A},
			pops:    []uint16{7, 8},
			end:     Missing,
			stats:   Stats{Received: 3},
		},
		{
			name:    "jump of a capacity resets",
			push:    []uint16{100, 101, 100 + 16},
			results: []PushResult{A, A, R},
			pops:    []uint16{116},
			end:     Empty,
			stats:   Stats{Received: 3, Resets: 1},
		},
		{
			name:    "jump just inside capacity",
			push:    []uint16{100, 101, 100 + 15},
			results: []PushResult{A, A, A},
			pops:    []uint16{100, 101},
			end:     Missing,
			stats:   Stats{Received: 3},
		},
		{
			name:    "jump across the wrap resets",
			push:    []uint16{65000, 65001, 1000},
			results: []PushResult{A, A, R},
			pops:    []uint16{1000},
			end:     Empty,
			stats:   Stats{Received: 3, Resets: 1},
		},
	}
	for _, tt := range tests {
		b := New(16)
		for i, seq := range tt.push {
			if got := b.Push(pkt(seq), t0); got != tt.results[i] {
				t.Errorf("%s: Push(%d) = %v, want %v", tt.name, seq, got, tt.results[i])
			}
		}
		seqs, end := popAll(b)
		if !equalSeqs(seqs, tt.pops) || end != tt.end {
			t.Errorf("%s: popped %v then %v, want %v then %v", tt.name, seqs, end, tt.pops, tt.end)
		}
		if got := b.Stats(); got != tt.stats {
			t.Errorf("%s: stats %+v, want %+v", tt.name, got, tt.stats)
		}
	}
}

func TestLossThenSkip(t *testing.T) {
	b := New(16)
	for _, s := range []uint16{1, 2, 4, 5} {
		b.Push(pkt(s), t0)
	}
	if seqs, st := popAll(b); !equalSeqs(seqs, []uint16{1, 2}) || st != Missing {
		t.Fatalf("popped %v then %v, want [1 2] then Missing", seqs, st)
	}
	// Missing does not advance.
	if _, st := b.Pop(); st != Missing || b.Len() != 2 {
		t.Fatalf("second Pop = %v with %d buffered, want Missing with 2", st, b.Len())
	}
	b.Skip()
	if seqs, st := popAll(b); !equalSeqs(seqs, []uint16{4, 5}) || st != Empty {
		t.Fatalf("after Skip popped %v then %v, want [4 5] then Empty", seqs, st)
	}
	if got := b.Push(pkt(3), t0); got != TooOld {
		t.Fatalf("late skipped packet: %v, want TooOld", got)
	}
	if st := b.Stats(); st.Lost != 1 || st.TooOld != 1 {
		t.Fatalf("stats %+v, want Lost 1, TooOld 1", st)
	}
}

func TestSkipBufferedPacket(t *testing.T) {
	b := New(16)
	b.Skip() // before the first Push: nothing to skip
	if st := b.Stats(); st.Lost != 0 {
		t.Fatalf("Skip before start counted %d lost", st.Lost)
	}
	b.Push(pkt(1), t0)
	b.Push(pkt(2), t0)
	b.Skip()
	if b.Len() != 1 {
		t.Fatalf("Len = %d after skipping a buffered packet, want 1", b.Len())
	}
	if p, st := b.Pop(); st != Ready || p.SequenceNumber != 2 {
		t.Fatalf("Pop = %v, %v; want 2, Ready", p, st)
	}
}

func TestTooOldAfterPop(t *testing.T) {
	b := New(16)
	b.Push(pkt(10), t0)
	b.Push(pkt(11), t0)
	b.Pop()
	for _, s := range []uint16{10, 9, 65535} {
		if got := b.Push(pkt(s), t0); got != TooOld {
			t.Errorf("Push(%d) after popping 10 = %v, want TooOld", s, got)
		}
	}
	if got := b.Push(pkt(11), t0); got != Duplicate {
		t.Errorf("Push(11) still buffered = %v, want Duplicate", got)
	}
	if st := b.Stats(); st.TooOld != 3 || st.Duplicates != 1 || st.Received != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestSequenceRestartBehind(t *testing.T) {
	b := New(16)
	for s := uint16(40000); s < 40003; s++ {
		b.Push(pkt(s), t0)
	}
	popAll(b)
	// Scattered far-behind packets (up to half the sequence space behind;
	// further is ahead) are stray, not a restart.
	for _, s := range []uint16{20000, 21000, 22000, 23000, 24000, 39000} {
		if got := b.Push(pkt(s), t0); got != TooOld {
			t.Fatalf("stray Push(%d) = %v, want TooOld", s, got)
		}
	}
	// A sender restarted at 20000: the fourth in-sequence packet resets.
	for s := uint16(20000); s < 20003; s++ {
		if got := b.Push(pkt(s), t0); got != TooOld {
			t.Fatalf("Push(%d) = %v, want TooOld", s, got)
		}
	}
	if got := b.Push(pkt(20003), t0); got != Reset {
		t.Fatalf("Push(20003) = %v, want Reset", got)
	}
	b.Push(pkt(20004), t0)
	if seqs, _ := popAll(b); !equalSeqs(seqs, []uint16{20003, 20004}) {
		t.Fatalf("after restart popped %v, want [20003 20004]", seqs)
	}
	if st := b.Stats(); st.Resets != 1 || st.TooOld != 9 {
		t.Fatalf("stats %+v, want Resets 1, TooOld 9", st)
	}
}

func TestPeekFEC(t *testing.T) {
	b := New(16)
	if b.Peek(0) != nil {
		t.Fatal("Peek before the first Push is not nil")
	}
	b.Push(pkt(1), t0)
	b.Push(pkt(3), t0)
	b.Pop()
	// 2 is missing; the decoder recovers it from 3's in-band FEC.
	if _, st := b.Pop(); st != Missing {
		t.Fatalf("Pop = %v, want Missing", st)
	}
	if p := b.Peek(1); p == nil || p.SequenceNumber != 3 {
		t.Fatalf("Peek(1) = %v, want packet 3", p)
	}
	for _, off := range []int{0, 2, -1, 16, 1 << 40} {
		if p := b.Peek(off); p != nil {
			t.Errorf("Peek(%d) = packet %d, want nil", off, p.SequenceNumber)
		}
	}
	b.Skip()
	if p, st := b.Pop(); st != Ready || p.SequenceNumber != 3 {
		t.Fatalf("after Skip Pop = %v, %v; want packet 3", p, st)
	}
}

func TestPushNil(t *testing.T) {
	b := New(16)
	if got := b.Push(nil, t0); got != Invalid {
		t.Fatalf("Push(nil) = %v, want Invalid", got)
	}
	if b.Stats() != (Stats{}) || b.Len() != 0 {
		t.Fatal("Push(nil) changed the buffer")
	}
}

func TestStats(t *testing.T) {
	b := New(16)
	arrivals := []uint16{
		100, 101, 103, 102, // 102 reordered
		101,      // duplicate
		105, 104, // 104 reordered
	}
	for _, s := range arrivals {
		b.Push(pkt(s), t0)
	}
	popAll(b) // 100..105
	b.Push(pkt(107), t0)
	b.Skip()             // 106 lost
	b.Push(pkt(106), t0) // too old, and below the highest
	want := Stats{Received: 9, Duplicates: 1, TooOld: 1, Lost: 1, Reordered: 3}
	if got := b.Stats(); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}

func TestLongRunWrapsMany(t *testing.T) {
	// 200 000 packets (three wraps), every pair swapped, every 10th lost.
	b := New(64)
	var next uint16
	for i := 0; i < 200_000; i += 2 {
		a, c := uint16(i), uint16(i+1)
		if i%10 != 0 {
			b.Push(pkt(c), t0)
		}
		b.Push(pkt(a), t0)
		for {
			p, st := b.Pop()
			if st == Missing {
				b.Skip()
				next++
				continue
			}
			if st == Empty {
				break
			}
			if p.SequenceNumber != next {
				t.Fatalf("popped %d, want %d", p.SequenceNumber, next)
			}
			next++
		}
	}
	// A lost odd packet is Missing once the next pair arrives, and is
	// skipped then; every pair with both packets counts one reordering.
	want := Stats{Received: 180_000, Lost: 20_000, Reordered: 80_000}
	if got := b.Stats(); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}

func TestPushPopNoAllocs(t *testing.T) {
	b := New(512)
	pkts := make([]rtp.Packet, 8)
	var seq uint16
	if n := testing.AllocsPerRun(1000, func() {
		p := &pkts[seq%8]
		p.SequenceNumber = seq
		seq++
		b.Push(p, t0)
		b.Pop()
	}); n != 0 {
		t.Fatalf("Push+Pop allocates %v times per packet", n)
	}
}

func BenchmarkPushPop(b *testing.B) {
	buf := New(DefaultCapacity)
	pkts := make([]rtp.Packet, 64)
	var seq uint16
	arrival := t0
	b.ReportAllocs()
	for b.Loop() {
		p := &pkts[seq%64]
		p.SequenceNumber = seq
		seq++
		buf.Push(p, arrival)
		if _, st := buf.Pop(); st != Ready {
			b.Fatal(st)
		}
	}
}

func TestZeroValue(t *testing.T) {
	var b Buffer
	if b.Cap() != DefaultCapacity || b.Len() != 0 || b.Peek(0) != nil {
		t.Fatal("zero Buffer is not empty with the default capacity")
	}
	if _, st := b.Pop(); st != Empty {
		t.Fatalf("Pop = %v, want Empty", st)
	}
	if pkts, lost, ok := b.PopFrame(t0, maxWait, nil); len(pkts) != 0 || lost != 0 || ok {
		t.Fatal("PopFrame on a zero Buffer returned something")
	}
	b.Skip()
	if got := b.Push(pkt(7), t0); got != Accepted {
		t.Fatalf("Push = %v", got)
	}
	if p, st := b.Pop(); st != Ready || p.SequenceNumber != 7 || b.Cap() != DefaultCapacity {
		t.Fatalf("Pop = %v, %v", p, st)
	}
}
