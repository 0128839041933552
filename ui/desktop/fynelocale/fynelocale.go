// Package fynelocale keeps Fyne from complaining about the C locale.
//
// Fyne reads the user's locale while its packages initialise and logs
// "Fyne error: Error parsing user locale C" on stderr when it is "C" or
// "POSIX" (LANG=C.UTF-8 is Debian's default on servers): three lines of
// noise before every command of a GUI build, even `causerie join`. This
// package is initialised before Fyne's (Go initialises ready packages in
// import-path order, and "causerie/…" sorts before "fyne.io/…"; it
// imports nothing that Fyne's locale code needs) and names the C locale
// what it means for messages, American English. Causerie's own language
// choice (ui/i18n) reads the same variables and gives English for both.
package fynelocale

import (
	"os"
	"strings"
)

func init() {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		val := os.Getenv(v)
		if val == "" {
			continue
		}
		base, _, _ := strings.Cut(val, ".")
		if base == "C" || base == "POSIX" {
			_ = os.Setenv(v, "en_US.UTF-8")
		}
		return // the first one set is the one that counts
	}
}
