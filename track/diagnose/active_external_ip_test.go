package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestActiveExternalIPIsNoBounce guards the reading of a PORT that names
// the public address of the NAT in front of the client (FileZilla's and
// WinSCP's active-mode external IP, lftp's ftp:port-ipv4), seen from the
// client's side of that NAT: client 10.0.0.50 talks to 198.51.100.30 and
// names 203.0.113.77, its router's public address. The server sees the
// control connection come from that address too, so it is no FTP bounce,
// and nothing shows vsftpd's port_promiscuous. When the router does not
// forward the port, the failure is active-blocked with the cause most
// likely at that router (a bounce to a host that did not answer is the
// other reading: a connection that never came does not tell); when it
// does, the data connection arrives at 10.0.0.50 through the port
// forward (not "the server connected to the client's own address
// instead"), and only an info says how. A refusal of the address is the
// refused bounce it was (an info), the setting out of date its innocent
// reading: a stock server refuses it because it is not the control
// connection's address, which the NAT's is. Real bounces stay bounces:
// a public client naming a third host, a private client naming two public
// hosts or a port below 1024, a capture the handshakes place at the
// server, a host of a private server's own network.
func TestActiveExternalIPIsNoBounce(t *testing.T) {
	const (
		cli     = "10.0.0.50:57310"
		srv     = "198.51.100.30:21"
		natAddr = "203.0.113.77"
	)
	login := func(w *wire, greeting string) {
		w.reply(220, greeting)
		w.cmd("USER erin")
		w.reply(331, "Please specify the password.")
		w.cmd("PASS correcthorse")
		w.reply(230, "Login successful.")
	}
	// unforwarded: PORT, LIST, no SYN anywhere in the capture, 425.
	unforwarded := func(w *wire, target string) {
		w.announceActive(ftp.ViaPORT, ap(target), 200, "PORT command successful. Consider using PASV.")
		w.cmd("LIST")
		w.wait(60 * time.Second)
		w.reply(425, "Failed to establish connection.")
	}
	// forwarded: the server's connection to the named port arrives at the
	// client's own address, as the router's port forward delivers it.
	forwarded := func(w *wire, target string) {
		a := ap(target)
		w.announceActive(ftp.ViaPORT, a, 200, "PORT command successful. Consider using PASV.")
		w.cmd("LIST")
		from, to := ap("198.51.100.30:20"), netip.AddrPortFrom(w.cli.Addr(), a.Port())
		list := []byte("-rw-r--r-- 1 ftp ftp 1 Jan 01 00:00 x\r\n")
		w.seg(from, to, decode.FlagSYN, 100, nil)
		w.seg(to, from, decode.FlagSYN|decode.FlagACK, 900, nil)
		w.seg(from, to, decode.FlagACK, 101, nil)
		w.reply(150, "Here comes the directory listing.")
		w.seg(from, to, decode.FlagACK|decode.FlagPSH, 101, list)
		w.seg(from, to, decode.FlagFIN|decode.FlagACK, 101+uint32(len(list)), nil)
		w.seg(to, from, decode.FlagFIN|decode.FlagACK, 901, nil)
		w.reply(226, "Directory send OK.")
	}
	// serverSideListing: a passive listing whose handshake is timed
	// beside the server (the SYN-ACK at once, the ACK a round trip
	// later): the session's own data connection places the capture at
	// the server.
	serverSideListing := func(w *wire) {
		w.cmd("PASV")
		w.reply(227, "Entering Passive Mode (198,51,100,30,195,100).")
		w.cmd("LIST")
		c, s := ap("10.0.0.50:40000"), ap("198.51.100.30:50020")
		w.seg(c, s, decode.FlagSYN, 100, nil)
		w.seg(s, c, decode.FlagSYN|decode.FlagACK, 900, nil)
		w.wait(30 * time.Millisecond)
		w.seg(c, s, decode.FlagACK, 101, nil)
		w.reply(150, "Here comes the directory listing.")
		w.seg(s, c, decode.FlagACK|decode.FlagPSH, 901, []byte("x\r\n"))
		w.seg(s, c, decode.FlagFIN|decode.FlagACK, 904, nil)
		w.seg(c, s, decode.FlagFIN|decode.FlagACK, 101, nil)
		w.reply(226, "Directory send OK.")
	}
	tests := []struct {
		name          string
		cli, srv      string
		greeting      string
		run           func(w *wire)
		want          map[string]int // finding code -> how many
		sev           map[string]Severity
		in            map[string][]string // finding code -> words its message or advice holds
		verdictIn     []string
		verdictNotIn  []string
		notInFindings []string // words no finding holds
	}{
		{name: "external IP, router does not forward: active-blocked at the router most likely, the bounce the other reading",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run:  func(w *wire) { unforwarded(w, natAddr+":50002") },
			want: map[string]int{CodeActiveBlocked: 1, CodeFTPBounce: 0, CodeNATMismatch: 0},
			sev:  map[string]Severity{CodeActiveBlocked: SeverityError},
			in: map[string][]string{CodeActiveBlocked: {"203.0.113.77 is a public address, not the client's 10.0.0.50", "Most likely it is that NAT's own",
				"Otherwise it is another host", "does not forward port 50002", "external IP", "-i <WAN interface> -d 203.0.113.77", "DNAT --to-destination 10.0.0.50", "Use passive mode"}},
			verdictIn:     []string{"blocked at the NAT in front of the client", "forward the client's active-mode port range", "other reading"},
			verdictNotIn:  []string{"outgoing firewall"},
			notInFindings: []string{"so this is no FTP bounce", "Rules on the client change nothing"}},
		{name: "external IP, router forwards: worked, an info at most, no bounce",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run: func(w *wire) {
				forwarded(w, natAddr+":50000")
				forwarded(w, natAddr+":50001")
			},
			want:          map[string]int{CodeFTPBounce: 0, CodeNATTranslated: 1, CodeActiveBlocked: 0, CodeNATMismatch: 0},
			sev:           map[string]Severity{CodeNATTranslated: SeverityInfo},
			in:            map[string][]string{CodeNATTranslated: {"external IP", "arrived at 10.0.0.50:50000", "forwards that port"}},
			verdictIn:     []string{"worked"},
			notInFindings: []string{"connected to the client's own address", "port_promiscuous", "FTP bounce (RFC"}},
		{name: "external IP, router forwards, 12 transfers: a port each, still no bounce",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run: func(w *wire) {
				for p := range uint16(12) {
					forwarded(w, netip.AddrPortFrom(netip.MustParseAddr(natAddr), 50000+p).String())
				}
			},
			want: map[string]int{CodeFTPBounce: 0, CodeNATTranslated: 1, CodeActiveBlocked: 0}},
		{name: "external IP, router does not forward, 12 tries: still no bounce",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run: func(w *wire) {
				for p := range uint16(12) {
					unforwarded(w, netip.AddrPortFrom(netip.MustParseAddr(natAddr), 50000+p).String())
				}
			},
			want:      map[string]int{CodeFTPBounce: 0, CodeActiveBlocked: 12},
			verdictIn: []string{"blocked at the NAT in front of the client"}},
		{name: "external IP, router forwards, the client drops the SYNs: open the port statically, no helper",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run: func(w *wire) {
				w.announceActive(ftp.ViaPORT, ap(natAddr+":50002"), 200, "PORT command successful. Consider using PASV.")
				w.cmd("LIST")
				from, to := ap("198.51.100.30:20"), ap("10.0.0.50:50002")
				for range 3 {
					w.seg(from, to, decode.FlagSYN, 100, nil)
					w.wait(time.Second)
				}
				w.reply(425, "Failed to establish connection.")
			},
			want:          map[string]int{CodeActiveBlocked: 1, CodeFTPBounce: 0},
			in:            map[string][]string{CodeActiveBlocked: {"statically on the client", "expects no connection"}},
			notInFindings: []string{"attach the FTP conntrack helper", "connected to the client's own address"}},
		{name: "external IP, a server that connects at the PORT answers 425, no SYN",
			cli: cli, srv: srv, greeting: "pyftpdlib 1.5.7 ready.",
			run: func(w *wire) {
				w.announceActive(ftp.ViaPORT, ap(natAddr+":50002"), 425, "Can't connect to specified address.")
			},
			want: map[string]int{CodeActiveBlocked: 1, CodeFTPBounce: 0},
			in:   map[string][]string{CodeActiveBlocked: {"does not forward port 50002"}}},
		{name: "a refused public address stays a refused bounce, the setting out of date its innocent reading",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run: func(w *wire) {
				w.announceActive(ftp.ViaPORT, ap(natAddr+":50002"), 500, "Illegal PORT command.")
			},
			want:          map[string]int{CodeActiveRefused: 0, CodeFTPBounce: 1},
			sev:           map[string]Severity{CodeFTPBounce: SeverityInfo},
			in:            map[string][]string{CodeFTPBounce: {"The server refused it", "out of date", "external IP"}},
			notInFindings: []string{"does not rewrite"}},

		// Bounces that stay bounces.
		{name: "public client names a third public host",
			cli: "192.0.2.10:57310", srv: srv, greeting: vsftpdGreeting,
			run:          func(w *wire) { unforwarded(w, natAddr+":50002") },
			want:         map[string]int{CodeFTPBounce: 1, CodeActiveBlocked: 0},
			sev:          map[string]Severity{CodeFTPBounce: SeverityWarning},
			in:           map[string][]string{CodeFTPBounce: {"port_promiscuous=YES"}},
			verdictIn:    []string{"FTP bounce"},
			verdictNotIn: []string{"NAT in front"}},
		{name: "private client names two public hosts: a NAT has one",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run: func(w *wire) {
				unforwarded(w, natAddr+":50002")
				unforwarded(w, "203.0.113.99:50003")
			},
			want: map[string]int{CodeFTPBounce: 1},
			in:   map[string][]string{CodeFTPBounce: {"203.0.113.99", "203.0.113.77", "only that one"}}},
		{name: "private client names port 25 of a public host",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run:  func(w *wire) { unforwarded(w, natAddr+":25") },
			want: map[string]int{CodeFTPBounce: 1, CodeActiveBlocked: 0},
			in:   map[string][]string{CodeFTPBounce: {"below port 1024"}}},
		{name: "private client, capture at the server: the PORT names another address than the control connection's",
			cli: cli, srv: srv, greeting: vsftpdGreeting,
			run: func(w *wire) {
				serverSideListing(w)
				unforwarded(w, natAddr+":50002")
			},
			want: map[string]int{CodeFTPBounce: 1, CodeActiveBlocked: 0}},
		{name: "public client names a host of a private server's own network",
			cli: "192.0.2.10:57310", srv: "10.1.1.10:21", greeting: vsftpdGreeting,
			run:  func(w *wire) { unforwarded(w, "10.1.1.20:3306") },
			want: map[string]int{CodeFTPBounce: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.cli, tc.srv)
			login(w, tc.greeting)
			tc.run(w)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			codes := codesOf(w.c)
			bad := false
			for code, n := range tc.want {
				if codes[code] != n {
					t.Errorf("%s: %d findings, want %d", code, codes[code], n)
					bad = true
				}
			}
			for code, sev := range tc.sev {
				if f := w.c.find(code); f != nil && f.Severity != sev {
					t.Errorf("%s: severity %s, want %s", code, f.Severity, sev)
					bad = true
				}
			}
			for code, words := range tc.in {
				f := w.c.find(code)
				if f == nil {
					continue // counted above
				}
				for _, s := range words {
					if !strings.Contains(f.Message+" "+f.Advice, s) {
						t.Errorf("%s lacks %q", code, s)
						bad = true
					}
				}
			}
			for _, f := range w.c.fs {
				for _, s := range tc.notInFindings {
					if strings.Contains(f.Message+" "+f.Advice, s) {
						t.Errorf("%s holds %q", f.Code, s)
						bad = true
					}
				}
			}
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries, want 1", len(sums))
			}
			v := sums[0].Verdict
			for _, s := range tc.verdictIn {
				if !strings.Contains(v, s) {
					t.Errorf("verdict lacks %q: %s", s, v)
					bad = true
				}
			}
			for _, s := range tc.verdictNotIn {
				if strings.Contains(v, s) {
					t.Errorf("verdict holds %q: %s", s, v)
					bad = true
				}
			}
			if bad {
				dumpFindings(t, w.c)
			}
		})
	}
}
