// Command fynefloor measures what Fyne itself costs on this machine: a
// bare 1100×700 window whose N images are replaced 30 times a second,
// nothing else — no decoding, no network. It prints one JSON line: the
// pictures shown per second, CPU and peak memory. scripts/bench-gui.sh
// runs it next to the desktop app's figures, so they can be read against
// the toolkit's floor (under Xvfb, Mesa's software GL draws everything).
package main

import (
	"encoding/json"
	"flag"
	"image"
	"os"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	_ "causerie/ui/desktop/fynelocale"
)

func main() {
	n := flag.Int("images", 4, "images in the window")
	frames := flag.Int("frames", 300, "pictures to show")
	flag.Parse()
	a := app.New()
	w := a.NewWindow("fynefloor")
	var imgs []*canvas.Image
	var objs []fyne.CanvasObject
	for range *n {
		im := canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 400, 225)))
		im.FillMode = canvas.ImageFillContain
		imgs = append(imgs, im)
		objs = append(objs, im)
	}
	w.SetContent(container.NewGridWithColumns(2, objs...))
	w.Resize(fyne.NewSize(1100, 700))
	bufs := [2]*image.RGBA{image.NewRGBA(image.Rect(0, 0, 400, 225)), image.NewRGBA(image.Rect(0, 0, 400, 225))}
	var result struct {
		Images        int     `json:"images"`
		PresentsPerS  float64 `json:"presents_per_s"`
		CPUPercent    float64 `json:"cpu_percent"`
		MaxRSSMB      float64 `json:"max_rss_mb"`
		WindowPixels  string  `json:"window"`
		TargetPerSecs int     `json:"target_per_s"`
	}
	go func() {
		time.Sleep(time.Second) // the window is up
		var ru0 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for k := 1; k <= *frames; k++ {
			<-tick.C
			b := bufs[k%2]
			for i := range b.Pix {
				b.Pix[i] = byte(k + i)
			}
			fyne.DoAndWait(func() {
				for _, im := range imgs {
					im.Image = b
					im.Refresh()
				}
			})
		}
		el := time.Since(start)
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := time.Duration(ru.Utime.Nano()+ru.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		result.Images, result.TargetPerSecs, result.WindowPixels = *n, 30, "1100x700"
		result.PresentsPerS = float64(*frames) / el.Seconds()
		result.CPUPercent = float64(cpu) / float64(el) * 100
		result.MaxRSSMB = float64(ru.Maxrss) / 1024
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	_ = json.NewEncoder(os.Stdout).Encode(result)
}
