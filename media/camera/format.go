package camera

import "fmt"

// PixelFormat is the layout of a camera's frames.
type PixelFormat int

// The layouts Converter reads. Unknown is any other (depth maps, RGB…),
// which Choose never picks.
const (
	Unknown PixelFormat = iota
	I420                // planar 4:2:0, Y then U then V
	NV12                // Y plane, then interleaved U,V at 4:2:0
	NV21                // Y plane, then interleaved V,U at 4:2:0
	YUYV                // packed 4:2:2, Y0 U Y1 V (YUY2 on Windows)
	UYVY                // packed 4:2:2, U Y0 V Y1
	MJPEG               // a JPEG picture per frame
)

func (p PixelFormat) String() string {
	switch p {
	case I420:
		return "I420"
	case NV12:
		return "NV12"
	case NV21:
		return "NV21"
	case YUYV:
		return "YUYV"
	case UYVY:
		return "UYVY"
	case MJPEG:
		return "MJPEG"
	}
	return "unknown"
}

// Format is one way a camera can capture: a layout, a size and a frame
// rate. FPS 0 means the driver did not say.
type Format struct {
	Pixel         PixelFormat
	Width, Height int
	FPS           float64
}

func (f Format) String() string {
	if f.FPS == 0 {
		return fmt.Sprintf("%s %dx%d", f.Pixel, f.Width, f.Height)
	}
	return fmt.Sprintf("%s %dx%d@%g", f.Pixel, f.Width, f.Height, f.FPS)
}

// Target is what the call would like to send.
type Target struct {
	Width, Height int
	FPS           float64
}

// The weights of Choose's cost. A missing frame rate weighs twice a
// missing resolution: a call at 10 frames a second looks broken, one at
// 480 lines instead of 720 only softer. Going beyond the target costs
// little (the extra pixels are converted and encoded for nothing) but
// enough that the closest format above the target wins.
const (
	weightFPSShort  = 2
	weightSizeShort = 1
	weightSizeOver  = 0.05
	weightFPSOver   = 0.01
	// An unknown frame rate is taken as the target's, with this doubt.
	costUnknownFPS = 0.05
)

// pixelCost is what converting a layout costs, relative to the rest of
// the cost: enough to prefer a raw format to MJPEG when both fit the
// target as well (the camera's link has the bandwidth for the raw one,
// and decoding JPEG costs ten times converting YUYV), never enough to
// take a worse size or rate for it.
func pixelCost(p PixelFormat) float64 {
	switch p {
	case I420:
		return 0
	case NV12, NV21:
		return 0.001
	case YUYV, UYVY:
		return 0.002
	case MJPEG:
		return 0.02
	}
	return -1
}

// Choose returns the format among formats that best fits t: the exact
// size and rate when the camera has them, else the smallest size at or
// above the target at the target's rate or more, else the nearest below;
// a raw layout before MJPEG when both fit as well. It returns false when
// no format is one Converter reads.
func Choose(formats []Format, t Target) (Format, bool) {
	best, bestCost := Format{}, 0.0
	found := false
	for _, f := range formats {
		c, ok := formatCost(f, t)
		if !ok {
			continue
		}
		if !found || c < bestCost {
			best, bestCost, found = f, c, true
		}
	}
	return best, found
}

func formatCost(f Format, t Target) (float64, bool) {
	pc := pixelCost(f.Pixel)
	if pc < 0 || f.Width <= 0 || f.Height <= 0 {
		return 0, false
	}
	cost := pc
	if t.Width > 0 && t.Height > 0 {
		// How much of the target the format covers, by its tighter side:
		// a 4:3 picture 960 wide covers three quarters of a 1280×720 one.
		cover := min(float64(f.Width)/float64(t.Width), float64(f.Height)/float64(t.Height))
		if cover < 1 {
			cost += weightSizeShort * (1 - cover)
		} else {
			cost += weightSizeOver * (float64(f.Width*f.Height)/float64(t.Width*t.Height) - 1)
		}
	}
	if t.FPS > 0 {
		switch {
		case f.FPS == 0:
			cost += costUnknownFPS
		case f.FPS < t.FPS:
			cost += weightFPSShort * (t.FPS - f.FPS) / t.FPS
		default:
			cost += weightFPSOver * (f.FPS - t.FPS) / t.FPS
		}
	}
	return cost, true
}
