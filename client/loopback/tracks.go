package loopback

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"causerie/client"
)

// Publish implements client.Backend: the track is added to our end and
// the two ends negotiate again; its echo is announced as the peer's, and
// handed to the session (RemoteTrackReady) once its first packet has
// come through.
func (b *Backend) Publish(ctx context.Context, opts client.TrackOptions) (client.LocalTrack, error) {
	codec := strings.ToLower(opts.Codec)
	if codec != "opus" && codec != "vp8" || (codec == "opus") != (opts.Kind == client.Audio) {
		return nil, fmt.Errorf("loopback: codec %q not supported for publishing %s", opts.Codec, opts.Kind)
	}
	b.neg.Lock()
	defer b.neg.Unlock()
	b.mu.Lock()
	if !b.joined || b.closed {
		b.mu.Unlock()
		return nil, client.ErrNotJoined
	}
	b.next++
	n, send, sink := b.next, b.send, b.sink
	b.mu.Unlock()

	id := fmt.Sprintf("TR_loop%d", n)
	track, err := webrtc.NewTrackLocalStaticSample(capability(codec), id, "causerie")
	if err != nil {
		return nil, fmt.Errorf("loopback: new track: %w", err)
	}
	sender, err := send.AddTrack(track)
	if err != nil {
		return nil, fmt.Errorf("loopback: publish %s: %w", opts.Kind, err)
	}
	t := &localTrack{b: b, id: id, track: track, sender: sender, audio: opts.Kind == client.Audio,
		echo: client.Track{SID: fmt.Sprintf("TR_echo%d", n), Participant: PeerIdentity, Kind: opts.Kind,
			Source: opts.Source, Codec: codec}}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, client.ErrNotJoined
	}
	b.tracks[id] = t
	b.readers.Add(1)
	b.mu.Unlock()
	go b.readSenderRTCP(sender, opts.OnKeyframeRequest)

	if err := b.negotiate(ctx); err != nil {
		b.mu.Lock()
		delete(b.tracks, id)
		b.mu.Unlock()
		_ = send.RemoveTrack(sender) // stops the sender, and its RTCP reader
		return nil, fmt.Errorf("loopback: publish %s: %w", opts.Kind, err)
	}
	sink.Post(client.TrackPublished{Track: t.echoTrack()})
	return t, nil
}

// readSenderRTCP reads what the echo's end says about one of our tracks:
// its keyframe requests (PLI, FIR) go to the encoder, the rest (receiver
// reports, NACKs, congestion feedback) only through pion's interceptors,
// which see it as it is read. It ends when the sender stops.
func (b *Backend) readSenderRTCP(s *webrtc.RTPSender, onKeyframe func()) {
	defer b.readers.Done()
	buf := make([]byte, 1500)
	for {
		n, _, err := s.Read(buf)
		if err != nil {
			return
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue // a compound packet pion could not parse: nothing for us in it
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if onKeyframe != nil {
					onKeyframe()
				}
			}
		}
	}
}

// onTrack runs on pion's goroutine when the first packet of one of our
// tracks reaches the echo's end: the session gets it as the peer's.
func (b *Backend) onTrack(tr *webrtc.TrackRemote, rx *webrtc.RTPReceiver) {
	b.mu.Lock()
	t := b.tracks[tr.ID()]
	if t == nil || b.closed {
		b.mu.Unlock()
		return
	}
	b.readers.Add(1)
	sink, recv := b.sink, b.recv
	b.mu.Unlock()
	// The sender reports arriving here feed pion's receiver reports,
	// which are made as they are read, and A/V sync.
	reports := client.NewLatestSenderReport(uint32(tr.SSRC()))
	go func() {
		defer b.readers.Done()
		buf := make([]byte, 1500)
		for {
			n, _, err := rx.Read(buf)
			if err != nil {
				return
			}
			observeReports(reports, buf[:n])
		}
	}()
	echo := t.echoTrack()
	if c := codecName(tr.Codec().MimeType); c != "" {
		echo.Codec = c
	}
	sink.Post(client.RemoteTrackReady{Track: echo, Reader: &remoteTrack{track: tr, pc: recv, reports: reports}})
}

// localTrack is a track we send; its echo is the peer's track.
type localTrack struct {
	b      *Backend
	id     string
	track  *webrtc.TrackLocalStaticSample
	sender *webrtc.RTPSender
	audio  bool

	mu    sync.Mutex
	echo  client.Track
	voice voiceObserver
}

func (t *localTrack) echoTrack() client.Track {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.echo
}

// SID implements client.LocalTrack.
func (t *localTrack) SID() string { return t.id }

