package i18n

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"causerie/client"
)

var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

// Every message exists in every language, with the same placeholders, so
// no user ever sees a key or an unfilled {name}.
func TestCatalogsComplete(t *testing.T) {
	for _, lang := range Languages {
		if _, problems := loadChecked(lang); len(problems) > 0 {
			t.Errorf("%s catalogs: %q", lang, problems)
		}
	}
	ref := load(Languages[0])
	if len(ref) == 0 {
		t.Fatal("no English catalog")
	}
	for _, lang := range Languages[1:] {
		other := load(lang)
		for k, v := range ref {
			tr, ok := other[k]
			if !ok {
				t.Errorf("%s: missing %q", lang, k)
				continue
			}
			a, b := placeholder.FindAllString(v, -1), placeholder.FindAllString(tr, -1)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Errorf("%s: %q has placeholders %v, English %v", lang, k, b, a)
			}
		}
		for k := range other {
			if _, ok := ref[k]; !ok {
				t.Errorf("%s: %q is not in English", lang, k)
			}
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	for in, want := range map[string]string{"": "en", "fr": "fr", "fr_FR.UTF-8": "fr", "fr-CA": "fr", "en_GB": "en", "de_DE": "en", "FR": "fr"} {
		if got := New(in).Lang(); got != want {
			t.Errorf("New(%q).Lang() = %q, want %q", in, got, want)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "fr_BE.UTF-8")
	t.Setenv("LANG", "en_US.UTF-8")
	if got := FromEnv().Lang(); got != "fr" {
		t.Errorf("LC_MESSAGES=fr_BE: %q", got)
	}
}

func TestErrorsAreTranslated(t *testing.T) {
	fr := New("fr")
	for _, e := range errorKeys {
		wrapped := fmt.Errorf("context: %w", e.err)
		msg := fr.Error(wrapped)
		if strings.Contains(msg, e.key) || msg == fr.T("error.unexpected", "detail", wrapped.Error()) {
			t.Errorf("%v: not translated: %q", e.err, msg)
		}
	}
	if got := fr.Error(client.ErrTokenRefused); !strings.HasPrefix(got, "Le serveur a refusé le jeton") {
		t.Errorf("French refused token: %q", got)
	}
	if got := New("en").Error(fmt.Errorf("odd")); !strings.HasPrefix(got, "Something went wrong: odd") {
		t.Errorf("unknown error: %q", got)
	}
	if got := New("en").T("event.chat", "name", "Ana", "text", "salut"); got != "Ana: salut" {
		t.Errorf("placeholders: %q", got)
	}
}

type keyedErr struct{}

func (keyedErr) Error() string      { return "keyed" }
func (keyedErr) MessageKey() string { return "error.bad_url" }

// An error that names its message key is shown with it, wrapped or not.
func TestErrorWithMessageKey(t *testing.T) {
	got := New("en").Error(fmt.Errorf("ctx: %w", keyedErr{}))
	if want := New("en").T("error.bad_url") + " (ctx: keyed)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
