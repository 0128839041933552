package opus

import hopus "github.com/hraban/opus"

// LibraryVersion is the version of the libopus this program runs with
// ("libopus 1.3.1"), as the loaded shared library reports it.
func LibraryVersion() string {
	return hopus.Version()
}
