#!/usr/bin/env bash
# Builds Causerie's Windows installer from a Windows build:
#
#   scripts/package-windows.sh DIR
#
# DIR holds causerie.exe and the DLLs it loads, as built on Windows (see
# the README's "Packages": MSYS2's MinGW-w64 toolchain and libraries).
# Writes dist/causerie-<version>-windows-x64.msi with wixl (Debian's wixl
# package, from msitools), here or on Windows: the installer's definition
# is packaging/windows/causerie.wxs.
#
# Windows needs a numeric version (major.minor.build, each part bounded):
# a tag v1.2.3 gives 1.2.3; without a tag, FyneApp.toml's Version. Builds
# between two versions carry the same number: uninstall one before
# installing the next.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
DIST=${DIST:-dist}
src=${1:?usage: scripts/package-windows.sh DIR (causerie.exe and its DLLs)}
[ -f "$src/causerie.exe" ] || { echo "causerie: no causerie.exe in $src" >&2; exit 1; }

toml() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\(.*\)\"[[:space:]]*$/\1/p" FyneApp.toml | head -n1; }
if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then
  version=${tag#v}
else
  version=$(toml Version)
fi
version=${version%%[-+~]*}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "causerie: version $version is not major.minor.build" >&2; exit 1; }

stage=$DIST/windows
rm -rf "$stage"
mkdir -p "$stage"
cp "$src/causerie.exe" "$stage/"
shopt -s nullglob
dlls=("$src"/*.dll)
[ ${#dlls[@]} -eq 0 ] || cp "${dlls[@]}" "$stage/"
"$GO" run ./packaging/icons -in assets/icon.png -ico "$stage/causerie.ico"

# The DLLs as one component group, whatever the build brought.
stage_abs=$(cd "$stage" && pwd)
find "$stage_abs" -maxdepth 1 -iname '*.dll' | LC_ALL=C sort |
  wixl-heat -p "$stage_abs/" --var var.SourceDir --directory-ref INSTALLDIR --component-group Libraries --win64 \
    >"$DIST/windows-libraries.wxs"

msi=$DIST/causerie-$version-windows-x64.msi
# wixl finds sources by relative paths only.
wixl -a x64 -D "Version=$version" -D "SourceDir=$(realpath --relative-to=. "$stage")" -D Win64=yes -o "$msi" \
  packaging/windows/causerie.wxs "$DIST/windows-libraries.wxs"
ls -l "$msi" >&2
