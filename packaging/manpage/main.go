// Command manpage writes Causerie's manual page from its template
// (packaging/causerie.1.in): the version and date filled in, and each
// ".\" @OPTIONS command@" line replaced by that command's options as the
// built program prints them (`causerie COMMAND -h`), so the page lists
// exactly the options of the binary it ships with.
//
//	go run ./packaging/manpage -bin dist/stage/usr/bin/causerie -in packaging/causerie.1.in \
//	    -version 0.1.0 -date 2026-11-27 > causerie.1
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
)

func main() {
	bin := flag.String("bin", "", "the causerie binary whose options are listed")
	in := flag.String("in", "packaging/causerie.1.in", "the page's template")
	version := flag.String("version", "", "the version the page is for")
	date := flag.String("date", "", "the page's date, YYYY-MM-DD")
	flag.Parse()
	if *bin == "" || *version == "" || *date == "" {
		fmt.Fprintln(os.Stderr, "manpage: -bin, -version and -date are required")
		os.Exit(2)
	}
	tmpl, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "manpage:", err)
		os.Exit(1)
	}
	page, err := render(string(tmpl), *version, *date, func(cmd string) (string, error) { return help(*bin, cmd) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "manpage:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(page)
}

// optionsLine marks where a command's options go.
var optionsLine = regexp.MustCompile(`^\.\\" @OPTIONS ([a-z]+)@$`)

// render fills the template; helpOf returns a command's -h output.
func render(tmpl, version, date string, helpOf func(cmd string) (string, error)) (string, error) {
	tmpl = strings.NewReplacer("@VERSION@", roffEscape(version), "@DATE@", date).Replace(tmpl)
	var out strings.Builder
	for line := range strings.Lines(tmpl) {
		m := optionsLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil {
			out.WriteString(line)
			continue
		}
		h, err := helpOf(m[1])
		if err != nil {
			return "", err
		}
		opts, err := options(h)
		if err != nil {
			return "", fmt.Errorf("causerie %s -h: %w", m[1], err)
		}
		out.WriteString(opts)
	}
	return out.String(), nil
}

// help runs `bin cmd -h`, which prints the command's options on stderr
// in the flag package's format and exits 0.
func help(bin, cmd string) (string, error) {
	c := exec.Command(bin, cmd, "-h")
	c.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	var stderr bytes.Buffer
	c.Stdout, c.Stderr = io.Discard, &stderr
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("causerie %s -h: %v: %s", cmd, err, stderr.String())
	}
	return stderr.String(), nil
}

// options turns the flag package's description of options into roff.
// The flag package writes each option as "  -name [argument]" and its
// description below it, indented by four spaces and a tab; each becomes a
// tagged paragraph for --name, its argument in italics.
func options(help string) (string, error) {
	var out strings.Builder
	n := 0
	sc := bufio.NewScanner(strings.NewReader(help))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "  -"):
			name, arg, _ := strings.Cut(strings.TrimPrefix(line, "  -"), " ")
			name = strings.ReplaceAll(roffEscape(name), "-", `\-`)
			out.WriteString(".TP\n")
			if arg == "" {
				fmt.Fprintf(&out, ".B \\-\\-%s\n", name)
			} else {
				fmt.Fprintf(&out, ".BI \\-\\-%s \" %s\"\n", name, roffEscape(arg))
			}
			n++
		case strings.HasPrefix(line, "    \t"):
			if n == 0 {
				return "", errors.New("a description before any option")
			}
			text := roffEscape(strings.TrimPrefix(line, "    \t"))
			if strings.HasPrefix(text, ".") || strings.HasPrefix(text, "'") {
				text = `\&` + text
			}
			out.WriteString(text + "\n")
		}
	}
	if n == 0 {
		return "", errors.New("no options found")
	}
	return out.String(), nil
}

// dashes are the dashes of options in running text ("--echo-cancel=false"):
// minus signs in roff, so that the text can be searched and copied.
var dashes = regexp.MustCompile(`(^|[\s(“"])(-+)`)

// roffEscape makes text safe in a roff line: backslashes printed as such,
// option dashes as minus signs.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return dashes.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.IndexByte(m, '-')
		return m[:i] + strings.ReplaceAll(m[i:], "-", `\-`)
	})
}
