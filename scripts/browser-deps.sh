#!/usr/bin/env bash
# Sets up the browser interop test (cmd/causerie/browser_test.go): Debian's
# Chromium at /usr/bin/chromium, and the pinned npm packages of
# tests/browser (playwright-core, livekit-client). Does only what is
# missing, so it is cheap to run before every test run; works without a
# terminal (CI=true, no stdin). apt-get runs as root, or through sudo.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo -n "$@"
  else
    echo "causerie: need root or sudo to run: $*" >&2
    exit 1
  fi
}

apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "causerie: missing $*; install it with your system's package manager" >&2
    exit 1
  fi
  echo "causerie: installing $*" >&2
  # Refresh the package lists only when they do not know the package (a
  # fresh image ships none) or the install fails on a stale list.
  if ! apt-cache show "$@" >/dev/null 2>&1 ||
    ! DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq --no-install-recommends "$@" </dev/null; then
    need_root apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq --no-install-recommends "$@" </dev/null
  fi
}

[ -x /usr/bin/chromium ] || apt_install chromium
command -v npm >/dev/null || apt_install nodejs npm

# npm ci replaces node_modules whole; the touch marks when it last matched
# the lock file.
cd "$root/tests/browser"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "causerie: npm ci in tests/browser" >&2
  npm ci --no-audit --no-fund --loglevel=error </dev/null
  touch node_modules
fi
