#!/usr/bin/env bash
# Builds Causerie's Linux packages into dist/ (`make package`):
#   causerie_<version>_<arch>.deb, causerie-<version>-1.<arch>.rpm and
#   causerie-<version>-linux-<arch>.tar.gz,
# each with the binary, the desktop entry (which registers the causerie://
# URL scheme), the icons from 16 to 512 pixels, the AppStream metadata and
# the manual page. The version comes from git; the application ID (file
# names of the desktop entry, metadata and icons) from FyneApp.toml.
#
# The .deb depends on the Debian packages of the shared libraries the
# binary links, as dpkg-shlibdeps finds them on this machine; the .rpm on
# the same libraries by their sonames, as rpm-based systems provide them.
# So build on the oldest distribution you deploy to: the packages need
# that distribution's libraries (libvpx7 on Debian 12, …).
#
# nfpm (github.com/goreleaser/nfpm) writes the .deb and .rpm: built once
# from the Go module proxy into the shared cache, like the test SFU.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
NFPM_VERSION=v2.45.2
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/causerie}
NFPM=$CACHE_DIR/nfpm-$NFPM_VERSION/nfpm
DIST=${DIST:-dist}
# Whoever builds the packages for their users names themselves here.
maintainer=${PACKAGE_MAINTAINER:-Causerie <noreply@causerie.invalid>}

if [ ! -x "$NFPM" ]; then
  echo "causerie: building nfpm $NFPM_VERSION (once)" >&2
  (cd / && GOBIN="$(dirname "$NFPM")" GOFLAGS= "$GO" install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION")
fi

# What the build is.
toml() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\(.*\)\"[[:space:]]*$/\1/p" FyneApp.toml | head -n1; }
app_id=$(toml ID)
base_version=$(toml Version)
[ -n "$app_id" ] && [ -n "$base_version" ] || { echo "causerie: FyneApp.toml has no ID or Version" >&2; exit 1; }
describe=$(git describe --tags --always --dirty)
commit=$(git rev-parse HEAD)
commit_time=$(git log -1 --format=%cI)
commit_epoch=$(git log -1 --format=%ct)
# Files in the packages carry the commit's time, so the same commit makes
# the same archives (the binary's build time is in --version).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$commit_epoch}
build_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
release_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
short=$(git rev-parse --short=7 HEAD)

# The package version sorts as the builds do, for dpkg and rpm alike: a
# tagged release is its tag (v1.2.0 → 1.2.0); commits after a tag come
# after it (1.2.0+git3.1a2b3c4); before any tag, the version FyneApp.toml
# announces, as a pre-release of it (0.1.0~git42.1a2b3c4, "~" sorting
# before 0.1.0 itself). Uncommitted changes add ".dirty".
if tag=$(git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null); then
  pkg_version=${tag#v}
elif tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then
  pkg_version="${tag#v}+git$(git rev-list --count "$tag..HEAD").$short"
else
  pkg_version="$base_version~git$(git rev-list --count HEAD).$short"
fi
case $describe in *-dirty) pkg_version+=.dirty ;; esac
arch=$("$GO" env GOARCH)

# The tree the packages install, staged where dpkg-shlibdeps expects a
# package's files.
build=$DIST/build
root=$build/debian/causerie
rm -rf "$build"
mkdir -p "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/metainfo" \
  "$root/usr/share/man/man1" "$root/usr/share/icons/hicolor"

echo "causerie: building $describe as package version $pkg_version" >&2
# -trimpath: no build machine paths in the binary, and a build cache that
# a clone in another directory reuses; -s -w: no symbol table or DWARF
# (panics still name their functions).
"$GO" build -trimpath \
  -ldflags "-s -w -X main.version=$describe -X main.commit=$commit -X main.commitTime=$commit_time -X main.buildTime=$build_time" \
  -o "$root/usr/bin/causerie" ./cmd/causerie

"$GO" run ./packaging/icons -in assets/icon.png -out "$root/usr/share/icons/hicolor" -name "$app_id"
sed "s/@APP_ID@/$app_id/g" packaging/causerie.desktop >"$root/usr/share/applications/$app_id.desktop"
sed -e "s/@APP_ID@/$app_id/g" -e "s/@VERSION@/$pkg_version/g" -e "s/@DATE@/$release_date/g" \
  packaging/causerie.metainfo.xml >"$root/usr/share/metainfo/$app_id.metainfo.xml"
