// Command icons draws the application icon at the sizes desktops look
// for, into an icon theme tree: OUT/<n>x<n>/apps/NAME.png for each size of
// the freedesktop hicolor theme that launchers, menus, task switchers and
// software centres ask for. scripts/package.sh runs it on assets/icon.png.
// With -ico it writes a Windows icon file instead, for the installer.
//
//	go run ./packaging/icons -in assets/icon.png -out DIR -name fr.causerie.app
//	go run ./packaging/icons -in assets/icon.png -ico causerie.ico
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"
)

// sizes are hicolor's usual application icon sizes: 16 and 24 for menus
// and panels, 32 and 48 for launchers and window lists, 64 to 256 for
// task switchers and HiDPI screens, 512 for software centres.
var sizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

func main() {
	in := flag.String("in", "assets/icon.png", "the source icon, a square PNG")
	out := flag.String("out", "", "the icon theme directory to write into (…/share/icons/hicolor)")
	name := flag.String("name", "", "the icon's name, the application ID")
	ico := flag.String("ico", "", "write a Windows .ico file here instead")
	flag.Parse()
	var err error
	switch {
	case *ico != "":
		err = writeICO(*in, *ico)
	case *out != "" && *name != "":
		err = write(*in, *out, *name)
	default:
		fmt.Fprintln(os.Stderr, "icons: give -out and -name, or -ico")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "icons:", err)
		os.Exit(1)
	}
}

// source reads the square source icon.
func source(in string) (image.Image, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, err
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in, err)
	}
	if b := src.Bounds(); b.Dx() != b.Dy() {
		return nil, fmt.Errorf("%s is %d×%d: an icon is square", in, b.Dx(), b.Dy())
	}
	return src, nil
}

// scaled is src drawn at n×n pixels. Catmull-Rom widens its kernel when
// shrinking, so small sizes average the source rather than skip pixels;
// above the source's size it interpolates smoothly.
func scaled(src image.Image, n int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

func write(in, out, name string) error {
	src, err := source(in)
	if err != nil {
		return err
	}
	for _, n := range sizes {
		dst := scaled(src, n)
		dir := filepath.Join(out, fmt.Sprintf("%dx%d", n, n), "apps")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := writePNG(filepath.Join(dir, name+".png"), dst); err != nil {
			return err
		}
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// icoSizes are the sizes Windows picks from: 16 and 24 for lists and the
// taskbar at 100–150 %, 32 and 48 for desktop and Start, 256 for large
// views.
var icoSizes = []int{16, 24, 32, 48, 256}

// writeICO writes an .ico file whose images are PNG-compressed, which
// Windows reads since Vista: a 6-byte header, a 16-byte entry per image,
// then the images.
func writeICO(in, out string) error {
	src, err := source(in)
	if err != nil {
		return err
	}
	var images [][]byte
	for _, n := range icoSizes {
		var b bytes.Buffer
		if err := png.Encode(&b, scaled(src, n)); err != nil {
			return err
		}
		images = append(images, b.Bytes())
	}
	var f bytes.Buffer
	le := binary.LittleEndian
	f.Write(le.AppendUint16(nil, 0))                   // reserved
	f.Write(le.AppendUint16(nil, 1))                   // type: icon
	f.Write(le.AppendUint16(nil, uint16(len(images)))) // count
	offset := 6 + 16*len(images)
	for i, n := range icoSizes {
		side := byte(n)
		if n == 256 {
			side = 0 // 256 is written as 0
		}
		f.Write([]byte{side, side, 0, 0})                     // width, height, palette, reserved
		f.Write(le.AppendUint16(nil, 1))                      // colour planes
		f.Write(le.AppendUint16(nil, 32))                     // bits per pixel
		f.Write(le.AppendUint32(nil, uint32(len(images[i])))) // size
		f.Write(le.AppendUint32(nil, uint32(offset)))         // offset
		offset += len(images[i])
	}
	for _, img := range images {
		f.Write(img)
	}
	return os.WriteFile(out, f.Bytes(), 0o644)
}
