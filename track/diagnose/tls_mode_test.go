package diagnose

import (
	"slices"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestControlTLSMismatchFindings: the control channel's TLS mismatches,
// as the rv-tls review recorded them (pcaps/real/auth-tls-refused.pcap,
// tls-required-clear.pcap, tls-mode-explicit-to-990.pcap,
// tls-mode-implicit-to-21.pcap, implicit-ftps-fail.pcap), each raise
// their finding, and no control-encrypted where nothing was encrypted.
// Before, the clear-text ones raised none ("no login", "login failed"),
// and the implicit ones a control-encrypted with passive-range advice.
// A client that fell back to a clear login, a wrong password, and an
// implicit session that handshook raise none of them.
func TestControlTLSMismatchFindings(t *testing.T) {
	const alert = 7
	for _, tc := range []struct {
		name   string
		server string
		open   decode.ControlEvent // its Kind is set
		script func(w *wire)
		close  [2]uint64 // the close's TLSBytes
		want   []string  // the codes raised, in order
	}{
		{"client requires TLS, server refuses AUTH", "203.0.113.5:21", decode.ControlEvent{}, func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("AUTH TLS")
			w.reply(530, "Please login with USER and PASS.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, [2]uint64{}, []string{CodeControlTLSUnavailable}},
		{"AUTH refused, then a clear login", "203.0.113.5:21", decode.ControlEvent{}, func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("AUTH TLS")
			w.reply(530, "Please login with USER and PASS.")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS x@y")
			w.reply(230, "Login successful.")
		}, [2]uint64{}, []string{CodeCleartextLogin}},
		{"server requires TLS (vsftpd)", "203.0.113.5:21", decode.ControlEvent{}, func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(530, "Anonymous sessions must use encryption.")
			w.cmd("QUIT")
		}, [2]uint64{}, []string{CodeControlTLSRequired}},
		{"server requires TLS (ProFTPD)", "203.0.113.5:21", decode.ControlEvent{}, func(w *wire) {
			w.reply(220, "ProFTPD Server (Debian) [203.0.113.5]")
			w.cmd("USER bob")
			w.reply(550, "SSL/TLS required on the control channel")
		}, [2]uint64{}, []string{CodeControlTLSRequired}},
		{"wrong password", "203.0.113.5:21", decode.ControlEvent{}, func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS nope")
			w.reply(530, "Login incorrect.")
		}, [2]uint64{}, []string{CodeCleartextLogin}},
		{"implicit client on 21", "203.0.113.5:21", decode.ControlEvent{}, func(w *wire) {
			w.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"})
			w.reply(220, "(vsFTPd 3.0.3)")
		}, [2]uint64{}, []string{CodeTLSModeMismatch}},
		{"implicit FTPS taken on 21: the server answers the ClientHello with its own", "203.0.113.5:21", decode.ControlEvent{}, func(w *wire) {
			w.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"})
			w.ctl(decode.ControlEvent{Kind: decode.ControlJunk, Line: "\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03"})
		}, [2]uint64{}, nil},
		{"explicit client on 990", "203.0.113.5:990", decode.ControlEvent{NoClientHello: true}, nil,
			[2]uint64{0, alert}, []string{CodeTLSModeMismatch}},
		{"implicit handshake refused", "203.0.113.5:990", decode.ControlEvent{ImplicitTLS: true, Encrypts: true}, nil,
			[2]uint64{517, alert}, []string{CodeControlTLSFailed}},
		{"implicit handshake", "203.0.113.5:990", decode.ControlEvent{ImplicitTLS: true, Encrypts: true}, nil,
			[2]uint64{517, 1400}, []string{CodeControlEncrypted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("192.0.2.10:50000"), srv: ap(tc.server), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			open := tc.open
			open.Kind = decode.ControlOpen
			w.ctl(open)
			if tc.script != nil {
				tc.script(w)
			}
			w.ctl(decode.ControlEvent{Kind: decode.ControlClose, TLSBytes: tc.close})
			w.trk.Finish()
			var got []string
			for _, f := range w.c.fs {
				if f.Code != CodeSessionRefused {
					got = append(got, f.Code)
				}
			}
			if !slices.Equal(got, tc.want) {
				dumpFindings(t, w.c)
				t.Errorf("codes %q, want %q", got, tc.want)
			}
		})
	}
}
