package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestLooseActiveEndpointRead: a PORT or EPRT written loosely, as vsftpd,
// Pure-FTPd or ProFTPD accept it ("0,25,", "0,+25", no closing '|'), is
// an endpoint (marked Loose, no error), so that the server's connection
// to it, a bounce among them, is followed; before, it was "malformed"
// and announced nothing. What no server reads as the client wrote it
// stays malformed, and LPRT, which none of them implements, is read as
// its RFC writes it only.
func TestLooseActiveEndpointRead(t *testing.T) {
	for _, tc := range []struct {
		line  string
		via   ftp.Via
		want  string // "": no endpoint
		loose bool
	}{
		{"PORT 10,0,0,99,0,25", ftp.ViaPORT, "10.0.0.99:25", false},
		{"PORT 10,0,0,99,0,25,", ftp.ViaPORT, "10.0.0.99:25", true},
		{"PORT 10,0,0,99,0,25x", ftp.ViaPORT, "10.0.0.99:25", true},
		{"PORT 10,0,0,99,0,+25", ftp.ViaPORT, "10.0.0.99:25", true},
		{"EPRT |1|10.0.0.99|25", ftp.ViaEPRT, "10.0.0.99:25", true},
		{"EPRT |1|10.0.0.99|25|x", ftp.ViaEPRT, "10.0.0.99:25", true},
		{"EPRT |1|10,0,0,99|25|", ftp.ViaEPRT, "10.0.0.99:25", true},
		{"PORT (10,0,0,99,0,25)", ftp.ViaPORT, "", false},
		{"PORT 10,0,0,99,256,25,", ftp.ViaPORT, "", false},
		{"EPRT !1!10.0.0.99!+25!", ftp.ViaEPRT, "", false},
		{"LPRT 4,4,10,0,0,99,2,0,25,", ftp.ViaLPRT, "", false},
	} {
		t.Run(tc.line, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, ts: convT0, cseq: 1000, sseq: 5000}
			v.handshake()
			v.srv("220 ready\r\n")
			v.cli(tc.line + "\r\n")
			v.srv("200 PORT command successful.\r\n")
			d.Finish()
			var got *ControlEvent
			for i := range rec.control {
				if e := &rec.control[i]; e.Kind == ControlCommand && e.Endpoint.Via != 0 {
					got = e
				}
			}
			switch {
			case got == nil:
				t.Fatal("no command announcing an endpoint")
			case got.Endpoint.Via != tc.via:
				t.Errorf("via %v, want %v", got.Endpoint.Via, tc.via)
			case tc.want == "" && (got.EndpointErr == nil || got.Endpoint.Loose):
				t.Errorf("endpoint %v (loose %v), want malformed", got.Endpoint.Addr, got.Endpoint.Loose)
			case tc.want != "" && (got.EndpointErr != nil || got.Endpoint.Addr != netip.MustParseAddrPort(tc.want) || got.Endpoint.Loose != tc.loose):
				t.Errorf("endpoint %v (loose %v, err %v), want %s (loose %v)", got.Endpoint.Addr, got.Endpoint.Loose, got.EndpointErr, tc.want, tc.loose)
			}
		})
	}
}

// TestLooseEndpointCutInsideLastNumber: a loosely written PORT or EPRT
// that the capture cut inside its last number ("0,+2" of "0,+25", "|25"
// of "|250") is ErrEndpointCut, as a well-formed one is (snapcut_control_test.go),
// not an endpoint on the wrong port; cut after a character no digit
// follows, it is whole.
func TestLooseEndpointCutInsideLastNumber(t *testing.T) {
	for _, tc := range []struct{ line, keep, want string }{
		{"PORT 10,0,0,99,0,+25\r\n", "PORT 10,0,0,99,0,+2", "PORT=cut"},
		{"PORT 10,0,0,99,0,25,\r\n", "PORT 10,0,0,99,0,25,", "PORT=10.0.0.99:25"},
		{"EPRT |1|10.0.0.99|250\r\n", "EPRT |1|10.0.0.99|25", "EPRT=cut"},
	} {
		t.Run(tc.keep, func(t *testing.T) {
			rec, _, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cutCli(tc.line, len(tc.keep), FlagACK|FlagPSH)
			v.srv("200 ok\r\n")
			v.cli("RETR f\r\n")
			v.d.Finish()
			if got := story(rec, false); !strings.Contains(" "+got+" ", " "+tc.want+" ") {
				t.Errorf("got %q, want %q in it", got, tc.want)
			}
		})
	}
}

// TestRefusedConnectFromDataPortIsNoSession: a SYN from port 20 to a
// control port is an FTP server's active data connection (its PORT
// unread or not in the capture) or a scan from source port 20 (nmap -g
// 20), never a client's control connection: its refusal, or its SYNs
// unanswered, say no session (that session's control-refused advised
// opening port 21 on the host the server was made to connect to). A
// client's SYN from an ephemeral port still does, and a connection from
// port 20 that opens and speaks FTP is followed.
func TestRefusedConnectFromDataPortIsNoSession(t *testing.T) {
	const isn = 1000
	ftpServer := netip.MustParseAddrPort("192.0.2.10:20")
	target := netip.MustParseAddrPort("198.51.100.9:21")
	for _, tc := range []struct {
		name     string
		from     netip.AddrPort
		ports    []uint16
		drive    func(v *conv)
		sessions int
	}{
		{"refused, from port 20", ftpServer, nil, func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 0, isn+1, FlagRST|FlagACK, "")
		}, 0},
		{"unanswered, from port 20", ftpServer, nil, func(v *conv) {
			for _, gap := range []time.Duration{0, time.Second, 2 * time.Second} {
				v.ts = v.ts.Add(gap)
				v.send(v.c, v.s, isn, 0, FlagSYN, "")
			}
			later(v, 8*time.Second)
		}, 0},
		{"refused, from an ephemeral port: a session", netip.MustParseAddrPort("192.0.2.10:40020"), nil, func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 0, isn+1, FlagRST|FlagACK, "")
		}, 1},
		{"refused, from port 20 that is itself a control port: a session", ftpServer, []uint16{20, 21}, func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 0, isn+1, FlagRST|FlagACK, "")
		}, 1},
		{"opened from port 20 and spoke FTP: a session", ftpServer, nil, func(v *conv) {
			v.cseq, v.sseq = isn, 5000
			v.handshake()
			v.srv("220 ready\r\n")
			v.cli("USER anonymous\r\n")
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{ControlPorts: tc.ports})
			v := &conv{t: t, d: d, c: tc.from, s: target, ts: convT0}
			tc.drive(v)
			d.Finish()
			if n := countKind(rec, ControlOpen); n != tc.sessions {
				t.Errorf("%d sessions, want %d", n, tc.sessions)
			}
			for _, e := range rec.control {
				if e.Kind == ControlClose && e.Connect != nil && tc.from.Port() == 20 && tc.ports == nil {
					t.Errorf("a connect failure said for port 20: %+v", *e.Connect)
				}
			}
		})
	}
}
