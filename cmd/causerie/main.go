// Command causerie is the Causerie conferencing client. This file and its
// siblings parse flags, wire the client together and are the only code
// that exits the process.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"causerie/client"
	"causerie/client/visio"
	"causerie/ui/i18n"
)

// processStart is as close to the start of the process as Go lets us
// observe; join_ms and first_remote_video_ms count from it.
var processStart = time.Now()

// Exit statuses: each way a meeting can fail has its own, for scripts.
const (
	exitOK          = 0
	exitFailure     = 1 // the meeting failed otherwise: join failed, connection lost
	exitUsage       = 2 // the command line is wrong
	exitBadAddress  = 3 // malformed server URL or meeting link
	exitUnreachable = 4 // the SFU or the meeting's API does not answer
	exitRefused     = 5 // token or login refused, or no such meeting
	exitDenied      = 6 // turned away at the lobby, or nobody let us in
	exitEnded       = 7 // the room was closed or we were removed
	exitPolicy      = 8 // the organisation's settings forbid it: host not allowed, locked setting, unreadable policy
)

// exitCode tells the status of a failed meeting.
func exitCode(err error) int {
	switch {
	case errors.Is(err, client.ErrBadURL), errors.Is(err, visio.ErrBadLink):
		return exitBadAddress
	case errors.Is(err, client.ErrUnreachable), errors.Is(err, visio.ErrUnreachable):
		return exitUnreachable
	case errors.Is(err, client.ErrTokenRefused), errors.Is(err, visio.ErrUnauthorized), errors.Is(err, visio.ErrRoomNotFound):
		return exitRefused
	case errors.Is(err, visio.ErrDenied), errors.Is(err, visio.ErrLobbyTimeout):
		return exitDenied
	case errors.Is(err, client.ErrRoomClosed), errors.Is(err, client.ErrRemoved), errors.Is(err, client.ErrDuplicateIdentity):
		return exitEnded
	}
	return exitFailure
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	p := i18n.FromEnv()
	if len(args) == 0 {
		key, args := displayProblem()
		if key == "" {
			return runGUI(nil, stdout, stderr, p)
		}
		if os.Getenv("DISPLAY") != "" {
			// A window was expected: say why there is none.
			fmt.Fprintln(stderr, p.T(key, args...))
		}
		fmt.Fprintln(stderr, usage(p))
		return exitUsage
	}
	switch args[0] {
	case "gui":
		return runGUI(args[1:], stdout, stderr, p)
	case "join":
		return runJoin(args[1:], stdout, stderr, p)
	case "tui":
		return runTUI(args[1:], stdout, stderr, p)
	case "demo":
		return runDemo(args[1:], stdout, stderr, p)
	case "devices":
		return runDevices(args[1:], stdout, stderr, p)
	case "config":
		return runConfig(args[1:], stdout, stderr, p)
	case "report":
		return runReport(args[1:], stdout, stderr, p)
	case "diagnose":
		return runDiagnose(args[1:], stdout, stderr, p)
	case "version", "--version", "-version":
		return runVersion(args[1:], stdout, stderr, p)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage(p))
		return exitOK
	default:
		if isLinkArg(args[0]) {
			return runLink(args, stdout, stderr, p, defaultLinkRun(stdout, stderr, p))
		}
		fmt.Fprintln(stderr, p.T("cli.unknown_command", "name", args[0]))
		fmt.Fprintln(stderr, usage(p))
		return exitUsage
	}
}
