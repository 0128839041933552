//go:build !cgo

package camera

import "causerie/media"

// Without cgo there is no libyuv (convert_yuv.go): these loops convert
// the raw layouts, seven to fifteen times slower.

// packed422 converts YUYV or UYVY rows: luma at every other byte,
// chroma pairs every 4 bytes. 4:2:2 keeps a chroma sample per row; 4:2:0
// wants one per two rows, their mean rounded up (the sample sits between
// the rows, as the encoders expect), as libyuv computes it.
func packed422(dst *media.I420, src []byte, stride int, p PixelFormat) {
	yoff, uoff, voff := 0, 1, 3
	if p == UYVY {
		yoff, uoff, voff = 1, 0, 2
	}
	w, h := dst.Width, dst.Height
	cw := (w + 1) / 2
	for y := 0; y < h; y++ {
		row := src[y*stride : y*stride+2*w]
		yr := dst.Y[y*dst.YStride : y*dst.YStride+w]
		for x := range yr {
			yr[x] = row[2*x+yoff]
		}
	}
	for cy := 0; cy < (h+1)/2; cy++ {
		r0 := src[2*cy*stride:]
		r1 := r0
		if 2*cy+1 < h {
			r1 = src[(2*cy+1)*stride:]
		}
		r0, r1 = r0[:4*cw], r1[:4*cw]
		ur := dst.U[cy*dst.CStride : cy*dst.CStride+cw]
		vr := dst.V[cy*dst.CStride : cy*dst.CStride+cw]
		for x := range ur {
			i := 4 * x
			ur[x] = byte((uint(r0[i+uoff]) + uint(r1[i+uoff]) + 1) >> 1)
			vr[x] = byte((uint(r0[i+voff]) + uint(r1[i+voff]) + 1) >> 1)
		}
	}
}

// semiPlanar copies the luma plane and splits the interleaved chroma
// plane (NV12: U first; NV21: V first) into dst's U and V.
func semiPlanar(dst *media.I420, luma, uv []byte, stride int, p PixelFormat) {
	copyPlane(dst.Y, dst.YStride, luma, stride, dst.Width, dst.Height)
	u, v := 0, 1
	if p == NV21 {
		u, v = 1, 0
	}
	cw, ch := (dst.Width+1)/2, (dst.Height+1)/2
	for y := 0; y < ch; y++ {
		row := uv[y*stride : y*stride+2*cw]
		ur := dst.U[y*dst.CStride : y*dst.CStride+cw]
		vr := dst.V[y*dst.CStride : y*dst.CStride+cw]
		for x := range ur {
			ur[x] = row[2*x+u]
			vr[x] = row[2*x+v]
		}
	}
}
