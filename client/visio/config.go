package visio

import "context"

// FrontendConfig is the part of the instance's front-end configuration
// Causerie uses. The server builds it in core/api/__init__.py
// get_frontend_configuration and merges settings.FRONTEND_CONFIGURATION
// into the top level (not under a key of its own); the web client's view of
// it is frontend api/useConfig.ts ApiConfig. JSON names are the server's.
type FrontendConfig struct {
	// LanguageCode is the instance's default language ("fr").
	LanguageCode string `json:"LANGUAGE_CODE"`
	LiveKit      struct {
		// URL is the LiveKit server (settings LIVEKIT_CONFIGURATION
		// "url", usually https://…).
		URL string `json:"url"`
		// ForceWSSProtocol asks clients to connect with wss:// instead of
		// the https:// URL (frontend rooms/components/Conference.tsx
		// serverUrl).
		ForceWSSProtocol bool `json:"force_wss_protocol"`
		// DefaultSources are the track sources a participant may publish
		// unless the room says otherwise ("camera", "microphone",
		// "screen_share", "screen_share_audio").
		DefaultSources []string `json:"default_sources"`
	} `json:"livekit"`
	Recording struct {
		IsEnabled      bool     `json:"is_enabled"`
		AvailableModes []string `json:"available_modes"` // "screen_recording", "transcript"
		ExpirationDays *int     `json:"expiration_days"` // nil: recordings do not expire
		MaxDuration    *int     `json:"max_duration"`    // milliseconds; nil: no limit
	} `json:"recording"`
	Subtitle struct {
		Enabled bool `json:"enabled"`
	} `json:"subtitle"`
	// Telephony is dial-in by phone (core/utils.py build_telephony_config):
	// the number, plus each room's pin_code.
	Telephony struct {
		Enabled                  bool   `json:"enabled"`
		InternationalPhoneNumber string `json:"international_phone_number"`
		DefaultCountry           string `json:"default_country"`
	} `json:"telephony"`
	// AuthenticatedUsersCanEditDisplayName: when false, the server names
	// logged-in users after their account whatever username we send
	// (core/utils.py generate_token).
	AuthenticatedUsersCanEditDisplayName bool `json:"authenticated_users_can_edit_display_name"`
	// AutoMuteOnJoinThreshold: the web client turns the microphone off when
	// joining a room with more participants than this.
	AutoMuteOnJoinThreshold int `json:"auto_mute_on_join_threshold"`
	// IdleDisconnectWarningDelay, when set, is how long (ms) the web client
	// lets a lone participant idle before warning of a disconnection.
	IdleDisconnectWarningDelay *int `json:"idle_disconnect_warning_delay"`
}

// Config fetches the instance's front-end configuration: GET
// /api/v1.0/config/ (core/urls.py "config/" → get_frontend_configuration).
// It needs no login.
func (c *Client) Config(ctx context.Context) (FrontendConfig, error) {
	var cfg FrontendConfig
	err := c.do(ctx, call{method: "GET", path: []string{"config"}}, &cfg)
	return cfg, err
}
