package camera

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"causerie/media"
)

// Reason tells why a Change happened.
type Reason int

const (
	// Lost: the camera in use disappeared or stopped working; To is the
	// one that replaced it ("" for none: a black picture).
	Lost Reason = iota + 1
	// Found: the camera asked for came back, or one appeared while there
	// was none; the source uses it now.
	Found
	// ListChanged: a camera appeared or disappeared; Devices has the new
	// list. From and To are empty.
	ListChanged
)

func (r Reason) String() string {
	switch r {
	case Lost:
		return "lost"
	case Found:
		return "found"
	case ListChanged:
		return "list"
	}
	return "unknown"
}

// Change is a camera coming or going under a Source.
type Change struct {
	Reason   Reason
	From, To string // camera names; "" is none
	Devices  []Device
}

// Config describes a Source.
type Config struct {
	// Backend finds the cameras; nil is System.
	Backend Backend
	// Device names the camera (ID or name, see Find); "" follows the
	// system's default.
	Device string
	// Target is the size and rate the call wants; Choose picks the
	// camera's format from it. It is also the size of the black picture
	// sent while there is no camera.
	Target Target
	// OnChange, when set, hears every Change, on the goroutine of
	// ReadFrame or of the source's watcher; it must return quickly.
	OnChange func(Change)
	// Poll is how often the list of cameras is read again (default 1 s:
	// a camera plugged in is listed within 2 s, for a millisecond's work
	// a second).
	Poll time.Duration
}

const (
	defaultPoll = time.Second
	// noCameraFPS is the rate of the black picture: enough for a late
	// joiner's keyframe request to be answered quickly, little to encode.
	noCameraFPS = 5
	// failedRetry is how long a camera that failed but stayed listed is
	// left alone while there is no camera, before it is tried again.
	failedRetry = 5 * time.Second
	// maxBadFrames is how many undecodable frames in a row are taken for
	// a camera gone wrong; fewer are skipped (a USB hiccup, a camera
	// starting up sends a few broken MJPEG frames).
	maxBadFrames = 30
)

// ErrClosed is returned by ReadFrame after Close.
var ErrClosed = errors.New("camera: source closed")

// Source is a camera as a media.VideoSource that outlives the camera: a
// camera that fails mid-call (unplugged) gives way to the default one,
// or to a black picture until one comes, and a Change says so; the call
// never sees an error but its own end. ReadFrame, Current and Format are
// for one goroutine at a time.
type Source struct {
	cfg     Config
	backend Backend

	// Owned by ReadFrame's goroutine.
	stream Stream
	cur    Device
	// failed holds when the cameras that failed without leaving the
	// list did: none is chosen again before it has left it (been
	// unplugged) once, or while there is no camera, before failedRetry.
	failed   map[string]time.Time
	retryAt  time.Time // when the cameras that failed may be tried again
	seen     uint64    // the list generation last acted on
	blackDue time.Time
	bad      int

	mu      sync.Mutex
	devices []Device
	gen     uint64

	changed chan struct{} // a new list, for a ReadFrame waiting
	stop    context.CancelFunc
	done    chan struct{}
	closed  chan struct{}
	once    sync.Once
}

// Open opens the camera cfg names, or the default one. A named camera
// that is not there, or does not open, is an error (ErrNoDevice when
// absent); without a name, a machine with no camera (or a default that
// will not open) gives a source of black pictures that takes the first
// camera to come. Close stops it.
func Open(cfg Config) (*Source, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = defaultPoll
	}
	b := cfg.Backend
	if b == nil {
		b = System
	}
	list, err := b.List()
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg, backend: b, devices: list, failed: map[string]time.Time{},
		changed: make(chan struct{}, 1), done: make(chan struct{}), closed: make(chan struct{})}
	if cfg.Device != "" {
		d, err := Find(list, cfg.Device)
		if err != nil {
			return nil, err
		}
		st, err := openBusy(b, d, cfg.Target)
		if err != nil {
			return nil, fmt.Errorf("camera %q: %w", d.Name, err)
		}
		s.stream, s.cur = st, d
	} else {
		s.openFirst(list)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.watch(ctx)
	return s, nil
}

