package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os/user"
	"strings"
	"sync"

	"causerie/client"
	"causerie/client/settings"
	"causerie/client/visio"
	"causerie/media/synth"
	"causerie/ui/i18n"
)

// settingsPaths tells where the settings files are: the system's places.
// The test binary alone replaces it (settings_test.go), so tests never
// read this machine's own policy; the program has no switch, variable or
// flag that would let a user step around the organisation's policy.
var settingsPaths = settings.DefaultPaths

// flagKeys are the meeting flags that are settings: given on the command
// line, they are the flag layer, below the policy.
var flagKeys = map[string]string{
	"name":           "identity.display_name",
	"camera":         "media.camera",
	"mic":            "media.microphone",
	"echo-cancel":    "media.echo_cancel",
	"noise-suppress": "media.noise_suppress",
	"auto-gain":      "media.auto_gain",
	"lang":           "ui.language",
	"proxy":          "network.http_proxy",
	"relay-only":     "network.relay_only",
	"ca-bundle":      "network.ca_bundle",
}

// meetingSettings are what a meeting runs with besides its flags: the
// effective settings and the log.
type meetingSettings struct {
	eff *settings.Effective
	log *slog.Logger
}

// applySettings loads the settings with the flags the user gave as their
// top layer but one, the policy, and writes the effective values back into
// f; then refuses, before any traffic, a meeting whose host the settings
// do not allow. A flag that tries to change a locked key is refused with
// exitPolicy, as is a policy that cannot be read whole.
func (f *meetingFlags) applySettings(fs *flag.FlagSet, stderr io.Writer, p *i18n.Printer) (*i18n.Printer, int, bool) {
	var given []settings.Flag
	fs.Visit(func(fl *flag.Flag) {
		key, ok := flagKeys[fl.Name]
		if !ok {
			return
		}
		var v any = fl.Value.String()
		if g, ok := fl.Value.(flag.Getter); ok {
			v = g.Get()
		}
		if fl.Name == "lang" {
			v = langBase(f.lang)
		}
		given = append(given, settings.Flag{Key: key, Value: v, Name: "--" + fl.Name})
	})
	paths := settingsPaths()
	eff, err := settings.Load(settings.Options{Paths: paths, Flags: given})
	s := eff.Settings
	if s.UI.Language != "auto" {
		p = i18n.New(s.UI.Language)
	}
	printProblems(stderr, p, eff.Problems)
	if err != nil {
		fmt.Fprintln(stderr, settingsErrorText(p, err))
		return p, settingsExit(err), false
	}

	// The display name: from the system account when the settings say so;
	// then only a --name the policy does not forbid changes it.
	_, nameGiven := findFlag(given, "identity.display_name")
	if s.Identity.DisplayNameSource == "system" {
		if nameGiven && eff.Locked("identity.display_name_source") {
			err := &settings.LockedError{Flag: "--name", Key: "identity.display_name_source", Value: "system"}
			fmt.Fprintln(stderr, settingsErrorText(p, err))
			return p, exitPolicy, false
		}
		if !nameGiven {
			f.name = systemName()
		}
	} else {
		f.name = s.Identity.DisplayName
	}
	f.camera, f.mic = s.Media.Camera, s.Media.Microphone
	f.echoCancel, f.noiseSuppress, f.autoGain = s.Media.EchoCancel, s.Media.NoiseSuppress, s.Media.AutoGain
	f.network.proxy, f.network.relayOnly, f.network.caBundle = s.Network.HTTPProxy, s.Network.RelayOnly, s.Network.CABundle

	if err := f.checkHost(s.Meetings); err != nil {
		fmt.Fprintln(stderr, settingsErrorText(p, err))
		return p, exitPolicy, false
	}
	log, logErr := openLog(s.Logging, paths.LogDir)
	if logErr != nil {
		fmt.Fprintln(stderr, p.T("settings.log_unavailable", "detail", logErr))
	}
	f.settings = &meetingSettings{eff: eff, log: log}
	logStart(log, fs.Name(), eff)
	if f.link != "" {
		log.Info("meeting", "link", f.link)
	} else if u, err := url.Parse(f.url); err == nil {
		log.Info("meeting", "server", u.Scheme+"://"+u.Host) // the URL's query may hold a token
	}
	return p, exitOK, true
}

// checkHost refuses a meeting the settings do not allow. A bare meeting
// code becomes a link on meetings.default_host first. A link or URL that
// does not parse is left for the meeting to report (exitBadAddress).
func (f *meetingFlags) checkHost(m settings.Meetings) error {
	if f.link != "" {
		l, err := visio.ParseLinkWithHost(f.link, m.DefaultHost)
		if err != nil {
			return nil
		}
		f.link = l.String()
		return m.CheckHost(l.Host)
	}
	if u, err := url.Parse(f.url); err == nil && u.Host != "" {
		return m.CheckHost(u.Host)
	}
	return nil
}

