#!/usr/bin/env bash
# Builds webrtc-audio-processing 1.3 (AEC3, the new noise suppressor,
# AGC2) from Debian 13's source package into the shared cache, for
# media/apm's `apm1` build tag: Debian 12 packages only the 0.3 module.
# Prints the PKG_CONFIG_PATH to build with:
#
#   export $(scripts/apm1-build.sh)
#   APM_MEASURE=1 go test -tags apm1 -run '^TestMeasure$' -v ./media/apm
#
# The library is static (libwebrtc-audio-processing-1.a), so that:
#   - a binary built with it needs nothing at run time that Debian 12 lacks
#     (it still links Debian 12's shared abseil, libabsl20220623);
#   - it can sit in one process with Debian's 0.3 library, which the
#     default processor links: both define the same webrtc:: names, and
#     two shared libraries would bind each other's calls. Every symbol is
#     compiled hidden, so nothing of 1.3 is exported from the executable
#     to interpose on 0.3.
#
# Needs meson, ninja-build, pkgconf and libabsl-dev. Idempotent: once the
# prefix holds this build, it only prints the path. One compile job unless
# APM1_JOBS says otherwise: 4.5 minutes on the 2-core reference machine
# (230 s of CPU), 2.6 MB of static libraries.
#
# APM1_SOURCE_DIR may name an unpacked 1.3 source tree to build instead of
# the checksummed tarball (for a machine whose mirror does not serve it);
# it is not verified, and the script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.3
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/causerie}
PREFIX=$CACHE_DIR/webrtc-audio-processing-$VERSION
PCDIR=$PREFIX/lib/pkgconfig
POOL=http://deb.debian.org/debian/pool/main/w/webrtc-audio-processing
TARBALL=webrtc-audio-processing_$VERSION.orig.tar.gz
TARBALL_SHA256=95552fc17faa0202133707bbb3727e8c2cf64d4266fe31bfdb2298d769c1db75
# Debian 13's packaging (1.3-3). By its changelog, its patches add
# <stdint.h> includes GCC 13 wants (Debian 12 has GCC 12), fix the i386
# and mips64el builds and decode base64-encoded third-party files; the
# upstream 1.3 tree builds on Debian 12 amd64 without any (the tarball
# itself could not be tried: the mirror this was written on refused it).
# The packaging is fetched and checked only when APM1_DEBIAN=1, to read.
DEBIAN_TAR=webrtc-audio-processing_$VERSION-3.debian.tar.xz
DEBIAN_SHA256=2332c5f010c0f6e56f2f93a5c2be87c596cabae05a323dffc5a558750a5906d0
JOBS=${APM1_JOBS:-1}
# What the installed build was made from and how; a different recipe
# rebuilds.
RECIPE="$VERSION $TARBALL_SHA256 static hidden2 O2 ${APM1_SOURCE_DIR:+unverified:$APM1_SOURCE_DIR}"

say() { echo "apm1-build: $*" >&2; }

if [ -f "$PREFIX/.recipe" ] && [ "$(cat "$PREFIX/.recipe")" = "$RECIPE" ] &&
  [ -f "$PCDIR/webrtc-audio-processing-1.pc" ]; then
  echo "PKG_CONFIG_PATH=$PCDIR"
  exit 0
fi

missing=()
for tool in meson ninja pkg-config curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
pkg-config --exists absl_base absl_flags absl_strings absl_synchronization 2>/dev/null ||
  missing+=(libabsl-dev)
if [ ${#missing[@]} -gt 0 ]; then
  say "missing ${missing[*]}; on Debian: apt-get install meson ninja-build pkgconf libabsl-dev curl"
  exit 1
fi

# fetch NAME SHA256: downloads NAME from Debian's pool into the cache once
# and checks it; a file that does not match is removed.
fetch() {
  local name=$1 sum=$2 dest=$CACHE_DIR/src/$1
  mkdir -p "$CACHE_DIR/src"
  if [ ! -f "$dest" ]; then
    say "downloading $POOL/$name"
    if ! curl -fsSL --retry 2 -o "$dest.part" "$POOL/$name"; then
      rm -f "$dest.part"
      say "cannot download $name from Debian's pool"
      return 1
    fi
    mv "$dest.part" "$dest"
  fi
  if ! echo "$sum  $dest" | sha256sum -c --status; then
    say "$name: checksum mismatch, removed; want sha256 $sum"
    rm -f "$dest"
    return 1
  fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/apm1-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -n "${APM1_SOURCE_DIR:-}" ]; then
  [ -f "$APM1_SOURCE_DIR/meson.build" ] &&
    grep -q "version : '$VERSION'" "$APM1_SOURCE_DIR/meson.build" || {
    say "APM1_SOURCE_DIR=$APM1_SOURCE_DIR is not a webrtc-audio-processing $VERSION tree"
    exit 1
  }
  say "building the UNVERIFIED tree $APM1_SOURCE_DIR (no checksum)"
  src=$APM1_SOURCE_DIR
else
  fetch "$TARBALL" "$TARBALL_SHA256"
  if [ "${APM1_DEBIAN:-}" = 1 ]; then
    fetch "$DEBIAN_TAR" "$DEBIAN_SHA256"
  fi
  tar -xzf "$CACHE_DIR/src/$TARBALL" -C "$work"
  src=$(dirname "$(find "$work" -mindepth 2 -maxdepth 2 -name meson.build | head -1)")
fi

# Release build at -O2 as Debian builds it, static, every symbol hidden
# (see above). The project's meson files mark its API for export even in
# a static build (WEBRTC_ENABLE_SYMBOL_EXPORT, which comes after our
# flags); skipping rtc_export.h through its include guard and an empty
# RTC_EXPORT make those hidden too, as the header means a static build to
# be. --libdir=lib keeps the path independent of the multiarch triplet.
hide='-fvisibility=hidden -DRTC_BASE_SYSTEM_RTC_EXPORT_H_ -DRTC_EXPORT='
start=$(date +%s)
meson setup "$work/build" "$src" \
  --prefix="$PREFIX.tmp" --libdir=lib \
  --buildtype=release -Doptimization=2 -Db_ndebug=true \
  -Ddefault_library=static \
  -Dc_args="$hide" \
  -Dcpp_args="$hide -fvisibility-inlines-hidden" >"$work/setup.log" ||
  { cat "$work/setup.log" >&2; exit 1; }
say "compiling with $JOBS job(s)"
ninja -C "$work/build" -j "$JOBS" >"$work/build.log" || { tail -40 "$work/build.log" >&2; exit 1; }
rm -rf "$PREFIX.tmp"
meson install -C "$work/build" --quiet >/dev/null
# The .pc files name the temporary prefix; they must name the final one.
sed -i "s|$PREFIX.tmp|$PREFIX|g" "$PREFIX.tmp"/lib/pkgconfig/*.pc
echo "$RECIPE" >"$PREFIX.tmp/.recipe"
rm -rf "$PREFIX"
mv "$PREFIX.tmp" "$PREFIX"
say "built in $(($(date +%s) - start)) s into $PREFIX"
echo "PKG_CONFIG_PATH=$PCDIR"