// busyWait is how long Open waits for a camera another user holds: the
// pre-join screen's preview lets go of it up to a second after the
// meeting asks for it (a V4L2 read waits a second at a time).
const busyWait = 2 * time.Second

// openBusy opens d, trying again for busyWait while it is busy.
func openBusy(b Backend, d Device, t Target) (Stream, error) {
	deadline := time.Now().Add(busyWait)
	for {
		st, err := b.Open(d, t)
		if err == nil || !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			return st, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close stops the watcher and the camera. Call it once ReadFrame's
// caller has stopped.
func (s *Source) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		s.stop()
		<-s.done
		if s.stream != nil {
			err = s.stream.Close()
			s.stream = nil
		}
	})
	return err
}

// Current is the camera in use, false while there is none.
func (s *Source) Current() (Device, bool) {
	return s.cur, s.stream != nil
}

// Format is the capture format in use, false while there is no camera.
func (s *Source) Format() (Format, bool) {
	if s.stream == nil {
		return Format{}, false
	}
	return s.stream.Format(), true
}

// Devices returns the cameras as last listed.
func (s *Source) Devices() []Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Device(nil), s.devices...)
}

func (s *Source) report(c Change) {
	if s.cfg.OnChange != nil {
		s.cfg.OnChange(c)
	}
}

// watch reads the list of cameras every Poll until ctx ends.
func (s *Source) watch(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		list, err := s.backend.List()
		if err != nil {
			continue
		}
		s.mu.Lock()
		same := sameDevices(list, s.devices)
		if !same {
			s.devices = list
			s.gen++
		}
		s.mu.Unlock()
		if !same {
			select {
			case s.changed <- struct{}{}:
			default:
			}
			s.report(Change{Reason: ListChanged, Devices: list})
		}
	}
}

// ReadFrame returns the camera's next frame, or while there is none a
// black picture, noCameraFPS a second. It fails only when ctx ends or
// the source is closed.
func (s *Source) ReadFrame(ctx context.Context, dst *media.I420) (time.Time, error) {
	for {
		select {
		case <-s.closed:
			return time.Time{}, ErrClosed
		default:
		}
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		s.follow()
		if s.stream == nil {
			ok, err := s.waitBlack(ctx)
			if err != nil {
				return time.Time{}, err
			}
			if !ok {
				continue // the list changed: maybe a camera now
			}
			s.drawBlack(dst)
			return time.Now(), nil
		}
		t, err := s.stream.Read(ctx, dst)
		if err == nil {
			s.bad = 0
			return t, nil
		}
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		if (errors.Is(err, ErrShortFrame) || errors.Is(err, ErrBadFrame)) && s.bad < maxBadFrames {
			s.bad++
			continue
		}
		s.lose()
	}
}

// follow acts on a new list from the watcher: the camera asked for is
// back, or one came while there was none.
func (s *Source) follow() {
	s.mu.Lock()
	list, gen := s.devices, s.gen
	s.mu.Unlock()
	retry := s.stream == nil && len(s.failed) > 0 && !time.Now().Before(s.retryAt)
	if gen == s.seen && !retry {
		return
	}
	s.seen = gen
	if retry {
		// No camera, and one that failed is still listed: it may have
		// been busy (another program, our own preview letting go) or
		// stalled, and may work now.
		s.retryAt = time.Now().Add(failedRetry)
		for id, at := range s.failed {
			if time.Since(at) >= failedRetry {
				delete(s.failed, id)
			}
		}
	}
	for id := range s.failed {
		if !listed(list, id) {
			delete(s.failed, id) // unplugged since: it may be tried again
		}
	}
	var next Device
	ok := false
	if s.cfg.Device != "" {
		if d, err := Find(list, s.cfg.Device); err == nil && !s.hasFailed(d.ID) {
			next, ok = d, true
		}
	}
	if !ok && s.stream == nil {
		next, ok = s.fallback(list)
	}
	if !ok || (s.stream != nil && next.ID == s.cur.ID) {
		return
	}
	from := ""
	if s.stream != nil {
		from = s.cur.Name
	}
	if s.switchTo(next) {
		s.report(Change{Reason: Found, From: from, To: next.Name})
	}
}

