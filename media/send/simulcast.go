package send

import (
	"math"
	"time"

	"causerie/media/vpx"
)

// Layer is one encoding of a simulcast sender: the captured picture
// reduced by ScaleDown in each axis (WebRTC's scaleResolutionDownBy),
// encoded by its own VP8 encoder and sent as its own RTP stream.
type Layer struct {
	// ScaleDown divides the source's width and height: 1, 2, 4.
	ScaleDown int
	// Width and Height are the layer's size for the configured source
	// size, what the SFU is told; the encoded size follows the source.
	Width, Height int
}

// LayerSink takes the frames of a simulcast sender, layer 0 the smallest.
type LayerSink interface {
	// WriteLayer sends one encoded frame of a layer, captured at captured,
	// d after the layer's previous frame (the nominal frame interval for
	// its first). It must not keep frame.
	WriteLayer(layer int, frame []byte, captured time.Time, d time.Duration) error
	// LayerEnabled tells whether the SFU wants the layer: with dynacast it
	// turns off the layers no subscriber receives, and the sender then
	// does not encode them. It is read before every picture, so it must
	// be cheap and must not block.
	LayerEnabled(layer int) bool
}

// SimulcastLayers plans the layers for a camera of width×height, smallest
// first, as browsers do: a 720p camera (540 lines or more) is sent at
// full, half and quarter size (720p, 360p, 180p), a 360p one (270 lines
// or more) at full and half size, a smaller one as a single layer. Each
// layer's size is rounded down to even numbers, which I420 and VP8 need.
func SimulcastLayers(width, height int) []Layer {
	scales := []int{1}
	switch {
	case height >= 540 && width >= 960:
		scales = []int{4, 2, 1}
	case height >= 270 && width >= 480:
		scales = []int{2, 1}
	}
	layers := make([]Layer, len(scales))
	for i, s := range scales {
		w, h := scaledSize(width, height, s)
		layers[i] = Layer{ScaleDown: s, Width: w, Height: h}
	}
	return layers
}

// scaledSize is a layer's size for a source, 0×0 when too small to encode.
func scaledSize(width, height, scale int) (int, int) {
	w, h := width/scale&^1, height/scale&^1
	if w < 2 || h < 2 {
		return 0, 0
	}
	return w, h
}

// lowerLayerFPS caps the frame rate of every simulcast layer but the
// largest, as Visio's browsers send them: livekit-client's presets give
// its 180p and 360p layers 20 frames a second (VideoPresets.h180, h360)
// and the 720p one 30. A subscriber shown a small tile loses little
// with 20, and the two small layers cost a third less to encode
// (BenchmarkSimulcast720p30).
const lowerLayerFPS = 20

// layerRates are the bitrates that make a layer worth sending, in kbps.
type layerRates struct{ min, target, max int }

// ratesFor scales the bitrates browsers give simulcast layers (LiveKit's
// presets: 180p 160 kbps, 360p 450 kbps, 720p 1.7 Mbps) to any size, with
// the pixel count to the power 0.75: twice the pixels need about 1.7
// times the bits for the same quality, because larger pictures are
// smoother per pixel. From 150 kbps at 320×180 that gives 424 at 360p and
// 1200 at 720p (a little less than the browsers' 1.7 Mbps, which buys
// sharper text on a shared whiteboard, not a sharper face). Below 40 % of
// its target a layer looks worse than the layer under it scaled up; the
// highest layer sent may use up to 2.5 times its target when the budget
// allows.
func ratesFor(width, height int) layerRates {
	target := 150 * math.Pow(float64(width*height)/(320*180), 0.75)
	return layerRates{
		min:    max(vpx.MinBitrate, int(0.4*target)),
		target: max(vpx.MinBitrate, int(target)),
		max:    max(vpx.MinBitrate, int(2.5*target)),
	}
}

// allocate splits a total budget between the layers that are wanted, the
// way libwebrtc does for simulcast: from the smallest up, every layer but
// the highest sent gets its target, and the highest gets what remains, up
// to its maximum. A layer whose minimum does not fit after the targets of
// those below it is paused (0 kbps), with every layer above it: losing
// the top layer costs the large tiles sharpness, starving every layer
// would cost everyone. The smallest wanted layer is always sent, at the
// budget when it is below its minimum. kbps receives the result.
func allocate(total int, rates []layerRates, wanted []bool, kbps []int) {
	clear(kbps)
	top, lower := -1, 0 // the highest layer sent, the targets below it
	for i, ok := range wanted {
		if !ok {
			continue
		}
		if top >= 0 && lower+rates[top].target+rates[i].min > total {
			break
		}
		if top >= 0 {
			lower += rates[top].target
			kbps[top] = rates[top].target
		}
		top = i
	}
	if top < 0 {
		return
	}
	kbps[top] = min(max(total-lower, vpx.MinBitrate), rates[top].max)
}
