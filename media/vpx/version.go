package vpx

/*
#include <vpx/vpx_codec.h>
*/
import "C"

// LibraryVersion is the version of the libvpx this program runs with
// ("v1.12.0"), as the library itself reports it: the shared library
// loaded at run time, which may be newer than the one built against.
func LibraryVersion() string {
	return C.GoString(C.vpx_codec_version_str())
}
