package main

import (
	"errors"
	"strings"
	"testing"
)

// What the flag package prints for `causerie join -h`, cut short.
const joinHelp = `Usage of causerie join:
  -auto-gain
    	bring the microphone's speech to a steady level (default true)
  -camera string
    	camera: test (synthetic) or none (default "test")
  -echo-cancel
    	cancel the speaker's echo in the microphone (--echo-cancel=false to switch off) (default true)
  -stats-json string
    	write statistics as JSON to this file when leaving
`

func TestOptions(t *testing.T) {
	got, err := options(joinHelp)
	if err != nil {
		t.Fatal(err)
	}
	want := `.TP
.B \-\-auto\-gain
bring the microphone's speech to a steady level (default true)
.TP
.BI \-\-camera " string"
camera: test (synthetic) or none (default "test")
.TP
.B \-\-echo\-cancel
cancel the speaker's echo in the microphone (\-\-echo-cancel=false to switch off) (default true)
.TP
.BI \-\-stats\-json " string"
write statistics as JSON to this file when leaving
`
	if got != want {
		t.Errorf("options:\n%s\nwant\n%s", got, want)
	}
	if _, err := options("Unknown command “frob”.\n"); err == nil {
		t.Error("a help text without options was accepted")
	}
}

func TestRoffEscape(t *testing.T) {
	for in, want := range map[string]string{
		`a\b`:              `a\eb`,
		"--proxy URL":      `\-\-proxy URL`,
		"(-1 to disable)":  `(\-1 to disable)`,
		"right-hand side":  "right-hand side",
		`"--name" or “-n”`: `"\-\-name" or “\-n”`,
	} {
		if got := roffEscape(in); got != want {
			t.Errorf("roffEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRender(t *testing.T) {
	tmpl := ".TH CAUSERIE 1 \"@DATE@\" \"Causerie @VERSION@\"\n.SS join\n.\\\" @OPTIONS join@\n.SH END\n"
	page, err := render(tmpl, "1.0-rc1", "2026-11-27", func(cmd string) (string, error) {
		if cmd != "join" {
			return "", errors.New("unknown command")
		}
		return joinHelp, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH CAUSERIE 1 "2026-11-27" "Causerie 1.0-rc1"`, ".SS join\n.TP\n.B \\-\\-auto\\-gain\n", "\n.SH END\n"} {
		if !strings.Contains(page, want) {
			t.Errorf("no %q in\n%s", want, page)
		}
	}
	if strings.Contains(page, "@OPTIONS") {
		t.Errorf("placeholder left in\n%s", page)
	}
	// A command the binary does not have fails the page.
	if _, err := render(".\\\" @OPTIONS frob@\n", "1", "2026-11-27", func(string) (string, error) { return "", errors.New("unknown command") }); err == nil {
		t.Error("a missing command was not reported")
	}
}
