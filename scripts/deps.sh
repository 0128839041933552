#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the cgo build needs, only those that
# are missing. Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

# g++ and libwebrtc-audio-processing-dev: media/apm's C++ shim;
# libspeexdsp-dev: the speexdsp canceller its measurements compare; espeak-ng
# and sox: the speech its measurements (make apm-data) are built from;
# tmux: the terminal client's end-to-end test. The GL and X11 headers:
# the desktop front end (Fyne, through go-gl/glfw); xvfb, xdotool and
# x11-apps (xwd): its end-to-end test and benchmark without a display.
# pulseaudio: a private sound server with null sinks, the sound devices
# the media/audio and hot-plug tests run against on machines without one.
# dpkg-dev, desktop-file-utils, appstream, rpm, man-db and file: building
# the packages (dependencies by dpkg-shlibdeps) and checking them; wixl and
# msitools: the Windows installer. vpx-tools: vpxenc, the reference the
# simulcast benchmark compares our VP8 encoding with (scripts/bench-simulcast.sh).
# libturbojpeg0-dev: media/camera decodes webcams' MJPEG with it.
# libyuv-dev: media converts decoded pictures to RGBA for the screen with it.
packages=(gcc g++ pkg-config libvpx-dev libopus-dev libopusfile-dev libturbojpeg0-dev libyuv-dev
  libwebrtc-audio-processing-dev libspeexdsp-dev espeak-ng sox tmux
  libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
  libxi-dev libxxf86vm-dev xvfb xdotool x11-apps pulseaudio
  dpkg-dev desktop-file-utils appstream rpm man-db file wixl msitools vpx-tools)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "causerie: missing packages ${missing[*]}; install them with your system's package manager" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "causerie: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "causerie: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
