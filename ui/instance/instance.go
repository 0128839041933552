// Package instance keeps one Causerie running per user. The first process
// listens on a per-user endpoint (a Unix socket in a private directory; on
// Windows, loopback TCP with a secret token in the user's local
// application data); a later launch with a meeting link — what a browser
// or a mail client starts — hands the link over, waits for the running
// process to take it, and exits.
//
// Links arrive on a channel the owner drains; a link is acknowledged to
// the sender only once the owner has received it, so "the running
// Causerie got the link" is never said of a process that ignores links.
// The package carries strings: checking that a link is a meeting link (and
// one the policy allows) is the receiver's job, as it is for any input.
package instance

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Errors of Listen and Send. Each has a sentence in the deploy catalogs
// (MessageKey).
var (
	// ErrRunning is Listen's answer when another process of this user
	// already listens.
	ErrRunning = &Error{"instance: another Causerie is already running", "instance.error.running"}
	// ErrNoInstance is Send's answer when nothing listens: the caller goes
	// on and opens the link itself.
	ErrNoInstance = &Error{"instance: no Causerie is running", "instance.error.none"}
	// ErrNotTaken means the running process accepted the connection but
	// did not take the link in time (it is busy, or not draining Links).
	ErrNotTaken = &Error{"instance: the running Causerie did not take the link", "instance.error.not_taken"}
	// ErrRefused means the running process refused the link: malformed,
	// too long, or a wrong token.
	ErrRefused = &Error{"instance: the running Causerie refused the link", "instance.error.refused"}
	// ErrUnsafeDir means the endpoint's directory may be reached by
	// another user (not ours, or open to group or others): listening or
	// handing a link there could leak it, so neither is done.
	ErrUnsafeDir = &Error{"instance: the directory of the running instance is not private", "instance.error.unsafe_dir"}
)

// Error is one of the package's sentinels: a message for logs and the key
// of its translated sentence.
type Error struct{ msg, key string }

func (e *Error) Error() string { return e.msg }

// MessageKey names the sentence ui/i18n shows for this error.
func (e *Error) MessageKey() string { return e.key }

// protocol is the first word of a hand-over, so that a future format is
// told apart from this one rather than misread.
const protocol = "causerie-instance/1"

// maxMessage bounds what a connection may send: a header line and a link.
// Links are short (a meeting link is under 100 bytes); the bound keeps a
// misbehaving peer from making the listener buffer without end.
const maxMessage = 4096

// Answers to a hand-over, one line each.
const (
	answerOK   = "ok"
	answerBusy = "busy"
	answerBad  = "bad"
)

// handoffTimeout is how long a connection waits for the owner to take its
// link before answering busy. A few seconds: the owner's loop takes a link
// at once unless it is stuck, and the person who clicked the link is
// waiting to see something happen.
var handoffTimeout = 5 * time.Second

// ioTimeout bounds reading a request and writing its answer, so a peer
// that connects and says nothing does not hold a goroutine.
const ioTimeout = 5 * time.Second

// Instance is the running process's end: it receives the links later
// launches hand over.
type Instance struct {
	ln      net.Listener
	token   string
	release func()
	links   chan string
	// ctx ends with Close; the goroutines serving connections stop on it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// Listen makes this process the running instance of its user, with its
// endpoint in dir (see Dir). It fails with ErrRunning when another
// process already is; an endpoint left by a process that died is
// replaced.
func Listen(dir string) (*Instance, error) {
	ln, token, release, err := listen(dir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &Instance{ln: ln, token: token, release: release,
		links: make(chan string), ctx: ctx, cancel: cancel}
	in.wg.Add(1)
	go in.accept()
	return in, nil
}

// Links delivers each link handed over, in the order they were taken. The
// owner drains it until Close; a link not taken within a few seconds is
// answered busy to its sender.
func (in *Instance) Links() <-chan string { return in.links }

// Close stops listening, answers nothing more, waits for the connections
// being served to end and gives the endpoint up, so that a next process
// can listen. Links is not closed: the owner stops reading it when it
// calls Close.
func (in *Instance) Close() error {
	var err error
	in.once.Do(func() {
		in.cancel()
		err = in.ln.Close()
		in.wg.Wait()
		in.release()
	})
	return err
}

func (in *Instance) accept() {
	defer in.wg.Done()
	for {
		conn, err := in.ln.Accept()
		if err != nil {
			select {
			case <-in.ctx.Done():
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// The listener is broken (its socket removed under it, file
			// descriptors exhausted): a short pause keeps a persistent
			// error from spinning, and Close still ends the loop.
			select {
			case <-in.ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			in.serve(conn)
		}()
	}
}

// serve reads one hand-over and answers it.
func (in *Instance) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	// Close must not wait for a silent peer: the connection ends with the
	// instance. Registered after the first deadline, so that it is never
	// overwritten by it: with the instance already closing, AfterFunc
	// runs at once, on a goroutine of its own.
	stop := context.AfterFunc(in.ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	link, err := readRequest(conn, in.token)
	if err != nil {
		_ = writeLine(conn, answerBad)
		return
	}
	timer := time.NewTimer(handoffTimeout)
	defer timer.Stop()
	answer := answerBusy
	select {
	case in.links <- link:
		answer = answerOK
	case <-timer.C:
	case <-in.ctx.Done():
		return
	}
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	_ = writeLine(conn, answer)
}

// readRequest reads the header line and the link, checking the token.
func readRequest(r io.Reader, token string) (string, error) {
	br := bufio.NewReader(io.LimitReader(r, maxMessage))
	header, err := readLine(br)
	if err != nil {
		return "", err
	}
	word, got, ok := strings.Cut(header, " ")
	if !ok || word != protocol {
		return "", fmt.Errorf("instance: unknown request %q", header)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		return "", errors.New("instance: wrong token")
	}
	link, err := readLine(br)
	if err != nil {
		return "", err
	}
	if err := checkLink(link); err != nil {
		return "", err
	}
	return link, nil
}

// checkLink refuses what cannot be a link in any form: empty, or with
// spaces or control characters (a link on a command line has neither).
func checkLink(link string) error {
	if link == "" {
		return errors.New("instance: empty link")
	}
	for _, r := range link {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("instance: control character or space in link %q", link)
		}
	}
	return nil
}

func readLine(br *bufio.Reader) (string, error) {
	s, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(s, "\n"), nil
}

func writeLine(w io.Writer, s string) error {
	_, err := io.WriteString(w, s+"\n")
	return err
}

// Send hands link to the running instance whose endpoint is in dir and
// waits for its answer: nil once the running process has taken the link;
// ErrNoInstance when nothing listens (the caller opens the link itself);
// ErrNotTaken or ErrRefused when a process listens but did not take it.
// ctx bounds the whole exchange.
func Send(ctx context.Context, dir, link string) error {
	if err := checkLink(link); err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	conn, token, err := dial(ctx, dir)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(handoffTimeout + 2*ioTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := io.WriteString(conn, protocol+" "+token+"\n"+link+"\n"); err != nil {
		return fmt.Errorf("%w: %v", ErrNotTaken, err)
	}
	answer, err := readLine(bufio.NewReader(io.LimitReader(conn, 64)))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %v", ErrNotTaken, err)
	}
	switch answer {
	case answerOK:
		return nil
	case answerBad:
		return ErrRefused
	default:
		return ErrNotTaken
	}
}
