// Package settings is Causerie's settings model, read by both front ends:
// one typed Settings value built from layers — built-in defaults, the
// machine file, the user's file, the command line — with a machine policy
// on top whose keys are locked: neither the user's file nor a flag can
// change them.
//
// Files are TOML (config.toml, policy.toml); every problem in them is
// reported with its line: unknown keys, values of the wrong type or out
// of range, syntax errors. Each effective value knows where it came from
// (Origin), so `causerie config` can say it and front ends can show
// locked keys as managed by the organisation.
//
// Causerie sends no telemetry: no key turns any on because there is none.
//
// This package reads files only where it is told to (Paths); it never
// prints or exits.
package settings

// Settings are every setting Causerie has. The TOML name of each field is
// its table and key: Meetings.AllowedHosts is meetings.allowed_hosts.
type Settings struct {
	Meetings Meetings
	Identity Identity
	Features Features
	Media    Media
	Network  Network
	Logging  Logging
	UI       UI
}

// Meetings say where the user may meet.
type Meetings struct {
	// AllowedHosts (meetings.allowed_hosts) are the hosts whose meetings
	// may be joined: Visio instances for meeting links, SFUs for --url.
	// An entry is a host name ("visio.numerique.gouv.fr"), an IP address,
	// or "*.example.org" for every host under example.org. Empty: any
	// host. Ports do not matter.
	AllowedHosts []string
	// DefaultHost (meetings.default_host) is the Visio instance a bare
	// meeting code (abc-defg-hij) is looked up on: a host, with a port if
	// need be.
	DefaultHost string
}

// Identity is who the user is in meetings.
type Identity struct {
	// DisplayName (identity.display_name) is the name others see when
	// none is given on the command line. Empty: the meeting's default
	// (Visio shows "anonymous").
	DisplayName string
	// DisplayNameSource (identity.display_name_source) says where the
	// display name comes from: "user" (what the user gives: --name or
	// identity.display_name) or "system" (the full name of the operating
	// system's account, as a directory-managed machine knows it). Locked
	// to "system" by a policy, the user cannot pick another name.
	DisplayNameSource string
}

// Features switch parts of the client on or off.
type Features struct {
	// Chat (features.chat): sending and seeing chat messages.
	Chat bool
	// ScreenShare (features.screen_share): sharing one's own screen
	// (others' shares are still shown).
	ScreenShare bool
	// Reactions (features.reactions): sending and seeing emoji reactions.
	Reactions bool
	// TestCall (features.test_call): the call that tests one's camera,
	// microphone and network before a meeting.
	TestCall bool
}

// Media are the devices' defaults and limits.
type Media struct {
	// Camera (media.camera) is the camera a meeting starts with: "test"
	// (the synthetic one), "none", "default" (the system's) or a camera's
	// name.
	Camera string
	// Microphone (media.microphone): "test" (synthetic), "none",
	// "default" (the system's) or a device's name.
	Microphone string
	// MaxResolution (media.max_resolution) caps the video we send: "auto"
	// (no cap beyond the client's own), "720p", "360p" or "180p".
	MaxResolution string
	// EchoCancel, NoiseSuppress and AutoGain (media.echo_cancel,
	// media.noise_suppress, media.auto_gain) are the microphone's
	// processing stages. A policy that sets them true forces them on.
	EchoCancel    bool
	NoiseSuppress bool
	AutoGain      bool
}

// Network is how Causerie reaches servers.
type Network struct {
	// HTTPProxy (network.http_proxy) is the proxy for the meeting API and
	// signalling: http://[user:password@]host:port, https://… or
	// socks5://… (a bare host:port is http). Empty: the environment's
	// (HTTPS_PROXY, NO_PROXY) or the desktop's.
	HTTPProxy string
	// RelayOnly (network.relay_only) forces media through the SFU's
	// TURN/TLS relay (port 443), for networks that let nothing else out.
	RelayOnly bool
	// CABundle (network.ca_bundle) is a PEM file of extra certificate
	// authorities to trust (an organisation's TLS-inspecting proxy), as
	// an absolute path. Empty: the system's only.
	CABundle string
}

// Logging is what goes to the log file.
type Logging struct {
	// Level (logging.level): "debug", "info", "warn" or "error".
	Level string
	// Directory (logging.directory) holds the rotating log files, as an
	// absolute path. Empty: the user's log directory (Paths.LogDir).
	Directory string
}

// UI is how the front ends talk to the user.
type UI struct {
	// Language (ui.language): "auto" (from the environment: LC_ALL,
	// LC_MESSAGES, LANG), "en" or "fr".
	Language string
}

// Defaults are the built-in settings, the lowest layer.
func Defaults() Settings {
	return Settings{
		Meetings: Meetings{DefaultHost: "visio.numerique.gouv.fr"},
		Identity: Identity{DisplayNameSource: "user"},
		Features: Features{Chat: true, ScreenShare: true, Reactions: true, TestCall: true},
		Media: Media{Camera: "test", Microphone: "test", MaxResolution: "auto",
			EchoCancel: true, NoiseSuppress: true, AutoGain: true},
		Logging: Logging{Level: "info"},
		UI:      UI{Language: "auto"},
	}
}
