package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

const appIcon = "../../assets/icon.png"

// Every size is written where icon themes look, at its size, and keeps
// the picture: the centre of the blue bubble stays blue.
func TestWrite(t *testing.T) {
	out := t.TempDir()
	if err := write(appIcon, out, "fr.example.app"); err != nil {
		t.Fatal(err)
	}
	for _, n := range sizes {
		f, err := os.Open(filepath.Join(out, fmt.Sprintf("%dx%d", n, n), "apps", "fr.example.app.png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%d px: %v", n, err)
		}
		if b := img.Bounds(); b.Dx() != n || b.Dy() != n {
			t.Errorf("%d px icon is %v", n, b)
		}
		// The blue bubble's centre is at (95, 100) of 256.
		r, g, b, a := img.At(95*n/256, 100*n/256).RGBA()
		if a>>8 < 200 || b>>8 < 100 || r>>8 > 60 || g>>8 > 60 {
			t.Errorf("%d px: the blue bubble's centre is rgba(%d,%d,%d,%d)", n, r>>8, g>>8, b>>8, a>>8)
		}
	}
	if err := write("main.go", t.TempDir(), "x"); err == nil {
		t.Error("a source that is not a PNG was accepted")
	}
}

// The .ico file has one PNG image per size, where its directory says.
func TestWriteICO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "causerie.ico")
	if err := writeICO(appIcon, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if le.Uint16(b[0:]) != 0 || le.Uint16(b[2:]) != 1 || int(le.Uint16(b[4:])) != len(icoSizes) {
		t.Fatalf("header % x", b[:6])
	}
	for i, n := range icoSizes {
		e := b[6+16*i:]
		side := int(e[0])
		if side == 0 {
			side = 256
		}
		size, offset := le.Uint32(e[8:]), le.Uint32(e[12:])
		img, err := png.Decode(bytes.NewReader(b[offset : offset+size]))
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		if side != n || img.Bounds().Dx() != n || img.Bounds().Dy() != n {
			t.Errorf("image %d: entry says %d, picture is %v, want %d", i, side, img.Bounds(), n)
		}
	}
}
