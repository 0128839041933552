package visio_test

import (
	"errors"
	"testing"

	"causerie/client/visio"
)

func TestParseLink(t *testing.T) {
	good := []struct {
		in, host         string // host: the default host, for bare codes
		wantBase, wantSl string
	}{
		{"https://visio.numerique.gouv.fr/abc-defg-hij", "", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"HTTPS://VISIO.Numerique.GOUV.FR/ABC-DEFG-HIJ", "", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"https://visio.numerique.gouv.fr/abcdefghij/", "", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"https://visio.numerique.gouv.fr/abc-defghij?lang=fr#top", "", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"https://visio.numerique.gouv.fr/abcdefg-hij#x", "", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"  visio.numerique.gouv.fr/AbC-dEfG-hIj \n", "", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"https://meet.example.org:8443/abc-defg-hij", "", "https://meet.example.org:8443", "abc-defg-hij"},
		{"http://localhost:8071/abc-defg-hij", "", "http://localhost:8071", "abc-defg-hij"},
		{"http://127.0.0.1:3000/ABCDEFGHIJ", "", "http://127.0.0.1:3000", "abc-defg-hij"},
		{"http://[::1]:8071/abc-defg-hij", "", "http://[::1]:8071", "abc-defg-hij"},
		{"http://visio.localhost/abc-defg-hij", "", "http://visio.localhost", "abc-defg-hij"},
		{"ABCDEFGHIJ", "visio.numerique.gouv.fr", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"abc-defg-hij", "https://visio.numerique.gouv.fr/", "https://visio.numerique.gouv.fr", "abc-defg-hij"},
		{"abc-defg-hij", "http://localhost:8071", "http://localhost:8071", "abc-defg-hij"},
		// A full link keeps its host.
		{"https://meet.example.org/abc-defg-hij", "visio.numerique.gouv.fr", "https://meet.example.org", "abc-defg-hij"},
	}
	for _, tc := range good {
		l, err := visio.ParseLinkWithHost(tc.in, tc.host)
		if err != nil {
			t.Errorf("ParseLinkWithHost(%q, %q): %v", tc.in, tc.host, err)
			continue
		}
		if l.BaseURL.String() != tc.wantBase || l.Slug != tc.wantSl {
			t.Errorf("ParseLinkWithHost(%q, %q) = %s + %s, want %s + %s", tc.in, tc.host, l.BaseURL, l.Slug, tc.wantBase, tc.wantSl)
		}
		if l.Host != l.BaseURL.Host {
			t.Errorf("%q: Host %q, BaseURL host %q", tc.in, l.Host, l.BaseURL.Host)
		}
		if want := tc.wantBase + "/" + tc.wantSl; l.String() != want {
			t.Errorf("%q: String() = %q, want %q", tc.in, l.String(), want)
		}
	}

	bad := []struct{ in, host string }{
		{"", ""},
		{"   ", "visio.numerique.gouv.fr"},
		{"abc-defg-hij", ""}, // a bare code needs a host
		{"https://visio.numerique.gouv.fr", ""},
		{"https://visio.numerique.gouv.fr/", ""},
		{"https://visio.numerique.gouv.fr/abc-defg-hi", ""},
		{"https://visio.numerique.gouv.fr/abc-defg-hijk", ""},
		{"https://visio.numerique.gouv.fr/abc-defg-hi1", ""},
		{"https://visio.numerique.gouv.fr/ab-cdefg-hij", ""},
		{"https://visio.numerique.gouv.fr/abc--defg-hij", ""},
		{"https://visio.numerique.gouv.fr/abc_defg_hij", ""},
		{"https://visio.numerique.gouv.fr/rooms/abc-defg-hij", ""},
		{"http://visio.numerique.gouv.fr/abc-defg-hij", ""}, // clear text off loopback
		{"http://localhost.example.com/abc-defg-hij", ""},
		{"ftp://visio.numerique.gouv.fr/abc-defg-hij", ""},
		{"wss://visio.numerique.gouv.fr/abc-defg-hij", ""},
		{"https://visio.numerique.gouv.fr@evil.example/abc-defg-hij", ""},
		{"https:///abc-defg-hij", ""},
		{"https://visio numerique.gouv.fr/abc-defg-hij", ""},
		{"javascript:alert(1)", ""},
		{"abc-defg-hij", "http://example.com"},
		{"abc-defg-hij", "https://visio.numerique.gouv.fr/prefix"},
		{"not a code", "visio.numerique.gouv.fr"},
	}
	for _, tc := range bad {
		l, err := visio.ParseLinkWithHost(tc.in, tc.host)
		if !errors.Is(err, visio.ErrBadLink) {
			t.Errorf("ParseLinkWithHost(%q, %q) = %+v, %v; want ErrBadLink", tc.in, tc.host, l, err)
			continue
		}
		if visio.ErrorKey(err) != "visio.error.bad_link" {
			t.Errorf("%q: key %q", tc.in, visio.ErrorKey(err))
		}
	}

	if _, err := visio.ParseLink("abcdefghij"); !errors.Is(err, visio.ErrBadLink) {
		t.Errorf("ParseLink of a bare code without host: %v", err)
	}
}
