package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

// tlsControl opens a control connection from cli to srv on c that the
// server greets with greeting, turns to TLS (AUTH TLS, answered with
// authOK, then a handshake) and carries four encrypted records each
// way: what an FTPS session's control channel shows before its data.
func tlsControl(c *wireCap, cli, srv netip.AddrPort, greeting, authOK string) *wireConn {
	ctl := &wireConn{c: c, a: cli, b: srv, aseq: 1000, bseq: 5000}
	ctl.handshake()
	ctl.fromB([]byte(greeting + "\r\n"))
	ctl.fromA([]byte("AUTH TLS\r\n"))
	ctl.fromB([]byte(authOK + "\r\n"))
	ctl.fromA(tlsRecord(22, 40))
	ctl.fromB(tlsRecord(22, 60))
	for range 4 {
		ctl.fromA(tlsRecord(23, 30))
		ctl.fromB(tlsRecord(23, 40))
	}
	return ctl
}

// cccSession writes a control connection that turns to TLS (AUTH TLS,
// 234, TLS records), optionally opens a passive data connection while
// it is encrypted (hidden: no announcement visible), then carries FTP
// text again (CCC) and opens a passive data connection announced in
// clear text.
func cccSession(t *testing.T, hidden bool) string {
	t.Helper()
	cli := netip.MustParseAddrPort("192.0.2.50:40000")
	srv := netip.MustParseAddrPort("198.51.100.10:21")
	c, path := newWireCap(t)
	ctl := tlsControl(c, cli, srv, "220 ready", "234 Proceed with negotiation.")
	if hidden {
		d := &wireConn{c: c, a: netip.MustParseAddrPort("192.0.2.50:50001"), b: netip.MustParseAddrPort("198.51.100.10:40001"), aseq: 70000, bseq: 90000}
		d.handshake()
		d.fromB([]byte("listing"))
		d.closeFromB()
		ctl.fromB(tlsRecord(23, 40))
	}
	// CCC and its 200, then both close_notify alerts: clear text after.
	ctl.fromA(tlsRecord(23, 30))
	ctl.fromB(tlsRecord(23, 40))
	ctl.fromA(tlsRecord(21, 26))
	ctl.fromB(tlsRecord(21, 26))
	// The helper searches a segment only after one that ended a line:
	// the first clear-text line after TLS is not searched (a client
	// sends PWD first, as curl does).
	ctl.fromA([]byte("PWD\r\n"))
	ctl.fromB([]byte("257 \"/\" is the current directory\r\n"))
	ctl.fromA([]byte("PASV\r\n"))
	ctl.fromB([]byte("227 Entering Passive Mode (198,51,100,10,156,66).\r\n"))
	ctl.fromA([]byte("RETR a\r\n"))
	d := &wireConn{c: c, a: netip.MustParseAddrPort("192.0.2.50:50002"), b: netip.MustParseAddrPort("198.51.100.10:40002"), aseq: 80000, bseq: 95000}
	d.handshake()
	ctl.fromB([]byte("150 ok\r\n"))
	d.fromB([]byte("data"))
	d.closeFromB()
	ctl.fromB([]byte("226 done\r\n"))
	ctl.fromA([]byte("QUIT\r\n"))
	ctl.fromB([]byte("221 bye\r\n"))
	ctl.closeFromB()
	return path
}

// TestHelperEncryptedNotForDataAnnouncedAfterCCC guards helper-encrypted
// in a session that returned to clear text (CCC) before its data
// connections: their announcements crossed in clear text, the helper
// read them and opened the ports (helper-opens), so it was not kept from
// helping. Before: "the helper cannot help while the control channel is
// encrypted" for every such session, beside helper-opens for its data
// connection (real: a ProFTPD behind a Linux NAT router whose conntrack
// log showed the expectations; pcaps/real/ftps-ccc-proftpd.pcap session
// 2).
func TestHelperEncryptedNotForDataAnnouncedAfterCCC(t *testing.T) {
	for _, tc := range []struct {
		path string
		// noData: a session that opens no data connection, whose
		// warning stands, as for any session that turned to TLS (0:
		// none).
		noData float64
	}{{cccSession(t, false), 0}, {"../../pcaps/real/ftps-ccc-proftpd.pcap", 1}} {
		path := tc.path
		fs := helperCodeFindings(t, path)
		for _, f := range findingsOf(fs, CodeHelperEncrypt) {
			if f["session"] != tc.noData {
				t.Errorf("%s: want no helper-encrypted for a session with data, got %v", path, f)
			}
		}
		if len(findingsOf(fs, CodeHelperOpens)) == 0 {
			t.Errorf("%s: want helper-opens for the data connection announced after CCC, got %v", path, fs)
		}
	}
}

