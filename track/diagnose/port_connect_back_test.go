package diagnose

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestPortConnectBack guards the diagnosis of a server that connects back
// to the client at the PORT/EPRT itself, not at the transfer (pyftpdlib,
// Twisted), and answers the PORT with 425 when that connection fails, or
// with pyftpdlib's "421 Active data channel timed out." and goes on. The
// client's firewall rejecting or dropping the connection is active-blocked
// alone: no active-refused ("turn active mode on in the server"), no
// server-data-error saying "no announcement" or "follows from that
// refusal" (an EPRT the server does not implement, answered 502 before
// the PORT it tried, refuses nothing that matters here). A 425 to the
// PORT with no SYN in the capture is blocked before the capture point, as
// vsftpd's 425 after an accepted PORT with no SYN is. vsftpd's 550 with
// port_enable=NO stays active-refused. And a 425 whose text or wire says
// refused is worded refused, not a connect timeout.
func TestPortConnectBack(t *testing.T) {
	cli := "10.220.7.1:44080"
	dcli := ap("10.220.7.1:42809")
	asrv := ap("10.220.7.2:38416")
	const isn = 4242
	rst := func(w *wire) {
		w.segAck(asrv, dcli, decode.FlagSYN, isn, 0)
		w.segAck(dcli, asrv, decode.FlagRST|decode.FlagACK, 0, isn+1)
	}
	drop := func(w *wire) {
		w.segAck(asrv, dcli, decode.FlagSYN, isn, 0)
		w.segAck(asrv, dcli, decode.FlagSYN, isn, 0)
		w.segAck(asrv, dcli, decode.FlagSYN, isn, 0)
	}
	port := func(w *wire, wire func(*wire), code int, text string) {
		b := dcli.Addr().As4()
		arg := strings.Join([]string{strconv.Itoa(int(b[0])), strconv.Itoa(int(b[1])), strconv.Itoa(int(b[2])), strconv.Itoa(int(b[3])), strconv.Itoa(int(dcli.Port() >> 8)), strconv.Itoa(int(dcli.Port() & 0xff))}, ",")
		w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PORT", Arg: arg},
			Endpoint: decode.Endpoint{Via: ftp.ViaPORT, Addr: dcli}})
		if wire != nil {
			wire(w)
		}
		w.reply(code, text)
	}
	tests := []struct {
		name     string
		greeting string
		run      func(w *wire)
		want     map[string]int // finding code -> how many
		in       map[string][]string
		notIn    map[string][]string
	}{
		{name: "Twisted: EPRT 502, PORT, the client's RST, 425", greeting: "Twisted 22.4.0 FTP Server",
			run: func(w *wire) {
				w.announceActive(ftp.ViaEPRT, ap("10.220.7.1:34781"), 502, "Command 'EPRT' not implemented")
				port(w, rst, 425, "Can't open data connection.")
			},
			want: map[string]int{CodeActiveBlocked: 1, CodeActiveRefused: 0, CodeServerDataError: 0},
			in:   map[string][]string{CodeActiveBlocked: {"RST"}}},
		{name: "pyftpdlib: PORT, the client's RST, 425", greeting: "pyftpdlib 1.5.7 ready.",
			run:  func(w *wire) { port(w, rst, 425, "Can't connect to specified address.") },
			want: map[string]int{CodeActiveBlocked: 1, CodeActiveRefused: 0, CodeServerDataError: 0}},
		{name: "Twisted: PORT, SYNs dropped, 425", greeting: "Twisted 22.4.0 FTP Server",
			run:  func(w *wire) { port(w, drop, 425, "Can't open data connection.") },
			want: map[string]int{CodeActiveBlocked: 1, CodeActiveRefused: 0, CodeServerDataError: 0},
			in:   map[string][]string{CodeActiveBlocked: {"no answer"}}},
		{name: "pyftpdlib: PORT, SYNs dropped, 421 timed out, the session goes on", greeting: "pyftpdlib 1.5.7 ready.",
			run:  func(w *wire) { port(w, drop, 421, "Active data channel timed out.") },
			want: map[string]int{CodeActiveBlocked: 1, CodeActiveRefused: 0, CodeServerDataError: 0, CodeSessionRefused: 0, CodeTransferAborted: 0},
			in:   map[string][]string{CodeActiveBlocked: {"421 Active data channel timed out."}}},
		{name: "PORT 425, no SYN in the capture", greeting: "pyftpdlib 1.5.7 ready.",
			run:  func(w *wire) { port(w, nil, 425, "Can't connect to specified address.") },
			want: map[string]int{CodeActiveBlocked: 1, CodeActiveRefused: 0, CodeServerDataError: 0},
			in:   map[string][]string{CodeActiveBlocked: {"no SYN", "server's outgoing firewall", "425 Can't connect to specified address."}}},
		{name: "PORT 425 with no SYN, then LIST 425 anyway", greeting: "Twisted 22.4.0 FTP Server",
			run: func(w *wire) {
				port(w, nil, 425, "Can't open data connection.")
				w.cmd("LIST")
				w.reply(425, "Can't open data connection.")
			},
			want:  map[string]int{CodeActiveBlocked: 1, CodeActiveRefused: 0, CodeServerDataError: 1},
			in:    map[string][]string{CodeServerDataError: {"connection back", "had failed"}},
			notIn: map[string][]string{CodeServerDataError: {"no announcement", "refusal"}}},
		{name: "vsftpd port_enable=NO: refused", greeting: "(vsFTPd 3.0.3)",
			run:  func(w *wire) { port(w, nil, 550, "Permission denied.") },
			want: map[string]int{CodeActiveRefused: 1, CodeActiveBlocked: 0}},
		{name: "inetutils: 200, RETR, the client's RST, 425 refused", greeting: "localhost FTP server (GNU inetutils 2.4) ready.",
			run: func(w *wire) {
				port(w, nil, 200, "PORT command successful.")
				w.cmd("RETR f.txt")
				rst(w)
				w.reply(425, "Can't build data connection: Connection refused.")
			},
			want:  map[string]int{CodeActiveBlocked: 1, CodeActiveRefused: 0, CodeServerDataError: 1},
			in:    map[string][]string{CodeServerDataError: {"refused"}},
			notIn: map[string][]string{CodeServerDataError: {"timeout"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap(cli), srv: ap("10.220.7.2:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, tc.greeting)
			w.cmd("USER user")
			w.reply(331, "Password required for user.")
			w.cmd("PASS secret")
			w.reply(230, "User logged in, proceed")
			tc.run(w)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			for code, n := range tc.want {
				if got := len(w.c.all(code)); got != n {
					dumpFindings(t, w.c)
					t.Errorf("%d %s findings, want %d", got, code, n)
				}
			}
			for code, ws := range tc.in {
				for _, f := range w.c.all(code) {
					all := f.Message + " | " + f.Evidence + " | " + f.Advice
					for _, s := range ws {
						if !strings.Contains(all, s) {
							t.Errorf("%s: no %q in %s", code, s, all)
						}
					}
				}
			}
			for code, ws := range tc.notIn {
				for _, f := range w.c.all(code) {
					for _, s := range ws {
						if strings.Contains(f.Message+" | "+f.Advice, s) {
							t.Errorf("%s: %q in %s | %s", code, s, f.Message, f.Advice)
						}
					}
				}
			}
		})
	}
}
