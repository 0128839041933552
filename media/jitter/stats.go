package jitter

// Stats are a Buffer's counters since New. They only grow.
type Stats struct {
	// Received counts every non-nil packet pushed, including duplicates
	// and too-old ones, as RTCP receiver reports count packets.
	Received uint64

	// Duplicates counts packets whose sequence number was already
	// buffered.
	Duplicates uint64

	// TooOld counts packets that arrived after their sequence number had
	// been popped or skipped.
	TooOld uint64

	// Lost counts sequence numbers given up on: by Skip, and the missing
	// packets PopFrame skipped over.
	Lost uint64

	// Reordered counts non-duplicate packets that arrived with a sequence
	// number lower than the highest seen before them. A duplicate of an
	// already popped packet cannot be told from a late one and counts here
	// and in TooOld.
	Reordered uint64

	// Resets counts the times Push restarted the buffer (see Reset).
	Resets uint64
}