func findFlag(fs []settings.Flag, key string) (settings.Flag, bool) {
	for _, f := range fs {
		if f.Key == key {
			return f, true
		}
	}
	return settings.Flag{}, false
}

// langBase is the language of a locale name: "fr_FR.UTF-8" → "fr".
func langBase(l string) string {
	l = strings.ToLower(l)
	if i := strings.IndexAny(l, "_-.@"); i >= 0 {
		l = l[:i]
	}
	return l
}

// systemName is the full name of the operating system's account, or its
// login name when the account has none.
func systemName() string {
	u, err := user.Current()
	if err != nil {
		return ""
	}
	if n, _, _ := strings.Cut(u.Name, ","); strings.TrimSpace(n) != "" {
		return strings.TrimSpace(n)
	}
	return u.Username
}

// settingsExit is the exit status of a settings error.
func settingsExit(err error) int {
	if errors.As(err, new(*settings.FlagError)) {
		return exitUsage
	}
	return exitPolicy
}

// settingsErrorText is the sentence for a settings error, with what it is
// about: the host and the allowed ones, the flag and the key.
func settingsErrorText(p *i18n.Printer, err error) string {
	var host *settings.HostNotAllowedError
	var locked *settings.LockedError
	var bad *settings.FlagError
	switch {
	case errors.As(err, &host):
		return p.T("settings.host_refused", "host", host.Host, "allowed", strings.Join(host.Allowed, ", "))
	case errors.As(err, &locked):
		return p.T("settings.locked_flag", "flag", locked.Flag, "key", locked.Key, "value", settings.Format(locked.Value))
	case errors.As(err, &bad):
		return p.T("settings.bad_flag_value", "flag", bad.Flag, "value", bad.Text, "expected", expectText(p, bad.Expect))
	case errors.As(err, new(*settings.PolicyError)):
		return p.T("settings.error.policy_invalid")
	}
	return p.Error(err)
}

// printProblems shows what is wrong in the settings files, one line each.
func printProblems(w io.Writer, p *i18n.Printer, problems []settings.Problem) {
	for _, pr := range problems {
		fmt.Fprintln(w, p.T("settings.warning", "detail", problemText(p, pr)))
	}
}

// problemText is one problem as FILE:LINE: sentence, in the user's
// language; a value quoted in it never shows a password.
func problemText(p *i18n.Printer, pr settings.Problem) string {
	return redact(problemSentence(p, pr))
}

func problemSentence(p *i18n.Printer, pr settings.Problem) string {
	where := pr.Where.String()
	switch pr.Kind {
	case settings.Syntax:
		return p.T("settings.problem.syntax", "where", where, "detail", pr.Text)
	case settings.UnknownKey:
		if pr.Suggest != "" {
			return p.T("settings.problem.unknown_suggest", "where", where, "key", pr.Key, "suggest", pr.Suggest)
		}
		return p.T("settings.problem.unknown", "where", where, "key", pr.Key)
	case settings.BadValue:
		return p.T("settings.problem.bad_value", "where", where, "value", pr.Text, "key", pr.Key, "expected", expectText(p, pr.Expect))
	case settings.Duplicate:
		return p.T("settings.problem.duplicate", "where", where, "key", pr.Key, "line", pr.First)
	default:
		return p.T("settings.problem.unreadable", "where", where, "detail", pr.Text)
	}
}

// expectText says what a key accepts.
func expectText(p *i18n.Printer, e settings.Expect) string {
	return p.T("settings.expect."+e.What, "values", strings.Join(e.Values, ", "))
}

// wireSettings applies the settings to a meeting's configuration, after
// its devices are open and before the audio processing is set up: the
// policy's locks again (whatever changed f since parsing, such as the
// desktop's settings screen, cannot lift them), the allowed hosts, the
// features that are off, the video's size limit, and the log of the
// meeting's life. It wraps the backend (or the one the Visio link
// resolves to); nothing has reached the network yet.
func (f *meetingFlags) wireSettings(cfg *client.Config) error {
	ms := f.settings
	if ms == nil {
		return nil
	}
	s := ms.eff.Settings
	for _, l := range []struct {
		key string
		v   *bool
		to  bool
	}{
		{"media.echo_cancel", &f.echoCancel, s.Media.EchoCancel},
		{"media.noise_suppress", &f.noiseSuppress, s.Media.NoiseSuppress},
		{"media.auto_gain", &f.autoGain, s.Media.AutoGain},
	} {
		if ms.eff.Locked(l.key) {
			*l.v = l.to
		}
	}
	if ms.eff.Locked("media.camera") && s.Media.Camera == "none" {
		cfg.Camera = nil
	}
	if ms.eff.Locked("media.microphone") && s.Media.Microphone == "none" {
		cfg.Mic = nil
	}
	if err := f.checkHost(s.Meetings); err != nil {
		ms.log.Warn("meeting refused", "error", err)
		return err
	}
	if h := maxHeight(s.Media.MaxResolution); h > 0 && h < cameraHeight {
		cfg.Video.Width, cfg.Video.Height = h*16/9, h
		// A machine's camera was asked for that size already (cameraTarget).
		if cfg.Camera != nil && f.camera == deviceTest {
			cam, err := synth.NewCamera(synth.CameraConfig{Width: h * 16 / 9, Height: h, FPS: cameraFPS})
			if err != nil {
				return fmt.Errorf("%w: %v", client.ErrMediaDevice, err)
			}
			cfg.Camera = cam
		}
	}
	wrap := func(b client.Backend) client.Backend {
		return &settingsBackend{Backend: b, features: s.Features, log: ms.log}
	}
	if cfg.Backend != nil {
		cfg.Backend = wrap(cfg.Backend)
	}
	if resolve := cfg.Resolve; resolve != nil {
		cfg.Resolve = func(ctx context.Context, emit func(client.Event)) (client.Backend, client.Service, error) {
			ms.log.Info("opening the meeting link")
			b, svc, err := resolve(ctx, func(ev client.Event) {
				ms.log.Debug("event", "type", fmt.Sprintf("%T", ev))
				emit(ev)
			})
			if err != nil {
				ms.log.Warn("meeting link failed", "error", err)
				return nil, nil, err
			}
			return wrap(b), svc, nil
		}
	}
	return nil
}

