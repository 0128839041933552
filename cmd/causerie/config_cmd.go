package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"causerie/client/settings"
	"causerie/ui/i18n"
)

// runConfig is `causerie config`: the settings in effect, each with the
// layer it comes from, locked keys marked as managed by the organisation;
// with --check FILE, the problems of a settings or policy file, each with
// its line.
func runConfig(args []string, stdout, stderr io.Writer, p *i18n.Printer) int {
	fs := flag.NewFlagSet("causerie config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.String("check", "", "check a settings or policy `file`: print its problems with their lines, exit 1 if it has any")
	asJSON := fs.Bool("json", false, "print the settings as JSON, for scripts")
	lang := fs.String("lang", "", "language of messages: en or fr (default: the settings', else from the environment)")
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
	if *lang != "" {
		p = i18n.New(*lang)
	}
	if *check != "" {
		return checkFile(*check, stdout, p)
	}
	paths := settingsPaths()
	eff, err := settings.Load(settings.Options{Paths: paths})
	if *lang == "" && eff.Settings.UI.Language != "auto" {
		p = i18n.New(eff.Settings.UI.Language)
	}
	if *asJSON {
		b, jerr := json.MarshalIndent(configJSON(eff, err, paths), "", "  ")
		if jerr != nil {
			fmt.Fprintln(stderr, p.T("error.unexpected", "detail", jerr))
			return exitFailure
		}
		fmt.Fprintln(stdout, string(b))
		return exitOK
	}
	writeConfig(stdout, p, eff, err, paths)
	return exitOK
}

// checkFile is `causerie config --check FILE`.
func checkFile(path string, stdout io.Writer, p *i18n.Printer) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stdout, p.T("settings.config.check_unreadable", "file", path, "detail", errText(err)))
		return exitFailure
	}
	problems := settings.Check(path, data)
	for _, pr := range problems {
		fmt.Fprintln(stdout, problemText(p, pr))
	}
	if len(problems) > 0 {
		return exitFailure
	}
	fmt.Fprintln(stdout, p.T("settings.config.check_ok", "file", path))
	return exitOK
}

// logDir is where the log files are.
func logDir(eff *settings.Effective, paths settings.Paths) string {
	if d := eff.Settings.Logging.Directory; d != "" {
		return d
	}
	return paths.LogDir
}

// shownValue is a key's value as config and reports print it: TOML, with
// a proxy's password hidden.
func shownValue(eff *settings.Effective, key string) string {
	v := eff.Settings.Get(key)
	if s, ok := v.(string); ok && key == "network.http_proxy" {
		v = hidePassword(s)
	}
	return settings.Format(v)
}

// hidePassword replaces the password of a URL's user information.
func hidePassword(s string) string {
	full := s
	if !strings.Contains(s, "://") {
		full = "http://" + s
	}
	u, err := url.Parse(full)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		return strings.Replace(s, u.User.String()+"@", u.User.Username()+":[redacted]@", 1)
	}
	return s
}

// writeConfig prints the settings in effect as a table, with the files
// read, their problems, and the word on telemetry.
func writeConfig(w io.Writer, p *i18n.Printer, eff *settings.Effective, loadErr error, paths settings.Paths) {
	fmt.Fprintln(w, p.T("settings.config.title"))
	fmt.Fprintln(w)
	fmt.Fprintln(w, p.T("settings.config.sources"))
	var rows [][]string
	for _, s := range eff.Sources {
		state := ""
		if !s.Found {
			state = p.T("settings.config.absent")
		}
		rows = append(rows, []string{"  " + layerName(p, s.Layer), s.Name, state})
	}
	writeTable(w, rows)
	fmt.Fprintln(w)

	rows = [][]string{{p.T("settings.config.key"), p.T("settings.config.value"), p.T("settings.config.from")}}
	for _, k := range settings.Keys() {
		o := eff.Origin(k)
		from := layerName(p, o.Layer)
		if o.Where.Name != "" {
			from += " " + o.Where.String()
		}
		if eff.Locked(k) {
			from += " — " + p.T("settings.config.managed")
		}
		rows = append(rows, []string{k, shownValue(eff, k), from})
	}
	writeTable(w, rows)
	fmt.Fprintln(w)
	fmt.Fprintln(w, p.T("settings.config.logs", "dir", logDir(eff, paths)))
	if len(eff.Problems) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.T("settings.config.problems"))
		for _, pr := range eff.Problems {
			fmt.Fprintln(w, "  "+problemText(p, pr))
		}
	}
	if loadErr != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, settingsErrorText(p, loadErr))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, p.T("settings.config.telemetry"))
}

