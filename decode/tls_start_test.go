package decode

import (
	"math/rand"
	"net/netip"
	"testing"
)

// tlsStartEvents runs a conversation and counts what decode reported of
// it: ControlOpen's marks, lines (commands, replies, junk), and whether
// the connection ended followed from its headers (TLS).
type tlsStartResult struct {
	open, implicit, encrypts bool
	commands, replies, junk  int
	turned                   int // ControlEncrypted events
}

func tlsStartRun(t *testing.T, server netip.AddrPort, syn bool, script func(v *conv)) tlsStartResult {
	t.Helper()
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: server, cseq: 1000, sseq: 5000, ts: convT0}
	if syn {
		v.handshake()
	}
	script(v)
	d.Finish()
	var r tlsStartResult
	for _, e := range rec.control {
		switch e.Kind {
		case ControlOpen:
			r.open, r.implicit, r.encrypts = true, e.ImplicitTLS, e.Encrypts
		case ControlCommand:
			r.commands++
		case ControlReply:
			r.replies++
		case ControlJunk:
			r.junk++
		case ControlEncrypted:
			r.turned++
			r.encrypts = r.encrypts || e.Encrypts
		}
	}
	return r
}

// TestImplicitPortCarriesPlainFTP: a connection to port 990 whose first
// bytes are FTP text ("220 FTP ready") is plain FTP, its login readable,
// not implicit FTPS; one whose first bytes are a TLS record, or the
// middle of one, is. rev-ftps: implicit-990-clear-login.pcap.
func TestImplicitPortCarriesPlainFTP(t *testing.T) {
	s990 := netip.MustParseAddrPort("192.0.2.10:990")
	plain := tlsStartRun(t, s990, true, func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cli("USER bob\r\n")
		v.srv("331 Please specify the password.\r\n")
		v.cli("PASS Hunter2Zq9\r\n")
		v.srv("230 Login successful.\r\n")
	})
	if plain.implicit || plain.encrypts || plain.commands != 2 || plain.replies != 3 {
		t.Errorf("plain FTP on 990: %+v; want no implicit TLS, 2 commands, 3 replies", plain)
	}
	tls := tlsStartRun(t, s990, true, func(v *conv) {
		v.cli("\x16\x03\x01\x00\x04abcd")
		v.srv("\x16\x03\x03\x00\x04efgh")
	})
	if !tls.implicit || !tls.encrypts || tls.junk != 0 {
		t.Errorf("TLS on 990: %+v; want implicit TLS", tls)
	}
	mid := tlsStartRun(t, s990, false, func(v *conv) {
		v.srv(string(randomBytes(300, 1)))
		v.cli("\x17\x03\x03\x00\x04abcd")
	})
	if !mid.implicit || !mid.encrypts || mid.junk != 0 {
		t.Errorf("990 picked up inside a record: %+v; want implicit TLS", mid)
	}
}

// TestAuthReplyLostThenClientHello: AUTH TLS whose 234 the capture lost
// (a server gap), then the client's ClientHello: TLS began; its records
// are not reported as junk lines. rev-ftps: auth-234-lost.pcap.
func TestAuthReplyLostThenClientHello(t *testing.T) {
	for _, tc := range []struct {
		name string
		hi   string
	}{
		{"ClientHello", "\x16\x03\x01\x00\x2f\x01\x00\x00\x2b\x03\x03" + string(randomBytes(41, 2))},
		{"another record type", "\x17\x03\x03\x00\x10" + string(randomBytes(16, 3))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tlsStartRun(t, convServer, true, func(v *conv) {
				v.srv("220 FTP ready\r\n")
				v.cli("AUTH TLS\r\n")
				v.sseq += uint32(len("234 Proceed with negotiation.\r\n"))
				v.cli(tc.hi)
				v.srv("\x16\x03\x03\x00\x40" + string(randomBytes(64, 5)))
				v.cli("\x17\x03\x03\x00\x30" + string(randomBytes(48, 6)) + "\n\n")
				v.srv("\x17\x03\x03\x00\x30" + string(randomBytes(48, 7)) + "\r\n")
			})
			if r.junk != 0 || r.commands != 1 || r.turned != 1 || !r.encrypts {
				t.Errorf("%d junk lines, %d commands, %d turns to TLS; want none, the AUTH and one ControlEncrypted: %+v", r.junk, r.commands, r.turned, r)
			}
		})
	}
}

