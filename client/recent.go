package client

// recentChats is how many chat ids a session remembers to show each
// message once: far more than arrive during the few milliseconds between
// a message's text stream and its legacy copy.
const recentChats = 256

// recent remembers the last recentChats keys it was given.
type recent struct {
	set  map[string]struct{}
	ring [recentChats]string
	next int
}

// first tells whether key is new, and remembers it. Keys with an empty id
// part are always new: nothing identifies them.
func (r *recent) first(key string) bool {
	if key == "" || key[len(key)-1] == 0 {
		return true
	}
	if r.set == nil {
		r.set = make(map[string]struct{}, recentChats)
	}
	if _, seen := r.set[key]; seen {
		return false
	}
	delete(r.set, r.ring[r.next])
	r.ring[r.next] = key
	r.next = (r.next + 1) % recentChats
	r.set[key] = struct{}{}
	return true
}
