#!/usr/bin/env bash
# Builds the packages (scripts/package.sh) and checks them as a system
# would see them installed (`make test` runs it):
#   - the .deb unpacked into a scratch root (dpkg -x): every file where it
#     belongs with its mode and owner, the desktop entry valid
#     (desktop-file-validate) and registering causerie:// (as
#     update-desktop-database records it), the AppStream metadata valid
#     (appstreamcli validate), the icons at their sizes, the manual page
#     readable and listing every option, the dependencies;
#   - the installed binary's --version, run from the scratch root;
#   - the .rpm: its header and file list (rpm -qip, -qlp), its contents
#     the same as the .deb's, its binary's --version;
#   - the .tar.gz: the same tree under one directory;
#   - the Windows installer's definition, on stand-in files.
# Prints "N passed, N failed" and exits 1 if any check failed.
# PACKAGE_TEST_DIST=dir checks the packages already in dir.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# PACKAGE_TEST_DIST checks packages already built there instead.
dist=${PACKAGE_TEST_DIST:-$scratch/dist}
[ -n "${PACKAGE_TEST_DIST:-}" ] || DIST=$dist scripts/package.sh

passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
check() { # check DESCRIPTION COMMAND...: the command succeeds
  local what=$1
  shift
  if out=$("$@" 2>&1); then ok; else fail "$what: $out"; fi
}

toml() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\(.*\)\"[[:space:]]*$/\1/p" FyneApp.toml | head -n1; }
app_id=$(toml ID)
describe=$(git describe --tags --always --dirty)

deb=$(ls "$dist"/causerie_*.deb)
rpm=$(ls "$dist"/causerie-*.rpm)
tgz=$(ls "$dist"/causerie-*.tar.gz)

# --- .deb ---------------------------------------------------------------
root=$scratch/root
dpkg-deb --info "$deb" >"$scratch/deb-info"
check "deb is named after its version" grep -q "^ Version: .*-1$" "$scratch/deb-info"
for dep in libvpx libopus0 libyuv0 libc6; do
  check "deb depends on $dep" grep -Eq "^ Depends:.*\b$dep" "$scratch/deb-info"
done
# Each dependency is installed here at the version asked for (read from
# dpkg's database: no lock taken, nothing changed).
depends=$(sed -n 's/^ Depends: //p' "$scratch/deb-info")
IFS=',' read -ra deps <<<"$depends"
for d in "${deps[@]}"; do
  name=$(awk '{print $1}' <<<"$d")
  op=$(sed -n 's/.*(\([<>=]*\) .*/\1/p' <<<"$d")
  want=$(sed -n 's/.*([<>=]* \(.*\)).*/\1/p' <<<"$d")
  have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
  case $op in ">=") op=ge ;; "<=") op=le ;; "=") op=eq ;; ">>") op=gt ;; "<<") op=lt ;; esac
  if [ -z "$have" ]; then
    fail "deb dependency $d: $name is not installed"
  elif [ -n "$op" ] && ! dpkg --compare-versions "$have" "$op" "$want"; then
    fail "deb dependency $d: $name is $have"
  else
    ok
  fi
done
dpkg -x "$deb" "$root"

want_files=(
  usr/bin/causerie
  "usr/share/applications/$app_id.desktop"
  "usr/share/metainfo/$app_id.metainfo.xml"
  usr/share/man/man1/causerie.1.gz
)
for n in 16 22 24 32 48 64 128 256 512; do
  want_files+=("usr/share/icons/hicolor/${n}x${n}/apps/$app_id.png")
done
for f in "${want_files[@]}"; do
  check "deb has /$f" test -f "$root/$f"
done
got_files=$( (cd "$root" && find . -type f | sed 's,^\./,,' | LC_ALL=C sort))
want_sorted=$(printf '%s\n' "${want_files[@]}" | LC_ALL=C sort)
check "deb has nothing else" test "$got_files" = "$want_sorted"

