package vpx

/*
#include "cvpx.h"
*/
import "C"

// describe renders a libvpx result code with the context's detail message,
// when it has one (e.g. "Bitstream not supported by this decoder: Invalid
// frame sync code"). Only called on error paths.
func describe(ctx *C.vpx_codec_ctx_t, rc C.vpx_codec_err_t) string {
	msg := C.GoString(C.vpx_codec_err_to_string(rc))
	if detail := C.cz_error_detail(ctx); detail != nil {
		msg += ": " + C.GoString(detail)
	}
	return msg
}
