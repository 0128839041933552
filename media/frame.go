// Package media holds the types shared by Causerie's capture, codec and
// playout packages. It knows nothing of signalling or user interfaces.
package media

// I420 is a planar YUV 4:2:0 picture, the format every video stage of the
// engine exchanges. Y holds YStride*Height bytes; U and V hold
// CStride*((Height+1)/2) bytes each. Width and Height are even for every
// picture the engine produces; decoders may deliver odd sizes.
type I420 struct {
	Width, Height    int
	YStride, CStride int
	Y, U, V          []byte
}

// NewI420 allocates a tightly packed picture of the given size.
func NewI420(width, height int) *I420 {
	img := &I420{}
	img.Resize(width, height)
	return img
}

// Resize sets the picture's size and strides, reusing the planes' memory
// when it is large enough. Pixel contents are unspecified afterwards.
func (img *I420) Resize(width, height int) {
	cw, ch := (width+1)/2, (height+1)/2
	img.Width, img.Height = width, height
	img.YStride, img.CStride = width, cw
	img.Y = grow(img.Y, width*height)
	img.U = grow(img.U, cw*ch)
	img.V = grow(img.V, cw*ch)
}

func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n)
}

// Valid tells whether the picture has a size and its planes hold what
// that size and its strides say: code indexing them, or C code reading
// them without bounds, stays inside them.
func (img *I420) Valid() bool {
	if img == nil || img.Width <= 0 || img.Height <= 0 {
		return false
	}
	cw, ch := (img.Width+1)/2, (img.Height+1)/2
	return img.YStride >= img.Width && img.CStride >= cw &&
		len(img.Y) >= img.YStride*(img.Height-1)+img.Width &&
		len(img.U) >= img.CStride*(ch-1)+cw && len(img.V) >= img.CStride*(ch-1)+cw
}
