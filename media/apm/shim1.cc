//go:build apm1

// The shim for webrtc-audio-processing 1.x. The module takes interleaved
// int16 frames in and out directly (no AudioFrame to copy into), so the
// microphone frame is processed in place, and nothing is allocated per
// frame (BenchmarkProcess10msAPM1 counts).

#include "shim1.h"

#include <vector>

#include <api/scoped_refptr.h>
#include <modules/audio_processing/include/audio_processing.h>

struct apm1_shim {
	rtc::scoped_refptr<webrtc::AudioProcessing> ap;
	webrtc::StreamConfig stream;
	std::vector<int16_t> render_out; // what render processing returns, unused
	bool echo;
	bool voice;
};

extern "C" apm1_shim *apm1_shim_new(const apm1_shim_config *c, int *err) {
	webrtc::AudioProcessing *raw = webrtc::AudioProcessingBuilder().Create();
	if (raw == nullptr) {
		*err = webrtc::AudioProcessing::kCreationFailedError;
		return nullptr;
	}
	apm1_shim *s = new apm1_shim;
	s->ap = raw; // the first reference: Release in apm1_shim_free deletes it
	s->stream = webrtc::StreamConfig(c->sample_rate, 1);
	s->render_out.resize(s->stream.num_frames());
	s->echo = c->echo_cancel != 0;
	s->voice = c->voice_detect != 0;

	webrtc::AudioProcessing::Config config;
	// AEC3, the canceller of desktop browsers; the mobile mode would be
	// AECM, the fixed-point canceller for phones.
	config.echo_canceller.enabled = s->echo;
	config.echo_canceller.mobile_mode = false;
	config.noise_suppression.enabled = c->noise_suppress != 0;
	config.noise_suppression.level =
		(webrtc::AudioProcessing::Config::NoiseSuppression::Level)c->noise_level;
	// AGC2's adaptive digital gain with its limiter; AGC1 (the 0.3
	// module's AGC, which also drives an analog microphone volume) stays
	// off.
	config.gain_controller1.enabled = false;
	config.gain_controller2.enabled = c->auto_gain != 0;
	config.gain_controller2.adaptive_digital.enabled = c->auto_gain != 0;
	config.high_pass_filter.enabled = c->high_pass != 0;
	config.voice_detection.enabled = s->voice;
	// The residual echo detector only feeds statistics nobody reads here.
	config.residual_echo_detector.enabled = false;
	s->ap->ApplyConfig(config);

	// Initialize with the one format every call uses, so that the first
	// frame does not reinitialise the module.
	webrtc::ProcessingConfig formats;
	for (webrtc::StreamConfig &f : formats.streams) f = s->stream;
	int rc = s->ap->Initialize(formats);
	if (rc != 0) {
		delete s;
		*err = rc;
		return nullptr;
	}
	*err = 0;
	return s;
}

extern "C" void apm1_shim_free(apm1_shim *s) {
	delete s;
}

extern "C" int apm1_shim_far(apm1_shim *s, const int16_t *pcm, int n) {
	if ((size_t)n != s->stream.num_frames()) return webrtc::AudioProcessing::kBadDataLengthError;
	// The output is the render signal after render-side processing, which
	// none of the enabled stages changes and the speaker has played
	// already: into a buffer nobody reads.
	return s->ap->ProcessReverseStream(pcm, s->stream, s->stream, s->render_out.data());
}

extern "C" int apm1_shim_near(apm1_shim *s, int16_t *pcm, int n, int delay_ms) {
	if ((size_t)n != s->stream.num_frames()) return webrtc::AudioProcessing::kBadDataLengthError;
	if (s->echo) {
		// Required before every frame when echo is cancelled. Out-of-range
		// values are clamped and reported as a warning, no reason to drop
		// the frame.
		int rc = s->ap->set_stream_delay_ms(delay_ms);
		if (rc != 0 && rc != webrtc::AudioProcessing::kBadStreamParameterWarning) return rc;
	}
	// The library reads all of its input before it writes the output, so
	// src and dest may be the same buffer (documented).
	int rc = s->ap->ProcessStream(pcm, s->stream, s->stream, pcm);
	if (rc == webrtc::AudioProcessing::kBadStreamParameterWarning) rc = 0;
	if (rc != 0) return rc;
	if (!s->voice) return 0;
	// The statistics of the frame just processed: ProcessStream queues one
	// set, GetStatistics takes it.
	webrtc::AudioProcessingStats st = s->ap->GetStatistics();
	return st.voice_detected.value_or(false) ? 1 : 0;
}

extern "C" int apm1_shim_echo_metrics(apm1_shim *s, int *delay_ms, double *erle) {
	if (!s->echo) return webrtc::AudioProcessing::kNotEnabledError;
	webrtc::AudioProcessingStats st = s->ap->GetStatistics();
	*delay_ms = st.delay_ms.value_or(-1);
	*erle = st.echo_return_loss_enhancement.value_or(-1);
	return 0;
}
