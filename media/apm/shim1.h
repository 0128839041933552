//go:build apm1

/* A C face for the C++ API of webrtc-audio-processing 1.x (AEC3, the new
 * noise suppressor, AGC2), for cgo; built with -tags apm1 only. The names
 * differ from shim.h's so that both libraries can be measured in one
 * binary. */
#ifndef CAUSERIE_APM_SHIM1_H
#define CAUSERIE_APM_SHIM1_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct apm1_shim apm1_shim;

/* What to switch on. */
typedef struct {
	int echo_cancel;
	int noise_suppress;
	int noise_level; /* AudioProcessing::Config::NoiseSuppression::Level 0..3 */
	int auto_gain;   /* AGC2, adaptive digital */
	int high_pass;
	int voice_detect;
	int sample_rate;
} apm1_shim_config;

/* apm1_shim_new returns NULL on failure (the library refused the
 * stream format, or could not be created) and sets *err to its code. */
apm1_shim *apm1_shim_new(const apm1_shim_config *cfg, int *err);
void apm1_shim_free(apm1_shim *s);

/* apm1_shim_far analyses one 10 ms frame of the speaker signal; pcm is not
 * modified. Returns a library error code. */
int apm1_shim_far(apm1_shim *s, const int16_t *pcm, int n);

/* apm1_shim_near processes one 10 ms microphone frame in place; delay_ms is
 * the render-to-capture delay. Returns a negative library error code, or
 * 1 when the voice detector heard speech, 0 otherwise. */
int apm1_shim_near(apm1_shim *s, int16_t *pcm, int n, int delay_ms);

/* apm1_shim_echo_metrics reports AEC3's own estimates: its current delay in
 * ms and its ERLE in dB (-1 for one it has none of yet). Returns
 * kNotEnabledError when echo cancellation is off. */
int apm1_shim_echo_metrics(apm1_shim *s, int *delay_ms, double *erle);

#ifdef __cplusplus
}
#endif

#endif
