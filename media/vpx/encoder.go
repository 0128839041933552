package vpx

/*
#include <stdlib.h>
#include "cvpx.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"

	"causerie/media"
)

// TimeBase is the number of pts ticks per second Encode expects: the 90 kHz
// RTP video clock, so capture or RTP timestamps can be passed unchanged.
// libvpx estimates the real frame rate from pts deltas, which keeps the
// per-frame bit budget right when a camera delivers fewer frames than FPS.
const TimeBase = 90000

// Rate-control settings for conferencing. Buffer sizes are in milliseconds
// of the target bitrate.
const (
	// A 1 s buffer lets a keyframe or a burst of motion borrow from the
	// following frames without the pacer queueing seconds of video.
	bufSizeMs    = 1000
	bufInitialMs = 500
	bufOptimalMs = 600
	// Quantizer bounds (0..63). 2 rather than 0 stops rate control from
	// spending surplus bits on sensor noise of static scenes; 56 bounds the
	// worst blockiness, beyond which dropping a frame looks better.
	minQuantizer = 2
	maxQuantizer = 56
	// Undershoot fully allowed so static scenes cost little; overshoot
	// kept small so frames rarely exceed what the pacer budgets for.
	undershootPct = 100
	overshootPct  = 15
	// Drop frames when the buffer falls below 30% rather than letting
	// latency grow: in a call a skipped frame is better than a late one.
	dropFrameThreshold = 30
	// VP9 adaptive quantization mode 3 is cyclic refresh: each frame
	// spends extra bits on a rotating band of blocks, so static background
	// converges to good quality without periodic large frames.
	vp9AQCyclicRefresh = 3
)

// Encoder compresses pictures with libvpx in real-time CBR mode.
type Encoder struct {
	c        *C.cz_enc // nil after Close
	cfg      EncoderConfig
	duration C.ulong // nominal frame duration in TimeBase ticks
	lastPTS  int64
	started  bool
	cleanup  runtime.Cleanup
}

// NewEncoder creates an encoder. Zero Speed and Threads select the package
// defaults (see defaultSpeed and defaultThreads). Invalid sizes, rates or
// settings return an error wrapping ErrInvalidConfig.
func NewEncoder(cfg EncoderConfig) (*Encoder, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()

	c := (*C.cz_enc)(C.calloc(1, C.size_t(unsafe.Sizeof(C.cz_enc{}))))
	if c == nil {
		return nil, fmt.Errorf("%w: out of memory", ErrCodec)
	}
	e := &Encoder{c: c, cfg: cfg, duration: C.ulong(TimeBase / cfg.FPS)}
	e.cleanup = runtime.AddCleanup(e, freeEncoder, c)

	vp9 := C.int(cfg.Codec.isVP9())
	if rc := C.cz_enc_defaults(c, vp9); rc != C.VPX_CODEC_OK {
		err := e.codecErr("default config", rc)
		e.Close()
		return nil, err
	}
	e.fillConfig()
	if rc := C.cz_enc_init(c, vp9); rc != C.VPX_CODEC_OK {
		err := e.codecErr("init", rc)
		e.Close()
		return nil, err
	}
	if err := e.applyControls(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// fillConfig writes the real-time settings into the libvpx configuration.
func (e *Encoder) fillConfig() {
	cfg := &e.c.cfg
	cfg.g_w = C.uint(e.cfg.Width)
	cfg.g_h = C.uint(e.cfg.Height)
	cfg.g_timebase.num = 1
	cfg.g_timebase.den = TimeBase
	cfg.g_threads = C.uint(e.cfg.Threads)
	// No lookahead: every frame leaves the encoder in the call that
	// received it, which is also what lets Encode read the caller's
	// planes without copying them.
	cfg.g_lag_in_frames = 0
	cfg.g_pass = C.VPX_RC_ONE_PASS
	if e.cfg.Codec == VP8 {
		// Error-resilient VP8 does not carry entropy-coder probability
		// updates from frame to frame, so the frames after a lost one
		// still parse; their prediction stays damaged only until a
		// keyframe. VP9's error-resilient mode also switches off other
		// coding tools, and the engine does not send VP9, so it stays off.
		cfg.g_error_resilient = C.VPX_ERROR_RESILIENT_DEFAULT
	}
	cfg.rc_end_usage = C.VPX_CBR
	cfg.rc_target_bitrate = C.uint(e.cfg.BitrateKbps)
	cfg.rc_min_quantizer = minQuantizer
	cfg.rc_max_quantizer = maxQuantizer
	cfg.rc_undershoot_pct = undershootPct
	cfg.rc_overshoot_pct = overshootPct
	cfg.rc_buf_sz = bufSizeMs
	cfg.rc_buf_initial_sz = bufInitialMs
	cfg.rc_buf_optimal_sz = bufOptimalMs
	cfg.rc_dropframe_thresh = dropFrameThreshold
	cfg.rc_resize_allowed = 0
	// Keyframes come at the start and on request (PLI/FIR); the periodic
	// one is only a safety net for receivers that never asked.
	cfg.kf_mode = C.VPX_KF_AUTO
	cfg.kf_min_dist = 0
	cfg.kf_max_dist = C.uint(keyframeEvery * e.cfg.FPS)
}

// control is one codec control to set after initialisation.
type control struct {
	name  string
	id    C.int
	value int
}

// controls lists the codec controls that are not part of the config.
func (e *Encoder) controls() []control {
	ctls := []control{
		{"cpu-used", C.VP8E_SET_CPUUSED, e.cfg.Speed},
		// The static threshold turns on libvpx's encode-breakout test,
		// which skips residual coding for blocks whose prediction error is
		// already small: a large saving on the mostly static background of
		// a webcam picture. The effective threshold is the larger of this
		// value and one derived from the quantizer, so 1 enables the test
		// without raising its floor (which would smear low-contrast detail).
		{"static-threshold", C.VP8E_SET_STATIC_THRESHOLD, 1},
		// Cap keyframes at half the optimal buffer so the bitrate spike of
		// a PLI-triggered keyframe does not stall the pacer.
		{"max-intra-rate", C.VP8E_SET_MAX_INTRA_BITRATE_PCT, maxIntraPct(e.cfg.FPS)},
	}
	if e.cfg.Codec == VP8 {
		return append(ctls,
			// The temporal denoiser costs CPU on every frame, and webcam
			// pipelines already denoise.
			control{"noise-sensitivity", C.VP8E_SET_NOISE_SENSITIVITY, 0},
			control{"token-partitions", C.VP8E_SET_TOKEN_PARTITIONS, vp8TokenPartitions},
		)
	}
	return append(ctls,
		control{"noise-sensitivity", C.VP9E_SET_NOISE_SENSITIVITY, 0},
		control{"aq-mode", C.VP9E_SET_AQ_MODE, vp9AQCyclicRefresh},
		// Row multithreading parallelises within a tile, so extra threads
		// help even at widths that allow few tile columns.
		control{"row-mt", C.VP9E_SET_ROW_MT, 1},
		control{"tile-columns", C.VP9E_SET_TILE_COLUMNS, log2(e.cfg.Threads)},
	)
}

func (e *Encoder) applyControls() error {
	for _, ctl := range e.controls() {
		if rc := C.cz_control(&e.c.ctx, ctl.id, C.int(ctl.value)); rc != C.VPX_CODEC_OK {
			return fmt.Errorf("set %s=%d: %w", ctl.name, ctl.value, e.codecErr("control", rc))
		}
	}
	return nil
}

// maxIntraPct expresses "half the optimal buffer" as a percentage of the
// average frame size, the unit VP8E_SET_MAX_INTRA_BITRATE_PCT uses.
func maxIntraPct(fps int) int {
	pct := bufOptimalMs / 2 * fps / 10
	return max(pct, 300)
}

func log2(n int) int {
	l := 0
	for n > 1 {
		n >>= 1
		l++
	}
	return l
}

// Encode encodes one picture. pts is the capture time in TimeBase (90 kHz)
// ticks and must increase from call to call (ErrTimestamp otherwise). The
// picture must have the configured size (ErrBadPicture otherwise); its
// strides may exceed its width. The planes are read only during the call.
//
// The compressed frame is appended to dst[:0] and returned, so passing the
// previous result back as dst avoids allocation. forceKeyframe asks for a
// keyframe (used on PLI/FIR). If rate control drops the frame, Encode
// returns an empty slice, keyframe false and a nil error.
func (e *Encoder) Encode(img *media.I420, pts int64, forceKeyframe bool, dst []byte) (frame []byte, keyframe bool, err error) {
	if e.c == nil {
		return nil, false, ErrClosed
	}
	if err := e.checkPicture(img); err != nil {
		return nil, false, err
	}
	if e.started && pts <= e.lastPTS {
		return nil, false, fmt.Errorf("%w: pts %d after %d", ErrTimestamp, pts, e.lastPTS)
	}
	var flags C.long
	if forceKeyframe {
		flags = C.VPX_EFLAG_FORCE_KF
	}
	rc := C.cz_enc_encode(e.c,
		(*C.uint8_t)(unsafe.Pointer(&img.Y[0])),
		(*C.uint8_t)(unsafe.Pointer(&img.U[0])),
		(*C.uint8_t)(unsafe.Pointer(&img.V[0])),
		C.int(img.YStride), C.int(img.CStride),
		C.int64_t(pts), e.duration, flags)
	if rc != C.VPX_CODEC_OK {
		return nil, false, e.codecErr("encode", rc)
	}
	e.lastPTS, e.started = pts, true

	frame = dst[:0]
	for C.cz_enc_next(e.c) != 0 {
		frame = append(frame, unsafe.Slice((*byte)(e.c.buf), int(e.c.sz))...)
		keyframe = keyframe || e.c.key != 0
	}
	runtime.KeepAlive(e)
	return frame, keyframe, nil
}

// checkPicture verifies that libvpx will read only inside img's slices.
func (e *Encoder) checkPicture(img *media.I420) error {
	if img == nil {
		return fmt.Errorf("%w: nil picture", ErrBadPicture)
	}
	if img.Width != e.cfg.Width || img.Height != e.cfg.Height {
		return fmt.Errorf("%w: picture is %dx%d, encoder %dx%d",
			ErrBadPicture, img.Width, img.Height, e.cfg.Width, e.cfg.Height)
	}
	if !img.Valid() {
		return fmt.Errorf("%w: strides %d/%d or planes %d/%d/%d too small for %dx%d", ErrBadPicture,
			img.YStride, img.CStride, len(img.Y), len(img.U), len(img.V), img.Width, img.Height)
	}
	return nil
}

// SetBitrate changes the target bitrate of the running encoder, as a
// congestion controller does every few hundred milliseconds. Setting the
// current value again is free.
func (e *Encoder) SetBitrate(kbps int) error {
	if e.c == nil {
		return ErrClosed
	}
	if err := validateBitrate(kbps); err != nil {
		return err
	}
	if kbps == e.cfg.BitrateKbps {
		return nil
	}
	e.c.cfg.rc_target_bitrate = C.uint(kbps)
	rc := C.vpx_codec_enc_config_set(&e.c.ctx, &e.c.cfg)
	runtime.KeepAlive(e)
	if rc != C.VPX_CODEC_OK {
		e.c.cfg.rc_target_bitrate = C.uint(e.cfg.BitrateKbps)
		return e.codecErr("set bitrate", rc)
	}
	e.cfg.BitrateKbps = kbps
	return nil
}

// Config returns the encoder's configuration with defaults filled in and
// the current bitrate.
func (e *Encoder) Config() EncoderConfig { return e.cfg }

// Close releases the encoder. It is idempotent; later calls to other
// methods return ErrClosed.
func (e *Encoder) Close() {
	if e.c == nil {
		return
	}
	e.cleanup.Stop()
	freeEncoder(e.c)
	e.c = nil
}

// freeEncoder is also registered as a cleanup so that an encoder dropped
// without Close does not leak libvpx's (multi-megabyte) state.
func freeEncoder(c *C.cz_enc) {
	C.vpx_codec_destroy(&c.ctx) // harmless on a never-initialised context
	C.free(unsafe.Pointer(c))
}

func (e *Encoder) codecErr(op string, rc C.vpx_codec_err_t) error {
	return fmt.Errorf("%w: %s %s: %s", ErrCodec, e.cfg.Codec, op, describe(&e.c.ctx, rc))
}