// writeTable writes rows in aligned columns, without trailing blanks.
func writeTable(w io.Writer, rows [][]string) {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	for _, l := range strings.SplitAfter(b.String(), "\n") {
		if l != "" {
			fmt.Fprintln(w, strings.TrimRight(l, " \n"))
		}
	}
}

func layerName(p *i18n.Printer, l settings.Layer) string {
	return p.T("settings.layer." + l.String())
}

// The JSON form of `causerie config --json`, for scripts and reports:
// language-neutral, problems in English.
type (
	configDoc struct {
		Sources      []configSource  `json:"sources"`
		Settings     []configSetting `json:"settings"`
		Problems     []configProblem `json:"problems"`
		PolicyError  string          `json:"policy_error,omitempty"`
		LogDirectory string          `json:"log_directory"`
		// Telemetry is always "none": Causerie has none.
		Telemetry string `json:"telemetry"`
	}
	configSource struct {
		Layer string `json:"layer"`
		Path  string `json:"path"`
		Found bool   `json:"found"`
	}
	configSetting struct {
		Key    string `json:"key"`
		Value  any    `json:"value"`
		Layer  string `json:"layer"`
		Where  string `json:"where,omitempty"`
		Locked bool   `json:"locked"`
	}
	configProblem struct {
		File    string `json:"file"`
		Line    int    `json:"line,omitempty"`
		Kind    string `json:"kind"`
		Key     string `json:"key,omitempty"`
		Message string `json:"message"`
	}
)

var problemKinds = map[settings.ProblemKind]string{
	settings.Syntax: "syntax", settings.UnknownKey: "unknown_key", settings.BadValue: "bad_value",
	settings.Duplicate: "duplicate", settings.Unreadable: "unreadable",
}

func configJSON(eff *settings.Effective, loadErr error, paths settings.Paths) configDoc {
	d := configDoc{Sources: []configSource{}, Settings: []configSetting{}, Problems: []configProblem{},
		LogDirectory: logDir(eff, paths), Telemetry: "none"}
	for _, s := range eff.Sources {
		d.Sources = append(d.Sources, configSource{Layer: s.Layer.String(), Path: s.Name, Found: s.Found})
	}
	for _, k := range settings.Keys() {
		o := eff.Origin(k)
		v := eff.Settings.Get(k)
		if s, ok := v.(string); ok && k == "network.http_proxy" {
			v = hidePassword(s)
		}
		d.Settings = append(d.Settings, configSetting{Key: k, Value: v, Layer: o.Layer.String(), Where: o.Where.String(), Locked: eff.Locked(k)})
	}
	for _, pr := range eff.Problems {
		d.Problems = append(d.Problems, configProblem{File: pr.Where.Name, Line: pr.Where.Line, Kind: problemKinds[pr.Kind], Key: pr.Key, Message: redact(pr.Error())})
	}
	if loadErr != nil {
		d.PolicyError = redact(loadErr.Error())
	}
	return d
}

// usageText is the command's usage: the meeting commands (cli.usage),
// then the ones for IT departments and support.
func usageText(p *i18n.Printer) string {
	// The desktop's line goes first among the meeting commands.
	head, rest, _ := strings.Cut(p.T("cli.usage"), "\n")
	return head + "\n" + p.T("gui.usage") + "\n" + rest + "\n\n" + p.T("settings.usage") + "\n" + p.T("network.usage") + "\n" + p.T("devices.usage")
}
