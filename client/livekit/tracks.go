package livekit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"causerie/client"
)

// Publish implements client.Backend.
func (b *Backend) Publish(ctx context.Context, opts client.TrackOptions) (client.LocalTrack, error) {
	if b.room == nil {
		return nil, client.ErrNotJoined
	}
	capability, err := capabilityOf(opts)
	if err != nil {
		return nil, err
	}
	if opts.Kind == client.Video && len(opts.Layers) > 1 {
		return b.publishSimulcast(opts, capability)
	}
	onKeyframe := opts.OnKeyframeRequest
	if onKeyframe == nil {
		onKeyframe = func() {}
	}
	track, err := lksdk.NewLocalSampleTrack(capability, lksdk.WithRTCPHandler(func(p rtcp.Packet) {
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			onKeyframe()
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("livekit: new track: %w", err)
	}
	pub, err := b.room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name:        opts.Name,
		Source:      sourceProto(opts.Source),
		VideoWidth:  opts.Width,
		VideoHeight: opts.Height,
	})
	if err != nil {
		_ = track.Close()
		return nil, fmt.Errorf("livekit: publish %s: %w", opts.Kind, err)
	}
	return &localTrack{b: b, track: track, pub: pub, audio: opts.Kind == client.Audio}, nil
}

func capabilityOf(opts client.TrackOptions) (webrtc.RTPCodecCapability, error) {
	switch strings.ToLower(opts.Codec) {
	case "opus":
		// Two channels in the SDP is what WebRTC requires of Opus; the
		// stream itself is mono.
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}, nil
	case "vp8":
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}}, nil
	}
	return webrtc.RTPCodecCapability{}, fmt.Errorf("livekit: codec %q not supported for publishing", opts.Codec)
}

type localTrack struct {
	b     *Backend
	track *lksdk.LocalTrack
	pub   *lksdk.LocalTrackPublication
	audio bool
}

func (t *localTrack) SID() string { return t.pub.SID() }

// WriteFrame hands the frame to lksdk, which numbers its packets: RTP
// timestamps by the samples' durations, sequence numbers one a packet.
// An empty frame (DTX, see client.LocalTrack) goes the same way and is
// sent as nothing: pion's packetizer turns an empty payload into no
// packet and moves its timestamp on by d (rtp.Packetizer's Packetize and
// SkipSamples), so the next packet's timestamp jumps over the silence
// and its sequence number follows the last one sent (TestDTXThroughSFU
// checks it on the wire). Sample.PrevDroppedPackets would spend sequence
// numbers, which receivers take for losses; Sample.PacketTimestamp
// would do, at the cost of timestamps of our own.
func (t *localTrack) WriteFrame(frame []byte, d time.Duration, level uint8) error {
	var opts *lksdk.SampleWriteOptions
	if t.audio {
		opts = &lksdk.SampleWriteOptions{AudioLevel: &level}
	}
	return t.track.WriteSample(pmedia.Sample{Data: frame, Duration: d}, opts)
}

func (t *localTrack) SetMuted(muted bool) error {
	t.pub.SetMuted(muted)
	return nil
}

func (t *localTrack) Unpublish() error {
	if t.b.room == nil {
		return client.ErrNotJoined
	}
	return t.b.room.LocalParticipant.UnpublishTrack(t.pub.SID())
}

// remoteTrack is the receive side of a subscribed track.
type remoteTrack struct {
	track   *webrtc.TrackRemote
	rp      *lksdk.RemoteParticipant
	pub     *lksdk.RemoteTrackPublication
	reports *client.LatestSenderReport // see newRemoteTrack (rtcp.go)
}

// SetView implements client.ViewSetter with LiveKit's track settings:
// disabled when hidden (the SFU stops forwarding), else the dimensions
// the SFU chooses a layer for. lksdk sends the settings on the signal
// connection without waiting for an answer.
func (t *remoteTrack) SetView(width, height int) {
	if t.pub == nil {
		return
	}
	if width == 0 || height == 0 {
		t.pub.SetEnabled(false)
		return
	}
	if !t.pub.IsEnabled() {
		t.pub.SetEnabled(true)
	}
	t.pub.SetVideoDimensions(uint32(width), uint32(height))
}

func (t *remoteTrack) ReadRTP() (*rtp.Packet, error) {
	p, _, err := t.track.ReadRTP()
	return p, err
}

func (t *remoteTrack) RequestKeyframe() { t.rp.WritePLI(t.track.SSRC()) }

func (t *remoteTrack) ClockRate() uint32 { return t.track.Codec().ClockRate }

// codecName turns "video/VP8" into "vp8".
func codecName(mime string) string {
	if i := strings.IndexByte(mime, '/'); i >= 0 {
		mime = mime[i+1:]
	}
	return strings.ToLower(mime)
}

// probe asks the server's /rtc/validate endpoint about the token, to tell a
// refused token from an unreachable server after a failed join. hc goes
// the way the WebSocket went (proxy, trust).
func probe(ctx context.Context, hc *http.Client, serverURL, token string) (int, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return 0, err
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/rtc/validate"
	u.RawQuery = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
