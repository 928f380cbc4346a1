package main

import (
	"net/netip"
	"testing"
	"time"
)

// TestLongSilenceWords guards what the text says of silences of more
// than a day (rv-weeks): a session whose capture shows two days with no
// packet between two commands, nothing pending, said "more than a day of
// it with no reply" (c-mid-31536000.pcap; a command waiting across it
// still says so); spans over an hour read as seconds ("fin after
// 172801.234s"); and a session picked up mid-stream after its connection
// was silent for more than a day, its login in the capture before that,
// said "login not visible (before the capture)" (w-idle30h-fill.pcap).
func TestLongSilenceWords(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pending   bool // the command before the silence waits across it
		want, not []string
	}{
		{"nothing pending", false,
			[]string{"fin after 2d 0h00m00.0s, more than a day of it with no packet captured"},
			[]string{"with no reply", "after 172800."}},
		{"a command waiting", true,
			[]string{"more than a day of it with no reply"},
			[]string{"with no packet captured", "after 172800."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := openWireSession(c)
			s.loginPASV(0)
			s.cmd("PWD")
			if !tc.pending {
				s.reply(`257 "/" is the current directory`)
			}
			c.wait(48 * time.Hour) // no packet at all: the clock set forward, or a capture silent
			if tc.pending {
				s.reply(`257 "/" is the current directory`)
			}
			s.quit()
			readTextHas(t, path, tc.want, tc.not)
		})
	}
	t.Run("picked up after a day's silence", func(t *testing.T) {
		c, path := newWireCap(t)
		s := openWireSession(c)
		s.loginPASV(0)
		other := wireConn{c: c, a: netip.MustParseAddrPort("10.0.9.9:30000"), b: netip.MustParseAddrPort("10.0.9.10:443"), aseq: 1, bseq: 1}
		for range 8 { // other traffic every 4 hours: 32 hours
			c.wait(4 * time.Hour)
			other.handshake()
			other.a = netip.AddrPortFrom(other.a.Addr(), other.a.Port()+1)
		}
		s.cmd("PWD")
		s.reply(`257 "/pub" is the current directory`)
		s.quit()
		readTextHas(t, path,
			[]string{"login not visible (before a silence of more than a day, or before the capture)", "the control connection silent for 4h00m00.0s"},
			[]string{"login not visible (before the capture)"})
	})
}