// TestHelperEncryptedSaysWhatTheCCCLeftHidden guards helper-encrypted in
// a session with a data connection opened while the channel was
// encrypted and a CCC after it: it is raised, for the connections before
// the CCC, and its advice is to clear the channel earlier, not to use a
// CCC the session already uses.
func TestHelperEncryptedSaysWhatTheCCCLeftHidden(t *testing.T) {
	fs := helperCodeFindings(t, cccSession(t, true))
	enc := findingsOf(fs, CodeHelperEncrypt)
	if len(enc) != 1 {
		t.Fatalf("want one helper-encrypted, got %v", fs)
	}
	msg, _ := enc[0]["message"].(string)
	adv, _ := enc[0]["advice"].(string)
	if !strings.Contains(msg, "opened while the control channel was encrypted") || !strings.Contains(msg, "FTP text again at packet") {
		t.Errorf("message: %s", msg)
	}
	if !strings.Contains(adv, "CCC before its first PASV") || strings.Contains(adv, "use clear-text control (CCC)") {
		t.Errorf("advice: %s", adv)
	}
	if !strings.Contains(adv, "server's passive port range") || strings.Contains(adv, "in active mode") {
		t.Errorf("advice for the passive data connection: %s", adv)
	}
}

// TestControlEncryptedAdviceFollowsTheMode guards control-encrypted's
// advice for a session whose hidden data connections were active (the
// server connecting back from port 20): the client's side must let them
// in, or the client use passive mode; the server's passive range alone
// does nothing for them. Both modes: both advices. (The connections'
// SYNs go unanswered: for hidden ones that got through no rule is
// advised.) Before: the server's
// passive range for every session (real: implicit FTPS with active
// mode, the client's firewall dropping the server's SYNs).
func TestControlEncryptedAdviceFollowsTheMode(t *testing.T) {
	cli := netip.MustParseAddrPort("192.0.2.50:40000")
	srv := netip.MustParseAddrPort("198.51.100.10:990")
	active := [2]netip.AddrPort{netip.MustParseAddrPort("198.51.100.10:20"), netip.MustParseAddrPort("192.0.2.50:50000")}
	passive := [2]netip.AddrPort{netip.MustParseAddrPort("192.0.2.50:50001"), netip.MustParseAddrPort("198.51.100.10:40000")}
	for _, tc := range []struct {
		name      string
		data      [][2]netip.AddrPort
		says, not []string
	}{
		{"active", [][2]netip.AddrPort{active},
			[]string{"Use passive mode on the client", "from 198.51.100.10 port 20", "ip saddr 198.51.100.10 tcp sport 20"},
			[]string{"passive range", "pasv_min_port"}},
		{"passive", [][2]netip.AddrPort{passive},
			[]string{"fixed passive range", "pasv_min_port"}, []string{"sport 20", "both modes"}},
		{"both", [][2]netip.AddrPort{active, passive},
			[]string{"both modes", "Active mode (PORT, EPRT): Use passive mode on the client", "tcp sport 20", "Passive mode (PASV, EPSV): Give the server a fixed passive range"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			ctl := &wireConn{c: c, a: cli, b: srv, aseq: 1000, bseq: 5000}
			ctl.handshake()
			ctl.fromA(tlsRecord(22, 40))
			ctl.fromB(tlsRecord(22, 60))
			for i, d := range tc.data {
				ctl.fromA(tlsRecord(23, 30))
				ctl.fromB(tlsRecord(23, 40))
				// Its SYNs unanswered: a firewall drops them (advice
				// for hidden ones that got through names no rule).
				k := &wireConn{c: c, a: d[0], b: d[1], aseq: 70000 + uint32(i)*1000, bseq: 90000}
				for range 3 {
					k.c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
				}
				ctl.fromB(tlsRecord(23, 40))
			}
			ctl.closeFromB()
			var stdout, stderr bytes.Buffer
			if code := run([]string{"read", "--json", path}, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var advs []string
			sc := bufio.NewScanner(&stdout)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var rec map[string]any
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatal(err)
				}
				if rec["type"] == "finding" && rec["code"] == "control-encrypted" {
					a, _ := rec["advice"].(string)
					advs = append(advs, a)
				}
			}
			if len(advs) != 1 {
				t.Fatalf("want one control-encrypted, got %q", advs)
			}
			for _, w := range tc.says {
				if !strings.Contains(advs[0], w) {
					t.Errorf("advice does not say %q: %s", w, advs[0])
				}
			}
			for _, w := range tc.not {
				if strings.Contains(advs[0], w) {
					t.Errorf("advice says %q: %s", w, advs[0])
				}
			}
		})
	}
}
