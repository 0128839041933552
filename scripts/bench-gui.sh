#!/usr/bin/env bash
# Measures the desktop app as issue 6 asks, under Xvfb on this machine:
# cold start to a visible home window, idle on the home screen, and a call
# on a local livekit-server with four synthetic participants sending 360p
# (memory, CPU, frames shown per second per tile), and Chromium running
# Visio's web client in the same call for comparison. Writes
# bench-results/gui.json and gui-browser.json; cmd/causerie's TestGUIPerf
# and TestBrowserTabPerf do the work.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-results
CAUSERIE_GUI_BENCH="$PWD/bench-results/gui.json" CAUSERIE_REQUIRE_XVFB=1 \
  go test -count=1 -run '^(TestGUIPerf|TestBrowserTabPerf)$' -v ./cmd/causerie | grep -v '^=== ' | tail -n 60
