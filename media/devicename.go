package media

import "strings"

// MatchName finds the device a user means by want among devices named
// names: the name exactly, then ignoring case, then a part of a name that
// only one device has. It returns the device's index, or -1. Device IDs
// are each backend's own and are matched before this.
func MatchName(names []string, want string) int {
	if want == "" {
		return -1
	}
	for i, n := range names {
		if n == want {
			return i
		}
	}
	for i, n := range names {
		if strings.EqualFold(n, want) {
			return i
		}
	}
	found, lw := -1, strings.ToLower(want)
	for i, n := range names {
		if strings.Contains(strings.ToLower(n), lw) {
			if found >= 0 {
				return -1 // more than one: the user must say which
			}
			found = i
		}
	}
	return found
}
