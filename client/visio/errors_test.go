package visio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"causerie/assets"
	"causerie/client/visio"
)

// Every key ErrorKey can return has a sentence in every language.
func TestErrorKeysTranslated(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		b, err := assets.Translations.ReadFile("translations/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(b, &msgs); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for _, k := range visio.ErrorKeys() {
			if strings.TrimSpace(msgs[k]) == "" {
				t.Errorf("%s: no message for %q", lang, k)
			}
		}
	}
}

func TestErrorKey(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{io.EOF, ""},
		{context.Canceled, ""},
		{fmt.Errorf("join: %w", visio.ErrDenied), "visio.error.denied"},
		{fmt.Errorf("a: %w", fmt.Errorf("b: %w", visio.ErrLobbyTimeout)), "visio.error.lobby_timeout"},
		{fmt.Errorf("%w: dial: %w", visio.ErrUnreachable, context.DeadlineExceeded), "visio.error.unreachable"},
		{visio.ErrBadLink, "visio.error.bad_link"},
		{visio.ErrRoomNotFound, "visio.error.room_not_found"},
		{visio.ErrUnauthorized, "visio.error.unauthorized"},
		{visio.ErrServer, "visio.error.server"},
		{visio.ErrProtocol, "visio.error.protocol"},
	} {
		if got := visio.ErrorKey(tc.err); got != tc.want {
			t.Errorf("ErrorKey(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestHTTPErrorMessage(t *testing.T) {
	e := &visio.HTTPError{Status: 404, Body: `{"message": "Participant not found."}`}
	if e.Error() != "HTTP 404 Not Found: Participant not found." {
		t.Errorf("%q", e.Error())
	}
	e = &visio.HTTPError{Status: 500, Body: `<html>`}
	if e.Error() != "HTTP 500 Internal Server Error" || e.Unwrap() != nil {
		t.Errorf("%q", e.Error())
	}
	if !errors.Is(fmt.Errorf("x: %w", e), e) {
		t.Error("HTTPError does not wrap")
	}
}
