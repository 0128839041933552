#!/usr/bin/env bash
# Measures the job of issue 3's simulcast goal done by a browser tab, for
# comparison with scripts/bench-simulcast.sh's figures for our sender:
# Chromium, running livekit-client as Visio's web client does with its
# backup codec, publishes the same synthetic camera clip (1280x720, 30 fps,
# looped by Chromium's file camera) as three-layer VP8 simulcast to a
# local livekit-server, every layer encoded. Writes
# bench-results/simulcast-browser.json: the tab's CPU, and each layer's
# size, frame rate and encode time as WebRTC's stats give them.
# cmd/causerie's TestBrowserSimulcastCost does the work.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/vp8clip" ./scripts/vp8clip
"$work/vp8clip" write -o "$work/clip.y4m" -width 1280 -height 720 -frames "${BENCH_FRAMES:-150}"
CAUSERIE_SIMULCAST_BENCH="$PWD/bench-results/simulcast-browser.json" CAUSERIE_CLIP="$work/clip.y4m" \
  go test -count=1 -run '^TestBrowserSimulcastCost$' -v ./cmd/causerie | grep -v '^=== ' | tail -n 60