// maxHeight is the picture height media.max_resolution allows; 0: no cap.
func maxHeight(r string) int {
	switch r {
	case "720p":
		return 720
	case "360p":
		return 360
	case "180p":
		return 180
	}
	return 0
}

// settingsBackend is a backend that keeps to the settings' features and
// logs the meeting's life: joining, leaving, the connection's ups and
// downs. What features forbid is refused before it reaches the SFU, and
// what they hide (chat, reactions) is not passed on to the front ends.
type settingsBackend struct {
	client.Backend
	features settings.Features
	log      *slog.Logger
	leave    sync.Once
}

func (b *settingsBackend) Join(ctx context.Context, sink client.Sink) (client.Joined, []client.Participant, error) {
	b.log.Info("joining", "backend", b.Name())
	j, others, err := b.Backend.Join(ctx, settingsSink{next: sink, b: b})
	if err != nil {
		b.log.Warn("join failed", "error", err)
		return j, others, err
	}
	b.log.Info("joined", "room", j.Room, "identity", j.Self.Identity, "others", len(others))
	return j, others, nil
}

func (b *settingsBackend) Publish(ctx context.Context, opts client.TrackOptions) (client.LocalTrack, error) {
	if !b.features.ScreenShare && (opts.Source == client.SourceScreenShare || opts.Source == client.SourceScreenAudio) {
		return nil, &settings.FeatureDisabledError{Feature: "screen_share"}
	}
	return b.Backend.Publish(ctx, opts)
}

func (b *settingsBackend) SendChat(text string) (string, error) {
	if !b.features.Chat {
		return "", &settings.FeatureDisabledError{Feature: "chat"}
	}
	return b.Backend.SendChat(text)
}

// chatTopics are the data topics chat travels on (DESIGN.md): the text
// stream's and the browsers' legacy packets'.
var chatTopics = []string{"lk.chat", "lk-chat-topic"}

func (b *settingsBackend) SendData(topic string, payload []byte, reliable bool, to ...string) error {
	for _, t := range chatTopics {
		if topic == t && !b.features.Chat {
			return &settings.FeatureDisabledError{Feature: "chat"}
		}
	}
	return b.Backend.SendData(topic, payload, reliable, to...)
}

func (b *settingsBackend) SendReaction(emoji string) error {
	if !b.features.Reactions {
		return &settings.FeatureDisabledError{Feature: "reactions"}
	}
	return b.Backend.SendReaction(emoji)
}

func (b *settingsBackend) Leave() {
	b.leave.Do(func() { b.log.Info("leaving") })
	b.Backend.Leave()
}

// settingsSink stands between the backend and the session: it logs the
// connection's changes and drops what switched-off features would show.
// Like every Sink, it never blocks: a log line is one short write.
type settingsSink struct {
	next client.Sink
	b    *settingsBackend
}

func (s settingsSink) Post(ev client.BackendEvent) {
	switch e := ev.(type) {
	case client.ChatMessage:
		if !s.b.features.Chat {
			return
		}
	case client.Reaction:
		if !s.b.features.Reactions {
			return
		}
	case client.ConnectionState:
		s.b.log.Info("connection", "state", e.State.String())
	case client.Ended:
		if e.Err != nil {
			s.b.log.Warn("meeting ended", "error", e.Err)
		} else {
			s.b.log.Info("meeting ended")
		}
	case client.Error:
		s.b.log.Warn("error", "error", e.Err)
	case client.ParticipantJoined:
		s.b.log.Debug("participant joined", "identity", e.Participant.Identity)
	case client.ParticipantLeft:
		s.b.log.Debug("participant left", "identity", e.Participant.Identity)
	}
	s.next.Post(ev)
}
