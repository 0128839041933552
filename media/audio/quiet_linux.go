package audio

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

static void causerie_alsa_silent(const char *file, int line, const char *function, int err, const char *fmt, ...) {}

// causerie_quiet_alsa installs a silent error handler in libasound, if
// the machine has it. The library stays loaded (miniaudio loads the
// same instance), so the handler holds for the life of the process.
static void causerie_quiet_alsa(void) {
	void *lib = dlopen("libasound.so.2", RTLD_NOW | RTLD_GLOBAL);
	if (lib == NULL) {
		return;
	}
	typedef int (*set_handler)(void (*)(const char *, int, const char *, int, const char *, ...));
	set_handler set = (set_handler)dlsym(lib, "snd_lib_error_set_handler");
	if (set != NULL) {
		set(causerie_alsa_silent);
	}
}
*/
import "C"

import "sync"

var quietOnce sync.Once

// quietALSA stops libasound from printing its own errors on stderr: on a
// machine without a sound card, merely listing devices makes it write
// dozens of lines ("cannot find card '0'") over our messages. Failures
// reach us as return codes anyway.
func quietALSA() { quietOnce.Do(func() { C.causerie_quiet_alsa() }) }
