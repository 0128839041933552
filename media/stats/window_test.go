package stats

import "testing"

func TestWindowPercentiles(t *testing.T) {
	w := NewWindow(100)
	if got := w.Percentiles(50); got[0] != 0 {
		t.Fatalf("empty window p50 = %v, want 0", got[0])
	}
	for i := 1; i <= 100; i++ {
		w.Add(float64(i))
	}
	got := w.Percentiles(50, 95, 100)
	if got[0] != 50 || got[1] != 95 || got[2] != 100 {
		t.Fatalf("p50,p95,p100 = %v, want [50 95 100]", got)
	}
	// Older samples fall out of a full window.
	for i := 0; i < 100; i++ {
		w.Add(1000)
	}
	if got := w.Percentiles(1); got[0] != 1000 {
		t.Fatalf("after overwrite p1 = %v, want 1000", got[0])
	}
	if w.Count() != 200 {
		t.Fatalf("count = %d, want 200", w.Count())
	}
}

func BenchmarkWindowAdd(b *testing.B) {
	w := NewWindow(4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Add(float64(i))
	}
}
