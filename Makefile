# Causerie — `make run` and `make test` set up what is missing, then run.

GO             ?= go
LIVEKIT_VERSION := v1.13.5
CACHE_DIR      ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/causerie
LIVEKIT_SERVER := $(CACHE_DIR)/livekit-$(LIVEKIT_VERSION)/server
BIN            := bin/causerie

# Tests and the demo find the SFU through this variable.
export CAUSERIE_LIVEKIT_SERVER := $(LIVEKIT_SERVER)

.PHONY: all build deps sfu browser run test bench apm-data vet clean

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

build: deps
	$(GO) build -o $(BIN) ./cmd/causerie

# Until the desktop front end lands, `make run` is the two-participant demo.
run: build sfu
	./$(BIN) demo --duration 10s

vet: deps
	$(GO) vet ./...

# Everything twice: as it ships (the end-to-end thresholds hold for this
# build), then under the race detector, end-to-end processes included (a
# race makes a child exit 66 and its test fail).
test: deps sfu browser vet
	CAUSERIE_REQUIRE_BROWSER=1 CAUSERIE_REQUIRE_TMUX=1 $(GO) test -count=1 -timeout 15m ./...
	CAUSERIE_REQUIRE_BROWSER=1 CAUSERIE_REQUIRE_TMUX=1 $(GO) test -race -count=1 -timeout 20m ./...

bench: deps
	scripts/bench.sh

# Echo cancellation, noise suppression and CPU figures of media/apm, with
# the library settings tried and speexdsp for comparison when installed:
# media/apm/testdata/measure.json. Every threshold of issue 4 is asserted.
apm-data: deps
	scripts/apm-data.sh

clean:
	rm -rf bin .deps.stamp
