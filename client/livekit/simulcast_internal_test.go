package livekit

import (
	"testing"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"go.uber.org/atomic"

	"causerie/client"
)

// The sender learns of dynacast through lksdk's own per-layer switch: it
// must be found in the lksdk this module pins, and start enabled.
func TestDynacastStateFound(t *testing.T) {
	capability, err := capabilityOf(client.TrackOptions{Kind: client.Video, Codec: "vp8"})
	if err != nil {
		t.Fatal(err)
	}
	lt, err := lksdk.NewLocalTrack(capability, lksdk.WithSimulcast("TR_test", &livekit.VideoLayer{Quality: livekit.VideoQuality_LOW, Width: 320, Height: 180}))
	if err != nil {
		t.Fatal(err)
	}
	flag := dynacastState(lt)
	if flag == nil {
		t.Fatal("lksdk's LocalTrack has no go.uber.org/atomic.Bool field \"disabled\" any more: dynacast would not stop encoding")
	}
	st := &simulcastTrack{layers: []*lksdk.LocalTrack{lt}, disabled: []*atomic.Bool{flag}}
	if !st.LayerEnabled(0) || st.LayerEnabled(1) || st.LayerEnabled(-1) {
		t.Fatalf("layer 0 enabled %v, layer 1 %v, layer -1 %v", st.LayerEnabled(0), st.LayerEnabled(1), st.LayerEnabled(-1))
	}
	flag.Store(true) // what lksdk's setDisabled does on a SubscribedQualityUpdate
	if st.LayerEnabled(0) {
		t.Fatal("disabled layer reads as enabled")
	}
}
