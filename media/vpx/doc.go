// Package vpx is a thin cgo wrapper around libvpx's VP8 and VP9 codecs,
// configured for real-time conferencing: one frame in, one frame out, no
// lookahead, constant bitrate, keyframes on request.
//
// The encoder reads the caller's media.I420 planes in place (any strides)
// and appends compressed frames to a caller-supplied buffer; the decoder
// copies pictures into a caller-supplied media.I420. In steady state neither
// allocates Go memory per frame.
//
// Encoders and decoders are not safe for concurrent use: each must be used
// (including Close) by one goroutine at a time.
package vpx

/*
#cgo pkg-config: vpx
*/
import "C"