// WriteFrame implements client.LocalTrack: pion packetises the frame,
// encrypts it and sends it to the echo's end. Audio levels feed the
// active speaker observer, as an SFU's do.
func (t *localTrack) WriteFrame(frame []byte, d time.Duration, level uint8) error {
	if t.audio {
		t.mu.Lock()
		changed, speaking := t.voice.add(level, d)
		t.mu.Unlock()
		if changed {
			t.b.postSpeaking(speaking, level)
		}
	}
	return t.track.WriteSample(pmedia.Sample{Data: frame, Duration: d})
}

// SetMuted implements client.LocalTrack: the echo shows muted, as an
// SFU tells the others; a muted microphone stops speaking at once.
func (t *localTrack) SetMuted(muted bool) error {
	t.mu.Lock()
	if t.echo.Muted == muted {
		t.mu.Unlock()
		return nil
	}
	t.echo.Muted = muted
	echo := t.echo
	wasSpeaking := muted && t.voice.reset()
	t.mu.Unlock()
	t.b.mu.Lock()
	sink := t.b.sink
	t.b.mu.Unlock()
	sink.Post(client.TrackMuted{Track: echo, Muted: muted})
	if wasSpeaking {
		t.b.postSpeaking(false, 0)
	}
	return nil
}

// Unpublish implements client.LocalTrack: the track leaves our end, the
// two ends negotiate again, and the echo's receiver ends.
func (t *localTrack) Unpublish() error {
	b := t.b
	b.neg.Lock()
	defer b.neg.Unlock()
	b.mu.Lock()
	if b.closed || b.tracks[t.id] != t {
		b.mu.Unlock()
		return client.ErrNotJoined
	}
	delete(b.tracks, t.id)
	send, sink := b.send, b.sink
	b.mu.Unlock()
	if err := send.RemoveTrack(t.sender); err != nil {
		return fmt.Errorf("loopback: unpublish: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), joinTimeout)
	defer cancel()
	if err := b.negotiate(ctx); err != nil {
		return fmt.Errorf("loopback: unpublish: %w", err)
	}
	sink.Post(client.TrackUnsubscribed{Track: t.echoTrack()})
	return nil
}

// remoteTrack is the echo's end of one of our tracks.
type remoteTrack struct {
	track   *webrtc.TrackRemote
	pc      *webrtc.PeerConnection
	reports *client.LatestSenderReport // rtcp.go
}

// ReadRTP implements client.RemoteTrack.
func (t *remoteTrack) ReadRTP() (*rtp.Packet, error) {
	p, _, err := t.track.ReadRTP()
	return p, err
}

// RequestKeyframe implements client.RemoteTrack with a PLI to our end,
// whose RTCP reader hands it to the encoder. Writing a datagram does not
// wait.
func (t *remoteTrack) RequestKeyframe() {
	_ = t.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.track.SSRC())}})
}

// ClockRate implements client.RemoteTrack.
func (t *remoteTrack) ClockRate() uint32 { return t.track.Codec().ClockRate }

// postSpeaking tells who speaks: both of us while the microphone hears
// voice (we speak, and the echo repeats it), nobody otherwise.
func (b *Backend) postSpeaking(on bool, level uint8) {
	b.mu.Lock()
	sink := b.sink
	b.mu.Unlock()
	ev := client.ActiveSpeakers{}
	if on {
		l := float32(math.Pow(10, -float64(level)/20)) // dBov to a 0..1 amplitude
		ev.Identities = []string{selfIdentity, PeerIdentity}
		ev.Levels = []float32{l, l}
	}
	sink.Post(ev)
}

// The active speaker observer of LiveKit's SFU (pkg/sfu/audio, its
// defaults): a participant speaks when, over 400 ms, their audio level
// was at or above -35 dBov for at least 40 % of the time.
const (
	activeLevel    = 35 // dBov below full scale; smaller is louder
	observeWindow  = 400 * time.Millisecond
	activeFraction = 40 // percent of the window
)

// voiceObserver tells from the audio levels of the frames sent whether
// the microphone hears someone speak.
type voiceObserver struct {
	window, active time.Duration
	speaking       bool
}

// add counts a frame of duration d at level; at the end of a window it
// says whether speaking changed, and to what.
func (o *voiceObserver) add(level uint8, d time.Duration) (changed, speaking bool) {
	o.window += d
	if level <= activeLevel {
		o.active += d
	}
	if o.window < observeWindow {
		return false, o.speaking
	}
	now := o.active*100 >= o.window*activeFraction
	o.window, o.active = 0, 0
	if now == o.speaking {
		return false, now
	}
	o.speaking = now
	return true, now
}

// reset starts over, silent; it returns whether we were speaking.
func (o *voiceObserver) reset() bool {
	was := o.speaking
	*o = voiceObserver{}
	return was
}
