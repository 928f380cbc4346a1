package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestReportSessionNotesMatchTranscript: the report's session notes say
// how the control channel came to be encrypted in the transcript's words,
// including a session picked up mid-stream inside TLS that began before
// the capture (the report read "AUTH accepted", an AUTH it never saw).
func TestReportSessionNotesMatchTranscript(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name string
		s    track.Session
		want string
	}{
		{"implicit", track.Session{Encrypted: true, ImplicitTLS: true}, "control channel encrypted (implicit FTPS)"},
		{"before the capture", track.Session{Encrypted: true, Midstream: true}, "control channel encrypted (TLS from before the capture)"},
		{"after AUTH", track.Session{Encrypted: true, CommandCount: 1}, "control channel encrypted (AUTH accepted)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			s.ID = 1
			s.Client, s.Server = netip.MustParseAddrPort("10.0.0.5:40000"), netip.MustParseAddrPort("10.0.0.1:21")
			s.Start, s.End = t0, t0.Add(time.Second)
			var b bytes.Buffer
			writeSection(&b, &s, &ladder{harm: harm{worst: -1}}, false, nil)
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("report section lacks %q:\n%s", tt.want, b.String())
			}
			if got := strings.Join(appendEncryptedNote(nil, &s), ""); got != tt.want {
				t.Errorf("transcript note %q, want %q", got, tt.want)
			}
		})
	}
}
