package client

import "sync"

// mailbox is an unbounded FIFO that never blocks its writers: library
// callbacks post into it and return at once, whatever the reader does.
type mailbox[T any] struct {
	mu     sync.Mutex
	items  []T
	ready  chan struct{} // holds one token while items is non-empty
	closed bool
}

func newMailbox[T any]() *mailbox[T] { return &mailbox[T]{ready: make(chan struct{}, 1)} }

// Post appends v; after close it drops v.
func (m *mailbox[T]) Post(v T) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.items = append(m.items, v)
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// take removes and returns everything posted so far, reusing buf.
func (m *mailbox[T]) take(buf []T) []T {
	m.mu.Lock()
	buf = append(buf[:0], m.items...)
	clear(m.items)
	m.items = m.items[:0]
	m.mu.Unlock()
	return buf
}

func (m *mailbox[T]) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
}
