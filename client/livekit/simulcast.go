package livekit

import (
	"crypto/rand"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/atomic"

	"causerie/client"
)

// layerQualities name simulcast layers as LiveKit's clients do: the
// smallest is LOW (rid "q"), then MEDIUM ("h"), then HIGH ("f"); two
// layers are LOW and MEDIUM.
var layerQualities = []livekit.VideoQuality{livekit.VideoQuality_LOW, livekit.VideoQuality_MEDIUM, livekit.VideoQuality_HIGH}

// publishSimulcast publishes a video track as one RTP stream per layer
// (one transceiver, one encoding per layer, as browsers do).
func (b *Backend) publishSimulcast(opts client.TrackOptions, capability webrtc.RTPCodecCapability) (client.LocalTrack, error) {
	if len(opts.Layers) > len(layerQualities) {
		return nil, fmt.Errorf("livekit: %d simulcast layers, at most %d", len(opts.Layers), len(layerQualities))
	}
	onKeyframe := opts.OnLayerKeyframeRequest
	if onKeyframe == nil {
		whole := opts.OnKeyframeRequest
		if whole == nil {
			whole = func() {}
		}
		onKeyframe = func(int) { whole() }
	}
	// Every layer's track carries the same id: that is what makes lksdk
	// and the SFU see one track in several encodings.
	id := "TR_" + rand.Text()
	t := &simulcastTrack{localTrack: localTrack{b: b}}
	for i, l := range opts.Layers {
		layer := &livekit.VideoLayer{Quality: layerQualities[i], Width: uint32(l.Width), Height: uint32(l.Height)}
		var lt *lksdk.LocalTrack
		lt, err := lksdk.NewLocalTrack(capability, lksdk.WithSimulcast(id, layer),
			lksdk.WithRTCPHandler(func(p rtcp.Packet) {
				// Each encoding reads the RTCP of its own SSRC, but pion
				// hands a compound packet to every SSRC it names: a
				// PLI bundled with reports on all the layers reaches
				// each of them. Only the layer it names is asked for a
				// keyframe (a needless keyframe elsewhere costs bits and
				// holds back that layer's next one, see
				// send.VideoConfig.MinKeyframeInterval).
				switch p.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					if slices.Contains(p.DestinationSSRC(), uint32(lt.SSRC())) {
						onKeyframe(i)
					}
				}
			}))
		if err != nil {
			t.closeLayers()
			return nil, fmt.Errorf("livekit: new track: %w", err)
		}
		t.layers = append(t.layers, lt)
		t.disabled = append(t.disabled, dynacastState(lt))
	}
	top := opts.Layers[len(opts.Layers)-1]
	pub, err := b.room.LocalParticipant.PublishSimulcastTrack(t.layers, &lksdk.TrackPublicationOptions{
		Name:        opts.Name,
		Source:      sourceProto(opts.Source),
		VideoWidth:  top.Width,
		VideoHeight: top.Height,
	})
	if err != nil {
		t.closeLayers()
		return nil, fmt.Errorf("livekit: publish %s: %w", opts.Kind, err)
	}
	t.pub, t.track = pub, t.layers[len(t.layers)-1]
	return t, nil
}

// simulcastTrack is a published simulcast track: its localTrack is the
// largest layer, which WriteFrame writes to.
type simulcastTrack struct {
	localTrack
	layers   []*lksdk.LocalTrack // smallest first
	disabled []*atomic.Bool      // lksdk's dynacast switch of each layer, nil when not found
}

// WriteLayer implements client.LayeredTrack.
func (t *simulcastTrack) WriteLayer(layer int, frame []byte, _ time.Time, d time.Duration) error {
	if layer < 0 || layer >= len(t.layers) {
		return fmt.Errorf("livekit: no simulcast layer %d", layer)
	}
	return t.layers[layer].WriteSample(pmedia.Sample{Data: frame, Duration: d}, nil)
}

// LayerEnabled implements client.LayeredTrack with lksdk's own record of
// the SFU's dynacast: when no subscriber receives a layer, livekit-server
// says so (SubscribedQualityUpdate) and lksdk marks that layer's track
// disabled. lksdk honours the mark only in its own sample-provider loop,
// not in WriteSample, and offers no callback for it, so the sender reads
// it here, before each picture, and encodes nothing for a disabled layer.
func (t *simulcastTrack) LayerEnabled(layer int) bool {
	if layer < 0 || layer >= len(t.disabled) {
		return false
	}
	return t.disabled[layer] == nil || !t.disabled[layer].Load()
}

func (t *simulcastTrack) closeLayers() {
	for _, l := range t.layers {
		_ = l.Close()
	}
}

// atomicBool is the type of lksdk's dynacast switch (go.uber.org/atomic's,
// not sync/atomic's).
var atomicBool = reflect.TypeFor[atomic.Bool]()

// dynacastState finds the atomic.Bool in which lksdk (v2.19.0, pinned in
// go.mod) keeps a simulcast layer's dynacast state: LocalTrack's
// unexported "disabled" field, which it sets from the SFU's
// SubscribedQualityUpdate and reads with atomic loads, as this package
// then does. lksdk exposes it neither as a method nor as a callback. A
// future lksdk without that field gives nil, and every layer is then
// encoded (as without dynacast); TestSimulcastDynacast fails loudly in
// that case.
func dynacastState(t *lksdk.LocalTrack) *atomic.Bool {
	f := reflect.ValueOf(t).Elem().FieldByName("disabled")
	if !f.IsValid() || f.Type() != atomicBool || !f.CanAddr() {
		return nil
	}
	return (*atomic.Bool)(f.Addr().UnsafePointer())
}
