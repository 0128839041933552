# Causerie — `make run` and `make test` set up what is missing, then run.

GO             ?= go
LIVEKIT_VERSION := v1.13.5
CACHE_DIR      ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/causerie
LIVEKIT_SERVER := $(CACHE_DIR)/livekit-$(LIVEKIT_VERSION)/server
BIN            := bin/causerie

# What `causerie --version` tells: git's description of the checkout, set
# at link time (recursive variables: git runs only when a target needs it).
GIT_VERSION     = $(shell git describe --tags --always --dirty 2>/dev/null)
VERSION_LDFLAGS = -X main.version=$(GIT_VERSION) -X main.commit=$(shell git rev-parse HEAD 2>/dev/null) -X main.commitTime=$(shell git log -1 --format=%cI 2>/dev/null)

# Tests and the demo find the SFU through this variable.
export CAUSERIE_LIVEKIT_SERVER := $(LIVEKIT_SERVER)

.PHONY: all build deps sfu browser run test bench bench-gui bench-browser screenshots apm-data vet package clean

all: build

deps: .deps.stamp
.deps.stamp: scripts/deps.sh
	@scripts/deps.sh
	@touch $@

# The test SFU: built once with `go install`, cached outside the tree so
# every clone and every CI run on this machine shares it.
sfu: $(LIVEKIT_SERVER)
$(LIVEKIT_SERVER):
	@echo "causerie: building livekit-server $(LIVEKIT_VERSION) (once, about 7 minutes)"
	@mkdir -p $(dir $@)
	cd / && GOBIN=$(dir $@) GOFLAGS= $(GO) install github.com/livekit/livekit-server/cmd/server@$(LIVEKIT_VERSION)

# The browser interop test's set-up: Debian's Chromium and tests/browser's
# pinned npm packages. The script does only what is missing (about 10 ms
# when nothing is), so it runs every time.
browser:
	@scripts/browser-deps.sh

# Two binaries: causerie with the desktop window (Fyne: GL and X11), and
# causerie-tui without it (-tags nogui), for machines that have no
# graphics libraries: the terminal client, join and the other commands.
build: deps
	$(GO) build -ldflags "$(VERSION_LDFLAGS)" -o $(BIN) ./cmd/causerie
	$(GO) build -tags nogui -ldflags "$(VERSION_LDFLAGS)" -o $(BIN)-tui ./cmd/causerie

# `make run` opens the desktop app's home window (under Xvfb: DISPLAY=:N
# make run, or xvfb-run make run); without a display it runs the
# two-participant demo in the terminal instead.
run: build sfu
	@if [ -n "$$DISPLAY" ]; then ./$(BIN); else \
	  echo "causerie: no display (DISPLAY is empty): running the terminal demo instead"; \
	  ./$(BIN) demo --duration 10s; fi

# The camera code for macOS (AVFoundation) is vetted without cgo, the
# only way this machine can build it.
vet: deps
	$(GO) vet ./...
	CGO_ENABLED=0 GOOS=darwin $(GO) vet ./media/camera

# Everything twice: as it ships (the end-to-end thresholds hold for this
# build), then under the race detector, end-to-end processes included (a
# race makes a child exit 66 and its test fail). Then media's pictures and
# the camera's raw conversions without cgo (the plain loops standing in for
# libyuv: media/yuv_nocgo.go, media/camera/convert_nocgo.go),
# and the packages are built and checked as installed
# (scripts/package-test.sh).
#
# The in-call echo measurement runs alone, after the rest, in both
# passes: its speaker, room and microphone are Go code paced by the wall
# clock, and when the other packages' tests starve it of CPU the echo
# path it simulates falls apart (under -race beside two busy loops,
# Ben's echo with processing off measured -14 to -34 dB instead of -7).
# Alone it holds the issue's -25 dB bar in both builds (processing on,
# plain: -71 to -93 dB even beside three busy loops; -race: -59 to -93 dB).
ECHO_TEST = ^TestEchoCancelledInCall$$
test: deps sfu browser vet
	CAUSERIE_REQUIRE_BROWSER=1 CAUSERIE_REQUIRE_TMUX=1 CAUSERIE_REQUIRE_XVFB=1 CAUSERIE_REQUIRE_PULSE=1 $(GO) test -count=1 -timeout 15m -skip '$(ECHO_TEST)' ./...
	$(GO) test -count=1 -timeout 5m -run '$(ECHO_TEST)' ./client/livekit
	CAUSERIE_REQUIRE_BROWSER=1 CAUSERIE_REQUIRE_TMUX=1 CAUSERIE_REQUIRE_XVFB=1 CAUSERIE_REQUIRE_PULSE=1 $(GO) test -race -count=1 -timeout 20m -skip '$(ECHO_TEST)' ./...
	$(GO) test -race -count=1 -timeout 5m -run '$(ECHO_TEST)' ./client/livekit
	CGO_ENABLED=0 $(GO) test -count=1 ./media
	CGO_ENABLED=0 $(GO) test -count=1 -run '^TestConvert(Packed422|SemiPlanar|I420|BadFrames)$$' ./media/camera
	scripts/package-test.sh

# The Linux packages, into dist/: .deb, .rpm and .tar.gz, each with the
# binary, desktop entry (causerie:// links), icons, AppStream metadata and
# manual page (scripts/package.sh).
package: deps
	scripts/package.sh

# The media benchmarks (bench-results/bench.json), and the camera's
# simulcast encoding next to vpxenc (bench-results/simulcast.json).
bench: deps
	scripts/bench.sh
	scripts/bench-simulcast.sh

# The desktop app's memory, CPU and frame rate under Xvfb with four other
# participants, and a browser tab (Chromium running Visio's web client) in
# the same call: bench-results/gui.json and gui-browser.json.
bench-gui: deps sfu browser
	scripts/bench-gui.sh

# The camera's three-layer simulcast published by Chromium (Visio's web
# client, VP8) from the clip `make bench` encodes with our sender:
# bench-results/simulcast-browser.json.
bench-browser: deps sfu browser
	scripts/bench-simulcast-browser.sh

# The desktop app's screens in English and French, at 1366×768 and
# 1920×1080, drawn by the tests: ui/desktop/testdata/screenshots.
screenshots: deps
	CAUSERIE_SCREENSHOTS=$(CURDIR)/ui/desktop/testdata/screenshots $(GO) test -count=1 -run '^TestScreenshots$$' ./ui/desktop

# Echo cancellation, noise suppression and CPU figures of media/apm, with
# the library settings tried and speexdsp for comparison when installed:
# media/apm/testdata/measure.json. Every threshold of issue 4 is asserted.
apm-data: deps
	scripts/apm-data.sh

clean:
	rm -rf bin dist .deps.stamp
