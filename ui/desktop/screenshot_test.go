package desktop

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"causerie/client"
	"causerie/media"
	"causerie/media/synth"
)

// TestScreenshots draws the main screens in English and French, at the
// two sizes laptops have, through Fyne's software painter, and checks
// what a reviewer would: the window is filled, the video tiles show
// pictures. The images go to $CAUSERIE_SCREENSHOTS (`make screenshots`
// writes them to ui/desktop/testdata/screenshots), else to a temporary
// directory.
func TestScreenshots(t *testing.T) {
	if raceEnabled {
		// Fyne's software painter under the race detector takes minutes
		// for these sixteen pictures; the flow tests cover the same code
		// for races.
		t.Skip("screenshots are drawn in the plain pass of make test")
	}
	dir := os.Getenv("CAUSERIE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			out := filepath.Join(dir, lang)
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			m := newFakeMeeting(bob, carol, dan)
			ta := newTestApp(t, lang, Options{
				Connect: func(JoinRequest, VideoSink) (Meeting, error) { return m, nil },
				Preview: func(ctx context.Context, _ string, sink func(*media.I420)) error { return runCamera(ctx, 1, sink) },
			})
			shot := func(name string) image.Image {
				t.Helper()
				var img image.Image
				ta.ui.do(func() {
					// Lay everything out first, as a frame of the real
					// driver would: the test canvas captures as it is.
					size := ta.win.Canvas().Size()
					ta.win.Resize(size.AddWidthHeight(1, 1))
					ta.win.Resize(size)
					img = ta.win.Canvas().Capture()
				})
				f, err := os.Create(filepath.Join(out, name+".png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
				return img
			}

			ta.ui.do(func() {
				ta.home.name.SetText("Ann Martin")
				test.Type(ta.home.link, "https://visio.numerique.gouv.fr/abc-defg-hij")
			})
			shot("home-1366x768")
			ta.ui.do(func() { test.Tap(ta.home.cont) })
			ta.until("preview pictures", func() bool { return ta.pre != nil && ta.pre.previewFrames() > 3 })
			shot("prejoin-1366x768")

			ta.ui.do(func() { test.Tap(ta.pre.join) })
			ta.until("four tiles", func() bool {
				return ta.call != nil && ta.call.phase == "call" && len(ta.call.stage.Objects) == 4
			})
			// Pictures for every tile: each remote camera and ours.
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = runCamera(ctx, 2, func(img *media.I420) {
					for _, sid := range []string{"TR_cam0", "TR_cam1", "TR_cam2", LocalVideo} {
						ta.call.onFrame("", sid, img)
					}
				})
			}()
			defer func() { cancel(); <-done }()
			ta.until("every tile drawn", func() bool {
				for _, ps := range ta.call.people {
					if ps.tile.feed == nil || ps.tile.feed.frames.Load() < 3 {
						return false
					}
				}
				return true
			})
			m.post(client.Hand{Participant: dan, Raised: true})
			m.post(client.TrackMuted{Track: client.Track{SID: "TR_mic0", Participant: "bob", Kind: client.Audio}, Muted: true})
			m.post(client.Speaking{Participant: "carol", Speaking: true})
			m.post(client.ChatMessage{ID: "1", From: bob, Text: ta.p.T("home.tagline"), Time: time.Date(2026, 11, 27, 10, 2, 0, 0, time.Local)})
			ta.until("events shown", func() bool { return ta.call.unread == 1 })
			img := shot("call-grid-1366x768")
			checkTilesDrawn(t, ta, img)

			ta.ui.do(func() { ta.win.Resize(fyne.NewSize(1920, 1080)) })
			time.Sleep(100 * time.Millisecond) // feeds take the new tile size
			img = shot("call-grid-1920x1080")
			checkTilesDrawn(t, ta, img)

			ta.ui.do(func() {
				ta.win.Resize(windowSize)
				test.Tap(ta.call.btn.chat)
				test.Type(ta.call.chat.entry, "Merci !")
				test.Tap(ta.call.chat.send)
			})
			ta.until("own message", func() bool { return ta.call.chat.count == 2 })
			shot("call-chat-1366x768")
			ta.ui.do(func() { test.Tap(ta.call.btn.people) })
			shot("call-people-1366x768")
		})
	}
}

// checkTilesDrawn: the window filled at its size, and each tile's middle
// shows a picture (its pixels vary), not the empty tile colour.
func checkTilesDrawn(t *testing.T, ta *testApp, img image.Image) {
	t.Helper()
	var size fyne.Size
	var rects []image.Rectangle
	ta.ui.do(func() {
		size = ta.win.Canvas().Size()
		for _, ps := range ta.call.people {
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(ps.tile.root)
			s := ps.tile.root.Size()
			rects = append(rects, image.Rect(int(pos.X+s.Width/4), int(pos.Y+s.Height/4), int(pos.X+s.Width*3/4), int(pos.Y+s.Height*3/4)))
		}
	})
	if b := img.Bounds(); b.Dx() < int(size.Width) || b.Dy() < int(size.Height) {
		t.Fatalf("capture %v for a %v window", b, size)
	}
	for _, r := range rects {
		colours := map[[3]uint32]bool{}
		for y := r.Min.Y; y < r.Max.Y; y += 7 {
			for x := r.Min.X; x < r.Max.X; x += 7 {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				colours[[3]uint32{cr >> 8, cg >> 8, cb >> 8}] = true
			}
		}
		if len(colours) < 20 {
			t.Errorf("tile at %v shows %d colours: no picture", r, len(colours))
		}
	}
}

// runCamera gives the synthetic camera's pictures to sink until ctx ends.
func runCamera(ctx context.Context, seed int, sink func(*media.I420)) error {
	cam, err := synth.NewCamera(synth.CameraConfig{Width: 640, Height: 360, FPS: 30})
	if err != nil {
		return err
	}
	img := &media.I420{}
	for {
		if _, err := cam.ReadFrame(ctx, img); err != nil {
			return nil
		}
		sink(img)
	}
}