// lose gives up the camera in use, which failed, for the default one
// (or none), and says so.
func (s *Source) lose() {
	from := s.cur.Name
	_ = s.stream.Close()
	s.stream = nil
	s.bad = 0
	to := ""
	list, err := s.backend.List()
	if err == nil {
		// This list is the watcher's too: a camera unplugged and back
		// before its next look must still count as having come back.
		s.mu.Lock()
		same := sameDevices(list, s.devices)
		if !same {
			s.devices = list
			s.gen++
		}
		s.seen = s.gen
		s.mu.Unlock()
		if !same {
			s.report(Change{Reason: ListChanged, Devices: list})
		}
		if listed(list, s.cur.ID) {
			// Still there but not working: not to be taken again
			// until it has been unplugged.
			s.markFailed(s.cur.ID)
		}
		if d, ok := s.openFirst(list); ok {
			to = d.Name
		}
	}
	s.report(Change{Reason: Lost, From: from, To: to})
}

// openFirst opens the first camera of list that opens, marking those
// that do not as failed.
func (s *Source) openFirst(list []Device) (Device, bool) {
	for {
		d, ok := s.fallback(list)
		if !ok {
			return Device{}, false
		}
		if s.switchTo(d) {
			return d, true
		}
	}
}

// fallback is the first camera of list (the default first) that has not
// failed.
func (s *Source) fallback(list []Device) (Device, bool) {
	for _, d := range list {
		if !s.hasFailed(d.ID) {
			return d, true
		}
	}
	return Device{}, false
}

// switchTo opens d in place of the camera in use; a camera that does
// not open is marked failed.
func (s *Source) switchTo(d Device) bool {
	st, err := openBusy(s.backend, d, s.cfg.Target)
	if err != nil {
		s.markFailed(d.ID)
		return false
	}
	if s.stream != nil {
		_ = s.stream.Close()
	}
	s.stream, s.cur, s.bad = st, d, 0
	return true
}

func (s *Source) hasFailed(id string) bool {
	_, ok := s.failed[id]
	return ok
}

func (s *Source) markFailed(id string) {
	now := time.Now()
	s.failed[id] = now
	s.retryAt = now.Add(failedRetry)
}

func listed(list []Device, id string) bool {
	for _, d := range list {
		if d.ID == id {
			return true
		}
	}
	return false
}

// waitBlack waits until the next black picture is due: true then, false
// when the list changed first.
func (s *Source) waitBlack(ctx context.Context) (bool, error) {
	now := time.Now()
	if s.blackDue.Before(now.Add(-time.Second / noCameraFPS)) {
		s.blackDue = now // late, or the first: no burst to catch up
	}
	t := time.NewTimer(s.blackDue.Sub(now))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-s.closed:
		return false, ErrClosed
	case <-s.changed:
		return false, nil
	case <-t.C:
		s.blackDue = s.blackDue.Add(time.Second / noCameraFPS)
		return true, nil
	}
}

// drawBlack draws the black picture: at the size of the pictures before
// it (the encoder keeps going without a new keyframe size), else the
// target's.
func (s *Source) drawBlack(dst *media.I420) {
	if dst.Width == 0 || dst.Height == 0 {
		w, h := s.cfg.Target.Width&^1, s.cfg.Target.Height&^1
		if w <= 0 || h <= 0 {
			w, h = 640, 360
		}
		dst.Resize(w, h)
	}
	fill(dst.Y, 16) // video-range black
	fill(dst.U, 128)
	fill(dst.V, 128)
}
