/* A C face for the C++ API of webrtc-audio-processing 0.3, for cgo. */
#ifndef CAUSERIE_APM_SHIM_H
#define CAUSERIE_APM_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct apm_shim apm_shim;

/* What to switch on. Levels are the library's enum values. */
typedef struct {
	int echo_cancel;
	int extended_filter;
	int delay_agnostic;
	int echo_suppression; /* EchoCancellation::SuppressionLevel 0..2 */
	int noise_suppress;
	int noise_level; /* NoiseSuppression::Level 0..3 */
	int auto_gain;
	int gain_target_dbfs;   /* 0..31, dB below full scale */
	int gain_compression_db; /* 0..90 */
	int high_pass;
	int voice_detect;
	int sample_rate;
} apm_shim_config;

/* apm_shim_new returns NULL and sets *err (a library error code, or -2 for
 * creation) on failure. */
apm_shim *apm_shim_new(const apm_shim_config *cfg, int *err);
void apm_shim_free(apm_shim *s);

/* apm_shim_far analyses one 10 ms frame of the speaker signal; pcm is not
 * modified. */
int apm_shim_far(apm_shim *s, const int16_t *pcm, int n);

/* apm_shim_near processes one 10 ms microphone frame in place. delay_ms is
 * the render-to-capture delay. Returns a negative library error code, or
 * 1 when the voice detector heard speech, 0 otherwise. */
int apm_shim_near(apm_shim *s, int16_t *pcm, int n, int delay_ms);

/* apm_shim_restart_echo starts the echo canceller again from nothing,
 * with the extended filter and the delay-agnostic mode as asked, aligned
 * on the next delay it is given; the gain control starts again too.
 * Returns a library error code. */
int apm_shim_restart_echo(apm_shim *s, int extended_filter, int delay_agnostic);

/* apm_shim_echo_metrics reports the echo canceller's own estimates: the
 * median and spread of the far-to-near delay in ms and its averaged
 * ERLE in dB. Returns a library error code (kNotEnabledError when echo
 * cancellation is off). */
int apm_shim_echo_metrics(apm_shim *s, int *delay_median, int *delay_std, int *erle);

#ifdef __cplusplus
}
#endif

#endif