// TestMidstreamPickupMidRecord: a control connection picked up at the
// capture's start inside a TLS record (its first bytes a record's
// middle, random bytes) is encrypted from its ControlOpen, as one
// picked up at a record's start is. rev-ftps: midtls-start.pcap.
func TestMidstreamPickupMidRecord(t *testing.T) {
	r := tlsStartRun(t, convServer, false, func(v *conv) {
		v.srv(string(randomBytes(600, 8)))
		v.cli("\x17\x03\x03\x00\x20" + string(randomBytes(32, 9)))
		v.srv("\x17\x03\x03\x00\x30" + string(randomBytes(48, 10)))
	})
	if !r.open || !r.encrypts || r.junk+r.commands+r.replies != 0 {
		t.Errorf("%+v; want an encrypted open and no lines", r)
	}
}

// TestLooksLikeCiphertext: random bytes are ciphertext; FTP text is not,
// with UTF-8 path names and Telnet commands in it.
func TestLooksLikeCiphertext(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"random", randomBytes(64, 11), true},
		{"random long", randomBytes(1400, 12), true},
		{"short random", randomBytes(40, 13), false},
		{"listing of replies", []byte("150 Here comes the directory listing.\r\n226 Directory send OK.\r\n227 Entering Passive Mode (10,1,0,1,156,164).\r\n"), false},
		{"UTF-8 names", []byte("RETR /données/фото/写真/ファイル名.jpg\r\nRETR /données/фото/写真/ファイル名.jpg\r\n"), false},
		{"Telnet ABOR", []byte("\xff\xf4\xff\xf2ABOR\r\n\xff\xfb\x01\xff\xfd\x03STOR some/longer/name/of/a/file.bin\r\n"), false},
	} {
		if got := looksLikeCiphertext(tc.b); got != tc.want {
			t.Errorf("%s: looksLikeCiphertext = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// TestAuthLostThen234ClientHello: the client's AUTH TLS lost in a capture
// gap, the server's 234, then the client's ClientHello: TLS began, its
// records are no junk lines (before, each was "not FTP" and the session
// was read as plain FTP that announced nothing). A 234 with no AUTH seen
// and text after it stays FTP. rev-loss: vsftpd-ftps-ftplib.pcap without
// packet 8.
func TestAuthLostThen234ClientHello(t *testing.T) {
	hello := "\x16\x03\x01\x00\x2f\x01\x00\x00\x2b\x03\x03" + string(randomBytes(41, 2))
	r := tlsStartRun(t, convServer, true, func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cseq += uint32(len("AUTH TLS\r\n")) // lost
		v.srv("234 Proceed with negotiation.\r\n")
		v.cli(hello)
		v.srv("\x16\x03\x03\x00\x40" + string(randomBytes(64, 5)))
		v.cli("\x17\x03\x03\x00\x30" + string(randomBytes(48, 6)) + "\n\n")
		v.srv("\x17\x03\x03\x00\x30" + string(randomBytes(48, 7)) + "\r\n")
	})
	if r.junk != 0 || r.turned != 1 || !r.encrypts || r.replies != 2 {
		t.Errorf("%d junk lines, %d turns to TLS, %d replies; want none, one ControlEncrypted, the 220 and the 234: %+v", r.junk, r.turned, r.replies, r)
	}
	plain := tlsStartRun(t, convServer, true, func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cseq += uint32(len("FEAT\r\n")) // lost
		v.srv("234 odd\r\n")
		v.cli("USER bob\r\n")
		v.srv("331 Please specify the password.\r\n")
	})
	if plain.turned != 0 || plain.encrypts || plain.commands != 1 || plain.replies != 3 {
		t.Errorf("234 then text: %+v; want FTP, 1 command, 3 replies", plain)
	}
}
