// Package i18n translates the strings users see. Messages live in
// assets/translations as flat JSON objects (key → text with {name}
// placeholders); every key exists in every language.
package i18n

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"causerie/assets"
	"causerie/client"
	"causerie/client/visio"
)

// Languages are the languages Causerie ships, the first being the fallback.
var Languages = []string{"en", "fr"}

// Printer renders messages in one language.
type Printer struct {
	lang     string
	msgs     map[string]string
	fallback map[string]string
}

// New returns a printer for lang ("fr", "fr_FR.UTF-8", "en-GB", …); an
// empty or unknown language gets English.
func New(lang string) *Printer {
	base := strings.ToLower(lang)
	if i := strings.IndexAny(base, "_-.@"); i >= 0 {
		base = base[:i]
	}
	fallback := load(Languages[0])
	msgs := fallback
	chosen := Languages[0]
	for _, l := range Languages {
		if l == base {
			msgs, chosen = load(l), l
		}
	}
	return &Printer{lang: chosen, msgs: msgs, fallback: fallback}
}

// FromEnv picks the language as POSIX programs do: LC_ALL, then
// LC_MESSAGES, then LANG.
func FromEnv() *Printer {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := os.Getenv(v); l != "" && l != "C" && l != "POSIX" {
			return New(l)
		}
	}
	return New("")
}

// Lang is the language in use.
func (p *Printer) Lang() string { return p.lang }

// T renders key with its placeholders filled from args, given as name,
// value pairs: T("join.failed", "reason", err).
func (p *Printer) T(key string, args ...any) string {
	s, ok := p.msgs[key]
	if !ok {
		if s, ok = p.fallback[key]; !ok {
			s = key
		}
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return s
}

// errorKeys maps the client's sentinels to their message keys, most
// specific first.
var errorKeys = []struct {
	err error
	key string
}{
	{client.ErrBadURL, "error.bad_url"},
	{client.ErrTokenRefused, "error.token_refused"},
	{client.ErrUnreachable, "error.unreachable"},
	{client.ErrJoinFailed, "error.join_failed"},
	{client.ErrConnectionLost, "error.connection_lost"},
	{client.ErrRemoved, "error.removed"},
	{client.ErrRoomClosed, "error.room_closed"},
	{client.ErrDuplicateIdentity, "error.duplicate_identity"},
	{client.ErrNotJoined, "error.not_joined"},
	{client.ErrMediaDevice, "error.media_device"},
	{client.ErrNotSupported, "error.not_supported"},
	{client.ErrBadReaction, "error.bad_reaction"},
}

// Error renders an error for the user: one translated sentence for the
// errors Causerie knows, then the technical detail. Besides the client's
// sentinels and the Visio API's errors, any error in the chain with a
// MessageKey() string method names its own message key: a package adds
// errors and their sentences (in its own catalog) without touching this
// one.
func (p *Printer) Error(err error) string {
	if err == nil {
		return ""
	}
	// An error that names its sentence is the most specific: a proxy's
	// refusal inside "Visio unreachable" says what to tell IT.
	var keyed interface{ MessageKey() string }
	if errors.As(err, &keyed) {
		return p.T(keyed.MessageKey()) + " (" + err.Error() + ")"
	}
	if key := visio.ErrorKey(err); key != "" {
		return p.T(key) + " (" + err.Error() + ")"
	}
	for _, e := range errorKeys {
		if errors.Is(err, e.err) {
			return p.T(e.key) + " (" + err.Error() + ")"
		}
	}
	return p.T("error.unexpected", "detail", err.Error())
}

// load reads a language's catalogs: translations/<lang>.json, then every
// translations/<lang>/*.json in name order. A key defined twice keeps its
// first text (TestCatalogsComplete reports it); an unreadable catalog is
// skipped, so a broken file costs its strings, never the program.
func load(lang string) map[string]string {
	m, _ := loadChecked(lang)
	return m
}

// loadChecked is load, also returning what went wrong: unreadable files
// and keys defined twice.
func loadChecked(lang string) (map[string]string, []string) {
	m := map[string]string{}
	var problems []string
	files := []string{path.Join("translations", lang+".json")}
	if extra, err := fs.Glob(assets.Translations, path.Join("translations", lang, "*.json")); err == nil {
		files = append(files, extra...) // Glob returns names in order
	}
	for _, f := range files {
		b, err := assets.Translations.ReadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		one := map[string]string{}
		if err := json.Unmarshal(b, &one); err != nil {
			problems = append(problems, f+": "+err.Error())
			continue
		}
		for k, v := range one {
			if _, dup := m[k]; dup {
				problems = append(problems, f+": "+k+" is defined twice")
				continue
			}
			m[k] = v
		}
	}
	return m, problems
}
