package main

import (
	"bytes"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"causerie/ui/i18n"
)

func TestResolveBuild(t *testing.T) {
	vcs := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"},
		{Key: "vcs.time", Value: "2026-11-27T05:02:11Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	for name, tc := range map[string]struct {
		ver, rev, revTime, built string
		bi                       *debug.BuildInfo
		want                     buildInfo
	}{
		"injected": {"v0.1.0-3-g1a2b3c4-dirty", "1a2b3c4d", "2026-11-27T05:02:11+01:00", "2026-11-27T08:00:00Z", vcs,
			buildInfo{Version: "v0.1.0-3-g1a2b3c4-dirty", Commit: "1a2b3c4d", CommitTime: "2026-11-27T05:02:11+01:00", Modified: true, BuildTime: "2026-11-27T08:00:00Z"}},
		"from go's record": {"", "", "", "", vcs,
			buildInfo{Version: "1a2b3c4d5e6f-dirty", Commit: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d", CommitTime: "2026-11-27T05:02:11Z", Modified: true}},
		"go install at a version": {"", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}},
			buildInfo{Version: "v0.2.0"}},
		"nothing known": {"", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, buildInfo{}},
	} {
		got := resolveBuild(tc.ver, tc.rev, tc.revTime, tc.built, tc.bi)
		tc.want.GoVersion, tc.want.Platform = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, tc.want)
		}
	}
}

func TestWriteVersion(t *testing.T) {
	b := buildInfo{Version: "v0.1.0-dirty", Commit: "1a2b3c4d", CommitTime: "2026-11-27T05:02:11Z", Modified: true,
		BuildTime: "2026-11-27T08:00:00Z", GoVersion: "go1.26.8", Platform: "linux/amd64"}
	var en, fr bytes.Buffer
	writeVersion(&en, i18n.New("en"), b, []string{"libvpx v1.12.0", "libopus 1.3.1"})
	want := "Causerie v0.1.0-dirty\nCommit: 1a2b3c4d (2026-11-27T05:02:11Z)\nBuilt from a checkout with uncommitted changes.\n" +
		"Built on 2026-11-27T08:00:00Z with go1.26.8 for linux/amd64\nLibraries: libvpx v1.12.0, libopus 1.3.1\n"
	if en.String() != want {
		t.Errorf("English:\n%s\nwant\n%s", en.String(), want)
	}
	writeVersion(&fr, i18n.New("fr"), buildInfo{GoVersion: "go1.26.8", Platform: "linux/amd64"}, []string{"libvpx v1.12.0"})
	want = "Causerie inconnu\nCommit : inconnu\nCompilé avec go1.26.8 pour linux/amd64\nBibliothèques : libvpx v1.12.0\n"
	if fr.String() != want {
		t.Errorf("French:\n%s\nwant\n%s", fr.String(), want)
	}
}

// The libraries report the versions of what is loaded, in their own
// formats.
func TestLibraryVersions(t *testing.T) {
	libs := libraries()
	pats := []string{`^libvpx v\d+\.\d+\.\d+`, `^libopus \d+\.\d+`}
	if len(libs) != len(pats) {
		t.Fatalf("libraries() = %q", libs)
	}
	for i, pat := range pats {
		if !regexp.MustCompile(pat).MatchString(libs[i]) {
			t.Errorf("library %d = %q, want %s", i, libs[i], pat)
		}
	}
}

// `causerie --version` and `causerie version`, as processes: the test
// binary carries no link-time version, so it tells what it knows and
// exits 0; an argument after it is a usage error.
func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"-version"}} {
		c := causerie(t, nil, args...)
		if code := c.wait(t, 20*time.Second); code != exitOK {
			t.Fatalf("%v: exit %d, stderr %s", args, code, c.stderr.String())
		}
		out := c.stdout.String()
		for _, want := range []string{"Causerie ", "Commit: ", "with " + runtime.Version() + " for " + runtime.GOOS + "/" + runtime.GOARCH, "Libraries: libvpx v"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: no %q in\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{{"version", "--json"}, {"version", "now"}} {
		c := causerie(t, nil, args...)
		if code := c.wait(t, 20*time.Second); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	c := causerie(t, nil, "version", "-h")
	if code := c.wait(t, 20*time.Second); code != exitOK || c.stdout.String() != "" {
		t.Errorf("version -h: exit %d, stdout %q; want 0 and nothing", code, c.stdout.String())
	}
}
