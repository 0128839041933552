package video

import (
	"sync"
	"time"

	"causerie/media"
)

// MaxFPS is the highest rate at which a track's picture is
// downscaled for the terminal: 15 pictures a second keep motion readable
// while a 200×60 terminal still carries the bytes over SSH.
const MaxFPS = 15

// Store keeps the latest small picture of each video track the UI shows,
// by track SID (a participant may send a camera and a screen).
// Decoders put full pictures on their own goroutines; Put downscales there
// and never waits for the UI, and the UI tick takes the latest with Latest.
type Store struct {
	now func() time.Time

	mu    sync.Mutex
	slots map[string]*slot
}

type slot struct {
	cols, rows int      // wanted area in cells; 0: not shown
	latest     *Picture // newest downscaled picture
	spare      *Picture // buffer for the next one; nil while a decoder fills it
	seq        uint64   // how many pictures have been stored
	last       time.Time
}

// NewStore returns an empty store; now may be nil for the wall clock.
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, slots: map[string]*slot{}}
}

// Want tells the size at which track is shown, in cells; 0×0 stops the
// downscaling of its pictures.
func (s *Store) Want(track string, cols, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slots[track]
	if sl == nil {
		if cols <= 0 || rows <= 0 {
			return
		}
		sl = &slot{latest: &Picture{}, spare: &Picture{}}
		s.slots[track] = sl
	}
	sl.cols, sl.rows = cols, rows
}

// Put offers a decoded picture of track. It runs on the decoder's
// goroutine: it drops the picture when the track is not shown, when it
// comes sooner than 1/MaxFPS after the last one kept, or when the slot's
// spare buffer is still being filled; otherwise it downscales into
// the slot's spare buffer, outside the lock, and swaps it in. img is not
// kept.
func (s *Store) Put(track string, img *media.I420) {
	now := s.now()
	s.mu.Lock()
	sl := s.slots[track]
	if sl == nil || sl.cols <= 0 || sl.spare == nil || now.Sub(sl.last) < time.Second/MaxFPS {
		s.mu.Unlock()
		return
	}
	buf, cols, rows := sl.spare, sl.cols, sl.rows
	sl.spare, sl.last = nil, now
	s.mu.Unlock()

	w, h := Fit(img.Width, img.Height, cols, rows)
	Downscale(buf, img, w, h)

	s.mu.Lock()
	sl.spare, sl.latest = sl.latest, buf
	sl.seq++
	s.mu.Unlock()
}

// Latest copies track's newest picture into dst when it is newer than
// seen, and returns its sequence number and whether it copied.
func (s *Store) Latest(track string, seen uint64, dst *Picture) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slots[track]
	if sl == nil || sl.seq == seen {
		return seen, false
	}
	dst.CopyFrom(sl.latest)
	return sl.seq, true
}