"$GO" run ./packaging/manpage -bin "$root/usr/bin/causerie" -in packaging/causerie.1.in \
  -version "$pkg_version" -date "$release_date" | gzip -9n >"$root/usr/share/man/man1/causerie.1.gz"

# Modes as installed, whatever the umask of this checkout.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/bin/causerie"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# Dependencies: Debian packages from dpkg-shlibdeps; for rpm, the sonames
# the binary needs ("libvpx.so.7()(64bit)"), which is how rpm states a
# library dependency.
printf 'Source: causerie\n\nPackage: causerie\nArchitecture: any\n' >"$build/debian/control"
# (It looks for the package's directory by its DEBIAN control directory.)
mkdir "$root/DEBIAN"
deb_depends=$(cd "$build" && dpkg-shlibdeps -O debian/causerie/usr/bin/causerie | sed -n 's/^shlibs:Depends=//p')
rmdir "$root/DEBIAN"
rpm_suffix=""
case $arch in amd64 | arm64 | ppc64le | s390x | riscv64) rpm_suffix="(64bit)" ;; esac
mapfile -t sonames < <(objdump -p "$root/usr/bin/causerie" | awk '$1 == "NEEDED" { print $2 }')

# nfpm's configuration, written out whole: every file listed with its
# mode (directories like /usr/bin belong to the system, not to us).
# zstd: a tenth of xz's time for 6 % more bytes; dpkg reads it since
# Debian 12 and Ubuntu 21.10 (the libraries the binary needs are no
# older), rpm since 4.14.
config=$build/nfpm.yaml
{
  cat <<EOF
name: causerie
arch: $arch
platform: linux
version: "$pkg_version"
version_schema: none
release: "1"
section: net
priority: optional
maintainer: "$maintainer"
description: |-
  Desktop and terminal client for Visio meetings
  Causerie takes part in meetings of Visio, the French state's
  video-conferencing service (La Suite Meet), and of any compatible
  LiveKit server: camera, microphone, chat, reactions, raised hands,
  captions. It opens causerie:// and https:// meeting links.
mtime: "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
deb:
  compression: zstd
rpm:
  summary: Desktop and terminal client for Visio meetings
  group: Applications/Internet
  compression: zstd
overrides:
  deb:
    depends:
EOF
  IFS=',' read -ra deps <<<"$deb_depends"
  for d in "${deps[@]}"; do printf '      - "%s"\n' "$(echo "$d" | sed 's/^ *//; s/ *$//')"; done
  printf '  rpm:\n    depends:\n'
  for s in "${sonames[@]}"; do printf '      - "%s()%s"\n' "$s" "$rpm_suffix"; done
  printf 'contents:\n'
  (cd "$root" && find . -type f | LC_ALL=C sort) | while read -r f; do
    f=${f#.}
    mode=0644
    [ "$f" = /usr/bin/causerie ] && mode=0755
    printf '  - src: "%s"\n    dst: "%s"\n    file_info:\n      mode: %s\n      owner: root\n      group: root\n' "$root$f" "$f" "$mode"
  done
} >"$config"

mkdir -p "$DIST"
rm -f "$DIST"/causerie_*.deb "$DIST"/causerie-*.rpm "$DIST"/causerie-*.tar.gz
"$NFPM" package --config "$config" --packager deb --target "$DIST/" >&2
"$NFPM" package --config "$config" --packager rpm --target "$DIST/" >&2

# The archive: the same tree under causerie-<version>/, to unpack into a
# prefix (tar -C /usr/local --strip-components=1 -xzf …, or ~/.local).
tarname=causerie-$pkg_version-linux-$arch
tar -C "$root/usr" --transform "s,^\.,$tarname," --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime="@$SOURCE_DATE_EPOCH" -czf "$DIST/$tarname.tar.gz" .

ls -l "$DIST"/causerie_*.deb "$DIST"/causerie-*.rpm "$DIST/$tarname.tar.gz" >&2
