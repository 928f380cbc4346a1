package track

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestImplicitTLSRefusedOrMismatched: of an implicit-FTPS session
// (decode's ImplicitTLS), one whose server answered the ClientHello with
// fewer bytes than a ServerHello and closed (a 7-byte alert, vsftpd's
// "500 OOPS: " after it: pcaps/real/implicit-ftps-fail.pcap session 1)
// set up no TLS: not encrypted at its end, TLSRefused, an EventCleartext
// saying so. One that handshook stays encrypted. One whose client sent no
// ClientHello (decode's NoClientHello) is NoClientHello and was never
// encrypted. Before, each stayed encrypted whatever its bytes showed.
func TestImplicitTLSRefusedOrMismatched(t *testing.T) {
	s990 := netip.MustParseAddrPort("192.0.2.10:990")
	for _, tc := range []struct {
		name                        string
		open                        decode.ControlEvent
		closeTLS                    [2]uint64
		encrypted, refused, noHello bool
		cleartextEvent              string
	}{
		{"handshake", decode.ControlEvent{ImplicitTLS: true, Encrypts: true}, [2]uint64{517, 1400}, true, false, false, ""},
		{"alert", decode.ControlEvent{ImplicitTLS: true, Encrypts: true}, [2]uint64{517, 7}, false, true, false, "TLS alert (7 bytes)"},
		{"alert and 500 OOPS", decode.ControlEvent{ImplicitTLS: true, Encrypts: true}, [2]uint64{100, 17}, false, true, false, "17 bytes, fewer than a ServerHello"},
		{"no client byte", decode.ControlEvent{NoClientHello: true}, [2]uint64{0, 7}, false, false, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			trk := New(rec, Options{})
			open := tc.open
			open.Kind, open.TS, open.Num, open.Client, open.Server = decode.ControlOpen, t0, 4, cli, s990
			trk.Control(&open)
			trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, TS: t0.Add(time.Second), Num: 9, Client: cli, Server: s990, TLSBytes: tc.closeTLS})
			trk.Finish()
			if len(rec.ended) != 1 {
				t.Fatalf("%d sessions ended", len(rec.ended))
			}
			s := rec.ended[0]
			if s.Encrypted != tc.encrypted || s.TLSRefused() != tc.refused || s.NoClientHello() != tc.noHello {
				t.Errorf("encrypted %v, refused %v, no ClientHello %v; want %v, %v, %v", s.Encrypted, s.TLSRefused(), s.NoClientHello(), tc.encrypted, tc.refused, tc.noHello)
			}
			var clear string
			for _, e := range rec.events {
				if e.Kind == EventCleartext {
					clear = e.Text
				}
			}
			if tc.cleartextEvent == "" && clear != "" || !strings.Contains(clear, tc.cleartextEvent) {
				t.Errorf("cleartext event %q, want one naming %q", clear, tc.cleartextEvent)
			}
		})
	}
}

// TestClientHelloOnPlainControlIsOneEvent: a client whose first bytes on a
// plain control connection are a TLS ClientHello (curl ftps://host:21,
// pcaps/real/tls-mode-implicit-to-21.pcap) makes one event saying so, not
// one per binary line, and the session HelloOnPlain. A client line that
// merely starts with a byte 0x16 later, after a command, is no ClientHello.
func TestClientHelloOnPlainControlIsOneEvent(t *testing.T) {
	s := newSession(t)
	s.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03&"})
	s.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "I2\xd6\xef\xa5\x06"})
	s.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "\xc0\x14\x009"})
	sess := s.end()
	var junk []string
	for _, e := range s.rec.events {
		if e.Kind == EventJunk {
			junk = append(junk, e.Text)
		}
	}
	if !sess.HelloOnPlain() || len(junk) != 1 || !strings.Contains(junk[0], "TLS ClientHello") {
		t.Errorf("HelloOnPlain %v, junk events %q; want one naming the ClientHello", sess.HelloOnPlain(), junk)
	}

	s = newSession(t)
	s.login()
	s.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "\x16\x03\x01\x02\x00\x01\x00"})
	if sess := s.end(); sess.HelloOnPlain() {
		t.Error("after a login: taken for a ClientHello")
	}
}
