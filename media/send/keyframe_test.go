package send

import (
	"testing"
	"time"
)

// firstAfterInterval is the first picture of the 30 fps test camera
// at least the default MinKeyframeInterval after picture from: 16 after
// it, as 15 frame intervals of 33333333 ns fall 5 ns short of 500 ms.
func firstAfterInterval(from int) int {
	i := from
	for time.Duration(i-from)*(time.Second/30) < 500*time.Millisecond {
		i++
	}
	return i
}

// A PLI that comes sooner than MinKeyframeInterval (500 ms, 15 frames at
// 30 fps) after a layer's keyframe is kept, not dropped: the SFU asks
// that way for a subscriber it has just switched to the layer, and does
// not ask again before its own throttle (up to 1 s), so that subscriber
// would see nothing until then. It is answered with the first picture
// the interval allows, once, in that layer only.
func TestSimulcastEarlyKeyframeRequestWaits(t *testing.T) {
	rec, _ := runSimulcast(t, 1280, 720, 40, 1700, map[int]func(*Video, *layerRecorder){
		// The layer's first keyframe is picture 0; picture 5 is 167 ms
		// later.
		5: func(v *Video, r *layerRecorder) { v.RequestLayerKeyframe(1) },
		// A burst of requests inside the interval gives one keyframe.
		8: func(v *Video, r *layerRecorder) { v.RequestLayerKeyframe(1) },
	})
	if got, want := keyPictures(rec, 1), firstAfterInterval(0); len(got) != 2 || got[1] != want {
		t.Fatalf("middle layer keyframes at pictures %v, want [0 %d]: the requests at 5 and 8 answered once 500 ms have passed", got, want)
	}
	for _, i := range []int{0, 2} {
		if got := layerKeyframes(rec.frames[i]); len(got) != 1 {
			t.Fatalf("layer %d keyframes at %v, want [0]", i, got)
		}
	}
}

// A keyframe the sender makes for its own reasons (a layer resuming)
// answers the requests pending before it: no second keyframe follows.
func TestKeyframeAnswersPendingRequest(t *testing.T) {
	rec, _ := runSimulcast(t, 1280, 720, 40, 1700, map[int]func(*Video, *layerRecorder){
		3: func(v *Video, r *layerRecorder) {
			v.RequestLayerKeyframe(2)
			r.disabled[2].Store(true)
		},
		4: func(v *Video, r *layerRecorder) { r.disabled[2].Store(false) },
	})
	// Picture 3 is not encoded in the top layer; picture 4 resumes it
	// with a keyframe, which the pending request needs no other.
	if got := layerKeyframes(rec.frames[2]); len(got) != 2 || got[1] != 3 {
		t.Fatalf("top layer keyframes at %v (frame indices), want [0 3]", got)
	}
}
