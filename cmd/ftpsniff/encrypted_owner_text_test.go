package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestEncryptedOwnerHedgeInText: a data connection inferred for one of
// several encrypted sessions between the same hosts whose records were
// too close in time to tell (track.DataConn.AmongEncrypted) says so, and
// which side's timing decided; one taken for its session alone reads as
// before.
func TestEncryptedOwnerHedgeInText(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 2, Client: netip.MustParseAddrPort("10.99.0.2:55060"), Server: netip.MustParseAddrPort("10.99.0.1:21"), Start: t0,
		Encrypted: true, WasEncrypted: true}
	data := func(passive bool, among uint8) string {
		d := &track.DataConn{ID: 1, Session: s, Passive: passive, Match: track.MatchInferred, Outcome: track.OutcomeTransferred,
			Client: netip.MustParseAddrPort("10.99.0.2:50366"), Server: netip.MustParseAddrPort("10.99.0.1:40003"),
			Start: t0, End: t0.Add(time.Millisecond), ExpectedSize: -1, Rest: -1, AmongEncrypted: among}
		if !passive {
			d.Client, d.Server = netip.MustParseAddrPort("10.99.0.1:20"), netip.MustParseAddrPort("10.99.0.2:41000")
		}
		var b bytes.Buffer
		bw := bufio.NewWriter(&b)
		newTextOutput(bw, newPalette(false), false).data(d, noStamp)
		bw.Flush()
		return b.String()
	}
	for _, tt := range []struct {
		passive     bool
		among       uint8
		want, never string
	}{
		{true, 3, "inferred from the peers: 3 encrypted sessions between these hosts could as well have announced it, so its session is a guess (the one whose server spoke last before it", "of the encrypted session"},
		{false, 2, "2 encrypted sessions between these hosts could as well have announced it, so its session is a guess (the one whose client spoke last before it", "of the encrypted session"},
		{true, 0, "inferred from the peers of the encrypted session", "is a guess"},
	} {
		text := data(tt.passive, tt.among)
		if !strings.Contains(text, tt.want) || strings.Contains(text, tt.never) {
			t.Errorf("passive %v among %d: want %q, never %q:\n%s", tt.passive, tt.among, tt.want, tt.never, text)
		}
	}
}
