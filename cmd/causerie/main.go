// Command causerie is the Causerie conferencing client. This file and its
// siblings parse flags, wire the client together and are the only code
// that exits the process.
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"causerie/ui/i18n"
)

// processStart is as close to the start of the process as Go lets us
// observe; join_ms and first_remote_video_ms count from it.
var processStart = time.Now()

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the meeting failed: refused, unreachable, lost
	exitUsage   = 2 // the command line is wrong
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	p := i18n.FromEnv()
	if len(args) == 0 {
		fmt.Fprintln(stderr, p.T("cli.usage"))
		return exitUsage
	}
	switch args[0] {
	case "join":
		return runJoin(args[1:], stdout, stderr, p)
	case "demo":
		return runDemo(args[1:], stdout, stderr, p)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, p.T("cli.usage"))
		return exitOK
	default:
		fmt.Fprintln(stderr, p.T("cli.unknown_command", "name", args[0]))
		fmt.Fprintln(stderr, p.T("cli.usage"))
		return exitUsage
	}
}
