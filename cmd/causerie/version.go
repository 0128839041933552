package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"causerie/media/opus"
	"causerie/media/vpx"
	"causerie/ui/i18n"
)

// What the build says of itself, set at link time by `make build` and
// scripts/package.sh (-ldflags "-X main.version=…"): the checkout's
// `git describe --tags --always --dirty`, the full commit, the commit's
// time and, for packages, when the binary was built (RFC 3339, UTC). A
// binary built without them (go build, go install) tells what Go recorded
// of the checkout instead (runtime/debug: vcs.revision, vcs.time,
// vcs.modified), when it recorded it.
var (
	version    string
	commit     string
	commitTime string
	buildTime  string
)

// buildInfo is what `causerie --version` tells.
type buildInfo struct {
	Version    string // "v0.1.0-3-g1a2b3c4", "1a2b3c4-dirty"; empty if unknown
	Commit     string // the full hash; empty if unknown
	CommitTime string
	Modified   bool // built from a checkout with uncommitted changes
	BuildTime  string
	GoVersion  string
	Platform   string // GOOS/GOARCH
}

// currentBuild is this binary's build information.
func currentBuild() buildInfo {
	bi, _ := debug.ReadBuildInfo()
	return resolveBuild(version, commit, commitTime, buildTime, bi)
}

// resolveBuild prefers the values given at link time and fills the rest
// from Go's record of the build.
func resolveBuild(ver, rev, revTime, built string, bi *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: ver, Commit: rev, CommitTime: revTime, BuildTime: built,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		Modified: strings.HasSuffix(ver, "-dirty")}
	if bi == nil {
		return b
	}
	var vcsModified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = s.Value
			}
		case "vcs.time":
			if b.CommitTime == "" {
				b.CommitTime = s.Value
			}
		case "vcs.modified":
			vcsModified = s.Value == "true"
		}
	}
	if b.Version == "" {
		b.Modified = vcsModified
		switch {
		case bi.Main.Version != "" && bi.Main.Version != "(devel)":
			b.Version = bi.Main.Version // go install module@version
		case b.Commit != "":
			b.Version = b.Commit[:min(len(b.Commit), 12)]
			if b.Modified {
				b.Version += "-dirty"
			}
		}
	}
	return b
}

// libraries are the C libraries the media engine links, with the version
// each reports at run time: the shared library actually loaded, which a
// system update may have changed since the build.
func libraries() []string {
	return []string{"libvpx " + vpx.LibraryVersion(), opus.LibraryVersion()}
}

// runVersion is `causerie version` and `causerie --version`.
func runVersion(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	fs := flag.NewFlagSet("causerie version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", err))
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, p.T("cli.bad_flag", "detail", fs.Arg(0)))
		return exitUsage
	}
	writeVersion(stdout, p, currentBuild(), libraries())
	return exitOK
}

// writeVersion prints build information, one fact a line.
func writeVersion(w io.Writer, p *i18n.Printer, b buildInfo, libs []string) {
	unknown := p.T("version.unknown")
	or := func(s string) string {
		if s == "" {
			return unknown
		}
		return s
	}
	fmt.Fprintln(w, p.T("version.title", "version", or(b.Version)))
	if b.CommitTime != "" {
		fmt.Fprintln(w, p.T("version.commit_time", "commit", or(b.Commit), "time", b.CommitTime))
	} else {
		fmt.Fprintln(w, p.T("version.commit", "commit", or(b.Commit)))
	}
	if b.Modified {
		fmt.Fprintln(w, p.T("version.modified"))
	}
	if b.BuildTime != "" {
		fmt.Fprintln(w, p.T("version.built_time", "time", b.BuildTime, "go", b.GoVersion, "platform", b.Platform))
	} else {
		fmt.Fprintln(w, p.T("version.built", "go", b.GoVersion, "platform", b.Platform))
	}
	fmt.Fprintln(w, p.T("version.libraries", "libraries", strings.Join(libs, ", ")))
}
