// The shim keeps one AudioFrame per direction inside apm_shim, so the
// per-frame calls copy into memory allocated once and never allocate.

#include "shim.h"

#include <string.h>

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

struct apm_shim {
	webrtc::AudioProcessing *ap;
	webrtc::AudioFrame far;
	webrtc::AudioFrame near;
	int rate;
};

static void shape(webrtc::AudioFrame *f, int rate, int n) {
	f->sample_rate_hz_ = rate;
	f->num_channels_ = 1;
	f->samples_per_channel_ = (size_t)n;
	f->interleaved_ = true;
}

// options fills the library's extra options: the canceller's filter and
// delay estimation as asked, and the rest as the shim always wants them.
static void options(webrtc::Config *config, int extended_filter, int delay_agnostic) {
	config->Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(extended_filter != 0));
	config->Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(delay_agnostic != 0));
	// The "experimental" AGC drives an analog microphone volume and, once
	// on, forces the digital stage into fixed-gain mode: off, so that the
	// adaptive digital mode asked for below is the one that runs.
	config->Set<webrtc::ExperimentalAgc>(new webrtc::ExperimentalAgc(false));
}

extern "C" apm_shim *apm_shim_new(const apm_shim_config *c, int *err) {
	webrtc::Config config;
	options(&config, c->extended_filter, c->delay_agnostic);
	webrtc::AudioProcessing *ap = webrtc::AudioProcessing::Create(config);
	if (ap == NULL) {
		*err = webrtc::AudioProcessing::kCreationFailedError;
		return NULL;
	}
	int rc = ap->Initialize(c->sample_rate, c->sample_rate, c->sample_rate,
	                        webrtc::AudioProcessing::kMono,
	                        webrtc::AudioProcessing::kMono,
	                        webrtc::AudioProcessing::kMono);
#define STEP(call) do { if (rc == 0) rc = (call); } while (0)
	webrtc::EchoCancellation *ec = ap->echo_cancellation();
	STEP(ec->Enable(c->echo_cancel != 0));
	if (c->echo_cancel) {
		STEP(ec->enable_drift_compensation(false));
		STEP(ec->set_suppression_level(
			(webrtc::EchoCancellation::SuppressionLevel)c->echo_suppression));
		STEP(ec->enable_metrics(true));
		STEP(ec->enable_delay_logging(true));
	}
	webrtc::NoiseSuppression *ns = ap->noise_suppression();
	STEP(ns->Enable(c->noise_suppress != 0));
	if (c->noise_suppress) {
		STEP(ns->set_level((webrtc::NoiseSuppression::Level)c->noise_level));
	}
	webrtc::GainControl *gc = ap->gain_control();
	if (c->auto_gain) {
		STEP(gc->set_mode(webrtc::GainControl::kAdaptiveDigital));
		STEP(gc->set_target_level_dbfs(c->gain_target_dbfs));
		STEP(gc->set_compression_gain_db(c->gain_compression_db));
		STEP(gc->enable_limiter(true));
	}
	STEP(gc->Enable(c->auto_gain != 0));
	STEP(ap->high_pass_filter()->Enable(c->high_pass != 0));
	webrtc::VoiceDetection *vd = ap->voice_detection();
	STEP(vd->Enable(c->voice_detect != 0));
	if (c->voice_detect) {
		STEP(vd->set_likelihood(webrtc::VoiceDetection::kModerateLikelihood));
	}
#undef STEP
	if (rc != 0) {
		delete ap;
		*err = rc;
		return NULL;
	}
	apm_shim *s = new apm_shim;
	s->ap = ap;
	s->rate = c->sample_rate;
	*err = 0;
	return s;
}

extern "C" void apm_shim_free(apm_shim *s) {
	if (s == NULL) return;
	delete s->ap;
	delete s;
}

extern "C" int apm_shim_far(apm_shim *s, const int16_t *pcm, int n) {
	shape(&s->far, s->rate, n);
	memcpy(s->far.data_, pcm, (size_t)n * sizeof(int16_t));
	return s->ap->ProcessReverseStream(&s->far);
}

extern "C" int apm_shim_near(apm_shim *s, int16_t *pcm, int n, int delay_ms) {
	shape(&s->near, s->rate, n);
	memcpy(s->near.data_, pcm, (size_t)n * sizeof(int16_t));
	// The library wants the delay before every frame when it cancels
	// echo. Out-of-range values are clamped and reported with a warning,
	// which is not a reason to drop the frame.
	s->ap->set_stream_delay_ms(delay_ms);
	int rc = s->ap->ProcessStream(&s->near);
	if (rc == webrtc::AudioProcessing::kBadStreamParameterWarning) rc = 0;
	if (rc != 0) return rc;
	memcpy(pcm, s->near.data_, (size_t)n * sizeof(int16_t));
	return s->ap->voice_detection()->is_enabled() &&
	       s->ap->voice_detection()->stream_has_voice();
}

extern "C" int apm_shim_restart_echo(apm_shim *s, int extended_filter, int delay_agnostic) {
	webrtc::Config config;
	options(&config, extended_filter, delay_agnostic);
	s->ap->SetExtraOptions(config);
	// Enabling a disabled canceller initialises it afresh with the
	// settings it keeps (suppression level, metrics, the options above).
	webrtc::EchoCancellation *ec = s->ap->echo_cancellation();
	int rc = ec->Enable(false);
	if (rc == 0) rc = ec->Enable(true);
	// The gain control starts again too: it has raised its gain on the
	// canceller's clean output, and would lift the echo the restarted
	// canceller lets through while it learns.
	webrtc::GainControl *gc = s->ap->gain_control();
	if (rc == 0 && gc->is_enabled()) {
		rc = gc->Enable(false);
		if (rc == 0) rc = gc->Enable(true);
	}
	return rc;
}

extern "C" int apm_shim_echo_metrics(apm_shim *s, int *delay_median, int *delay_std, int *erle) {
	webrtc::EchoCancellation *ec = s->ap->echo_cancellation();
	if (!ec->is_enabled()) return webrtc::AudioProcessing::kNotEnabledError;
	int rc = ec->GetDelayMetrics(delay_median, delay_std);
	if (rc != 0) return rc;
	webrtc::EchoCancellation::Metrics m;
	rc = ec->GetMetrics(&m);
	if (rc != 0) return rc;
	*erle = m.echo_return_loss_enhancement.average;
	return 0;
}
