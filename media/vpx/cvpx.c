#include <string.h>
#include "cvpx.h"

vpx_codec_iface_t *cz_iface(int vp9, int encoder) {
	if (encoder) {
		return vp9 ? vpx_codec_vp9_cx() : vpx_codec_vp8_cx();
	}
	return vp9 ? vpx_codec_vp9_dx() : vpx_codec_vp8_dx();
}

vpx_codec_err_t cz_enc_defaults(cz_enc *e, int vp9) {
	return vpx_codec_enc_config_default(cz_iface(vp9, 1), &e->cfg, 0);
}

vpx_codec_err_t cz_enc_init(cz_enc *e, int vp9) {
	return vpx_codec_enc_init(&e->ctx, cz_iface(vp9, 1), &e->cfg, 0);
}

vpx_codec_err_t cz_control(vpx_codec_ctx_t *ctx, int id, int value) {
	return vpx_codec_control_(ctx, id, value);
}

// cz_enc_encode encodes one I420 picture whose planes are owned by the
// caller (Go memory). The plane pointers are stored in e->img only for the
// duration of vpx_codec_encode and cleared before returning: with
// g_lag_in_frames == 0 both the VP8 and the VP9 encoder copy the source into
// their own lookahead buffer inside vpx_codec_encode, so nothing refers to
// the caller's memory afterwards.
vpx_codec_err_t cz_enc_encode(cz_enc *e, uint8_t *y, uint8_t *u, uint8_t *v,
                              int ystride, int cstride, int64_t pts,
                              unsigned long duration, long flags) {
	vpx_image_t *img = &e->img;
	vpx_codec_err_t err;

	// vpx_img_wrap with non-NULL data never allocates; it just fills in the
	// format fields. The plane pointers it derives are replaced below.
	vpx_img_wrap(img, VPX_IMG_FMT_I420, e->cfg.g_w, e->cfg.g_h, 1, y);
	img->planes[VPX_PLANE_Y] = y;
	img->planes[VPX_PLANE_U] = u;
	img->planes[VPX_PLANE_V] = v;
	img->stride[VPX_PLANE_Y] = ystride;
	img->stride[VPX_PLANE_U] = cstride;
	img->stride[VPX_PLANE_V] = cstride;

	err = vpx_codec_encode(&e->ctx, img, pts, duration, flags, VPX_DL_REALTIME);

	memset(img, 0, sizeof(*img));
	e->iter = NULL;
	e->buf = NULL;
	e->sz = 0;
	e->key = 0;
	return err;
}

// cz_enc_next advances to the next compressed frame packet of the last
// encode call, skipping statistics packets. It returns 0 when there is none.
int cz_enc_next(cz_enc *e) {
	const vpx_codec_cx_pkt_t *pkt;
	while ((pkt = vpx_codec_get_cx_data(&e->ctx, &e->iter)) != NULL) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) {
			continue;
		}
		e->buf = pkt->data.frame.buf;
		e->sz = pkt->data.frame.sz;
		e->key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
		return 1;
	}
	e->buf = NULL;
	e->sz = 0;
	e->key = 0;
	return 0;
}

vpx_codec_err_t cz_dec_init(cz_dec *d, int vp9, unsigned int threads) {
	vpx_codec_dec_cfg_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.threads = threads;
	d->vp9 = vp9;
	return vpx_codec_dec_init(&d->ctx, cz_iface(vp9, 0), &cfg, 0);
}

// cz_dec_decode decodes one compressed frame. The data is consumed
// synchronously (no input fragments, no frame-parallel mode), so libvpx does
// not read the caller's buffer after returning.
//
// Frames whose header announces a picture wider or taller than max_dim are
// refused before libvpx allocates frame buffers for them: a 10-byte VP8
// keyframe header can otherwise claim 16383x16383 and cost over a gigabyte.
// Only keyframes (and VP9 intra-only frames) state their size in a way
// vpx_codec_peek_stream_info reads; a VP9 inter frame that rescales is not
// caught here.
vpx_codec_err_t cz_dec_decode(cz_dec *d, const uint8_t *data, size_t size,
                              unsigned int max_dim) {
	vpx_codec_stream_info_t si;

	d->iter = NULL;
	d->oversize_w = d->oversize_h = 0;
	memset(&si, 0, sizeof(si));
	si.sz = sizeof(si);
	if (vpx_codec_peek_stream_info(cz_iface(d->vp9, 0), data, (unsigned int)size, &si) == VPX_CODEC_OK &&
	    (si.w > max_dim || si.h > max_dim)) {
		d->oversize_w = si.w;
		d->oversize_h = si.h;
		return VPX_CODEC_UNSUP_BITSTREAM;
	}
	return vpx_codec_decode(&d->ctx, data, (unsigned int)size, NULL, 0);
}

// cz_dec_last drains the pictures produced by the last decode call and
// returns the last one (the one to display), or NULL if there was none.
vpx_image_t *cz_dec_last(cz_dec *d) {
	vpx_image_t *img, *last = NULL;
	while ((img = vpx_codec_get_frame(&d->ctx, &d->iter)) != NULL) {
		last = img;
	}
	return last;
}

// cz_dec_corrupted reports whether the last shown picture is known to be
// damaged (its data or a reference it predicts from was corrupt).
int cz_dec_corrupted(cz_dec *d) {
	int corrupted = 0;
	if (vpx_codec_control(&d->ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) != VPX_CODEC_OK) {
		return 0;
	}
	return corrupted;
}

const char *cz_error_detail(vpx_codec_ctx_t *ctx) {
	return vpx_codec_error_detail(ctx);
}