# Modes and owners as dpkg installs them, read from the archive itself.
dpkg-deb --contents "$deb" >"$scratch/deb-contents"
check "deb binary is root:root 0755" grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/causerie$' "$scratch/deb-contents"
bad=$(grep -v '^d' "$scratch/deb-contents" | grep -v '/usr/bin/causerie$' | grep -Ev '^-rw-r--r-- root/root ' || true)
check "deb data files are root:root 0644" test -z "$bad"
bad=$(grep '^d' "$scratch/deb-contents" | grep -Ev '^drwxr-xr-x root/root ' || true)
check "deb directories are root:root 0755" test -z "$bad"

# The desktop entry: valid, launching the binary with the link, and
# registering the URL scheme the way desktops look it up.
desktop=$root/usr/share/applications/$app_id.desktop
check "desktop entry validates" desktop-file-validate "$desktop"
check "desktop entry runs causerie %u" grep -qx 'Exec=causerie %u' "$desktop"
check "desktop entry names its icon" grep -qx "Icon=$app_id" "$desktop"
check "desktop entry has a French comment" grep -q '^Comment\[fr\]=' "$desktop"
check "desktop entry handles causerie://" grep -qx 'MimeType=x-scheme-handler/causerie;' "$desktop"
update-desktop-database "$root/usr/share/applications"
check "causerie:// is registered to the entry" grep -qx "x-scheme-handler/causerie=$app_id.desktop;" "$root/usr/share/applications/mimeinfo.cache"

metainfo=$root/usr/share/metainfo/$app_id.metainfo.xml
check "AppStream metadata validates" appstreamcli validate --no-net --pedantic "$metainfo"
check "AppStream id is the app's" grep -q "<id>$app_id</id>" "$metainfo"
check "AppStream launches the desktop entry" grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo"
check "AppStream has no placeholder left" bash -c "! grep -q @ '$metainfo'"

for n in 16 22 24 32 48 64 128 256 512; do
  check "icon ${n}px" bash -c "file '$root/usr/share/icons/hicolor/${n}x${n}/apps/$app_id.png' | grep -q 'PNG image data, $n x $n, 8-bit/color RGBA'"
done

# The installed binary runs from the scratch root (the shared libraries
# are this machine's) and tells the commit it was built from.
version_out=$("$root/usr/bin/causerie" --version 2>&1) || fail "installed causerie --version: $version_out"
check "--version names the build" grep -qx "Causerie $describe" <<<"$version_out"
check "--version names the commit" grep -q "^Commit: $(git rev-parse HEAD) (" <<<"$version_out"
check "--version names the build time" grep -Eq "^Built on [0-9]{4}-[0-9]{2}-[0-9]{2}T.* for linux/" <<<"$version_out"
check "--version names the libraries" grep -Eq "^Libraries: libvpx v[0-9.]+, libopus [0-9]" <<<"$version_out"
fr_out=$(LC_ALL=fr_FR.UTF-8 "$root/usr/bin/causerie" version 2>&1)
check "version in French" grep -q "^Bibliothèques : libvpx" <<<"$fr_out"

# The manual page: formats without warnings and lists every option of
# every command the binary has.
man_text=$(zcat "$root/usr/share/man/man1/causerie.1.gz" | MANWIDTH=100 LC_ALL=C.UTF-8 man --warnings -l - 2>"$scratch/man-warnings")
check "man page formats without warnings" test ! -s "$scratch/man-warnings"
check "man page has its sections" bash -c "grep -q '^NAME' <<<\"\$0\" && grep -q '^EXIT STATUS' <<<\"\$0\" && grep -q '^MEETING LINKS' <<<\"\$0\"" "$man_text"
# The commands are those the usage names ("causerie [gui] …", "causerie
# join …").
commands=$(LC_ALL=C "$root/usr/bin/causerie" help 2>/dev/null | sed -n 's/^  causerie \[\{0,1\}\([a-z][a-z]*\)[] ].*/\1/p' | sort -u)
check "usage names the commands" test "$(wc -w <<<"$commands")" -ge 5
for cmd in $commands; do
  opts=$("$root/usr/bin/causerie" "$cmd" -h 2>&1 | sed -n 's/^  -\([a-z-]*\).*/\1/p')
  [ -n "$opts" ] || continue
  check "man page has a section for $cmd" grep -q "^   $cmd\$" <<<"$man_text"
  for opt in $opts; do
    check "man page documents $cmd --$opt" grep -q -- "--$opt" <<<"$man_text"
  done
