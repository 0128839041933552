// Small C helpers for package vpx. They exist only for what cgo cannot do
// directly: call libvpx's variadic control function and init macros, walk
// packet iterators without Go-side out-parameters (which would escape to the
// heap on every frame), and attach caller-owned plane pointers to an image
// descriptor for exactly the duration of one encode call.
#ifndef CAUSERIE_CVPX_H
#define CAUSERIE_CVPX_H

#include <stddef.h>
#include <stdint.h>
#include <vpx/vpx_encoder.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

// cz_enc is one encoder instance. It lives in C memory so that libvpx may
// keep pointers to it (ctx, cfg) across calls without breaking cgo rules.
typedef struct cz_enc {
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t cfg;
	vpx_image_t img;
	vpx_codec_iter_t iter;
	// Output of cz_enc_next: the current compressed frame.
	const void *buf;
	size_t sz;
	int key;
} cz_enc;

// cz_dec is one decoder instance, in C memory for the same reason.
typedef struct cz_dec {
	vpx_codec_ctx_t ctx;
	vpx_codec_iter_t iter;
	int vp9;
	// Set by cz_dec_decode when it refused a frame for its size.
	unsigned int oversize_w, oversize_h;
} cz_dec;

vpx_codec_iface_t *cz_iface(int vp9, int encoder);
vpx_codec_err_t cz_enc_defaults(cz_enc *e, int vp9);
vpx_codec_err_t cz_enc_init(cz_enc *e, int vp9);
vpx_codec_err_t cz_control(vpx_codec_ctx_t *ctx, int id, int value);
vpx_codec_err_t cz_enc_encode(cz_enc *e, uint8_t *y, uint8_t *u, uint8_t *v,
                              int ystride, int cstride, int64_t pts,
                              unsigned long duration, long flags);
int cz_enc_next(cz_enc *e);
vpx_codec_err_t cz_dec_init(cz_dec *d, int vp9, unsigned int threads);
vpx_codec_err_t cz_dec_decode(cz_dec *d, const uint8_t *data, size_t size,
                              unsigned int max_dim);
vpx_image_t *cz_dec_last(cz_dec *d);
int cz_dec_corrupted(cz_dec *d);
const char *cz_error_detail(vpx_codec_ctx_t *ctx);

#endif