done

# --- .rpm ---------------------------------------------------------------
# Queries use a database of their own: Debian's rpm would otherwise make
# one in the home directory.
rq() { rpm --dbpath "$scratch/rpmdb" "$@" 2>/dev/null; }
rpm_info=$(rq -qip "$rpm")
check "rpm is named causerie" grep -q '^Name *: causerie$' <<<"$rpm_info"
check "rpm has a summary" grep -q '^Summary *: Desktop and terminal client for Visio meetings$' <<<"$rpm_info"
rpm_files=$(rq -qlp "$rpm" | sed 's,^/,,' | LC_ALL=C sort)
check "rpm has the .deb's files" test "$rpm_files" = "$want_sorted"
rpm_requires=$(rq -qp --requires "$rpm")
check "rpm requires libvpx by soname" grep -q '^libvpx\.so\.[0-9]*()(64bit)$' <<<"$rpm_requires"
rpm_modes=$(rq -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpm")
check "rpm binary is root:root 0755" grep -qx -- '-rwxr-xr-x root:root /usr/bin/causerie' <<<"$rpm_modes"
# Installed by rpm itself into a scratch root (without its dependencies,
# which that root lacks; Debian's rpm warns that it is not the system's
# package manager), then verified: every file's digest, mode and owner.
rroot=$scratch/rpmroot
mkdir -p "$rroot"
check "rpm installs" rpm --root "$rroot" --dbpath /var/lib/rpm --initdb
check "rpm installs" rpm --root "$rroot" --dbpath /var/lib/rpm -i --nodeps "$rpm"
check "rpm verifies once installed" rpm --root "$rroot" --dbpath /var/lib/rpm -V --nodeps causerie
check "rpm's desktop entry is the .deb's" cmp "$rroot/usr/share/applications/$app_id.desktop" "$desktop"
check "rpm's binary runs" "$rroot/usr/bin/causerie" --version

# --- .tar.gz --------------------------------------------------------------
tar_files=$(tar -tzf "$tgz" | grep -v '/$' | sed 's,^[^/]*/,usr/,' | LC_ALL=C sort)
check "tar.gz has the .deb's files under one directory" test "$tar_files" = "$want_sorted"
check "tar.gz binary is executable" bash -c "tar -tvzf '$tgz' | grep -Eq '^-rwxr-xr-x 0/0 .*/bin/causerie$'"

# --- Windows installer ---------------------------------------------------
# No Windows binary can be built here (Debian has no MinGW builds of
# libvpx, libopus or webrtc-audio-processing), so this checks the
# installer's definition and script on stand-in files: that wixl builds
# it, installs the program and its DLLs, and registers causerie://.
win=$scratch/win
mkdir -p "$win/in"
printf 'stand-in\n' >"$win/in/causerie.exe"
printf 'stand-in\n' >"$win/in/libvpx-1.dll"
check "MSI builds" env DIST="$win/dist" scripts/package-windows.sh "$win/in"
msi=$(ls "$win"/dist/causerie-*-windows-x64.msi 2>/dev/null || true)
if [ -n "$msi" ]; then
  msi_registry=$(msiinfo export "$msi" Registry)
  check "MSI registers causerie:// as a URL scheme (HKLM)" grep -qF $'\t2\tSoftware\\Classes\\causerie\\\tURL Protocol\t' <<<"$msi_registry"
  check "MSI opens causerie:// links with causerie.exe" grep -qF '"[INSTALLDIR]causerie.exe" "%1"' <<<"$msi_registry"
  msi_files=$(msiinfo export "$msi" File)
  check "MSI installs causerie.exe and its DLLs" bash -c "grep -q \$'\tcauserie.exe\t' <<<\"\$0\" && grep -q \$'\tlibvpx-1.dll\t' <<<\"\$0\"" "$msi_files"
  check "MSI has a Start menu entry" grep -q '^StartMenuShortcut' <<<"$(msiinfo export "$msi" Shortcut)"
fi

echo "package checks took $(($(date +%s) - started)) s (.deb $(du -h "$deb" | cut -f1), .rpm $(du -h "$rpm" | cut -f1), .tar.gz $(du -h "$tgz" | cut -f1))"
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
