package main

import (
	"net/netip"
	"strings"
	"testing"
)

// tlsRecord is a TLS record of content type typ with n bytes of body.
func tlsRecord(typ byte, n int) []byte {
	b := []byte{typ, 3, 3, byte(n >> 8), byte(n)}
	for i := range n {
		b = append(b, byte(i*7+1))
	}
	return b
}

// TestHelperEncryptedAdviceFollowsTheMode guards the advice of
// helper-encrypted: under TLS the helper sees neither a 227 nor a PORT,
// and an active-mode session (the server's data SYNs from port 20 to the
// client) is served by passive mode on the client or the client's
// listening ports opened, not by the server's passive range, as
// active-blocked says. Before: the server's passive range and address
// for every session (reviewer's ftpsactive.pcap).
func TestHelperEncryptedAdviceFollowsTheMode(t *testing.T) {
	cli := netip.MustParseAddrPort("192.0.2.50:40000")
	srv := netip.MustParseAddrPort("198.51.100.10:21")
	for _, tc := range []struct {
		name      string
		from, to  netip.AddrPort // the data SYN; invalid: none
		says, not []string
	}{
		{"active", netip.MustParseAddrPort("198.51.100.10:20"), netip.MustParseAddrPort("192.0.2.50:50000"),
			[]string{"use passive mode on the client", "client's listening port range", "CCC"}, []string{"passive port range", "in active mode"}},
		{"passive", netip.MustParseAddrPort("192.0.2.50:50001"), netip.MustParseAddrPort("198.51.100.10:40000"),
			[]string{"server's passive port range", "CCC"}, []string{"client's listening", "in active mode"}},
		// No data connection: the mode is unknown, both are said.
		{"unknown", netip.AddrPort{}, netip.AddrPort{},
			[]string{"in passive mode (PASV, EPSV): open the server's passive port range", "in active mode (PORT, EPRT): use passive mode on the client", "CCC"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			ctl := &wireConn{c: c, a: cli, b: srv, aseq: 1000, bseq: 5000}
			ctl.handshake()
			ctl.fromB([]byte("220 ready\r\n"))
			ctl.fromA([]byte("AUTH TLS\r\n"))
			ctl.fromB([]byte("234 Proceed with negotiation.\r\n"))
			ctl.fromA(tlsRecord(22, 40))
			ctl.fromB(tlsRecord(22, 60))
			for range 4 {
				ctl.fromA(tlsRecord(23, 30))
				ctl.fromB(tlsRecord(23, 40))
			}
			if tc.from.IsValid() {
				for range 3 {
					c.pkt(tc.from, tc.to, 7000, 0, "S", nil)
				}
				ctl.fromB(tlsRecord(23, 50))
			}
			ctl.closeFromB()
			fs := findingsOf(helperCodeFindings(t, path), CodeHelperEncrypt)
			if len(fs) != 1 {
				t.Fatalf("want one helper-encrypted, got %v", fs)
			}
			adv, _ := fs[0]["advice"].(string)
			for _, w := range tc.says {
				if !strings.Contains(adv, w) {
					t.Errorf("advice does not say %q: %s", w, adv)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(adv, w) {
					t.Errorf("advice says %q: %s", w, adv)
				}
			}
		})
	}
}

// TestHelperNoExpectationAdviceForAnotherAddress guards the advice of
// helper-no-expectation and helper-would-block on an announcement of a
// public or unspecified address that is not the sender's (the helper,
// loose=0, expects nothing): a client behind a home NAT that writes its
// external IP into the PORT (FileZilla's, WinSCP's setting; reviewer's
// extip.pcap), whose router's nf_nat_ftp would have rewritten its own
// address; a server announcing 0.0.0.0 (pcaps/real/pasv-zero-*.pcap).
// Before: no advice at all.
func TestHelperNoExpectationAdviceForAnotherAddress(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    natSession
		says []string
	}{
		{"port-external-ip", natSession{client: netip.MustParseAddrPort("192.168.1.10:40000"), server: netip.MustParseAddrPort("198.51.100.10:21"),
			segs:     []natLine{{true, "PORT 203,0,113,5,195,80\r\n"}, {false, "200 PORT ok\r\n"}},
			dataFrom: netip.MustParseAddrPort("198.51.100.10:20"), dataTo: netip.MustParseAddrPort("192.168.1.10:50000"), refused: true},
			[]string{"make the client announce its own address 192.168.1.10", "external IP address setting", "nf_nat_ftp", "use passive mode on the client"}},
		{"pasv-zero", natSession{client: netip.MustParseAddrPort("10.99.0.2:41892"), server: netip.MustParseAddrPort("10.99.0.1:21"),
			segs:     []natLine{{true, "PASV\r\n"}, {false, "227 Entering Passive Mode (0,0,0,0,156,129).\r\n"}},
			dataFrom: netip.MustParseAddrPort("10.99.0.2:46136"), dataTo: netip.MustParseAddrPort("10.99.0.1:40065")},
			[]string{"make the server announce its own address 10.99.0.1", "passive address setting", "nf_nat_ftp", "EPSV"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := natFindings(t, tc.s)
			for _, code := range []string{CodeHelperIgnored, CodeHelperBlocks} {
				got := findingsOf(fs, code)
				if len(got) != 1 {
					t.Fatalf("want one %s, got %v", code, fs)
				}
				adv, _ := got[0]["advice"].(string)
				for _, w := range tc.says {
					if !strings.Contains(adv, w) {
						t.Errorf("%s advice does not say %q: %q", code, w, adv)
					}
				}
			}
		})
	}
}

// TestHelperVerdictOnAReplacedExpectationAfterAnother guards a data SYN
// to the endpoint of a 227 that a later 227 replaced (nf_conntrack_ftp's
// max_expected = 1 evicts the older expectation), after the later one's
// own data connection used its expectation: not RELATED. Before: only
// the latest spent expectation of a control connection was kept, and
// that SYN got no verdict (reviewer's twopasv.pcap).
func TestHelperVerdictOnAReplacedExpectationAfterAnother(t *testing.T) {
	cli := netip.MustParseAddrPort("192.0.2.50:40000")
	srv := netip.MustParseAddrPort("198.51.100.10:21")
	c, path := newWireCap(t)
	ctl := &wireConn{c: c, a: cli, b: srv, aseq: 1000, bseq: 5000}
	ctl.handshake()
	ctl.fromB([]byte("220 ready\r\n"))
	for _, l := range [][2]string{{"USER a", "331 pw"}, {"PASS b", "230 ok"},
		{"PASV", "227 Entering Passive Mode (198,51,100,10,156,64)."}, {"PASV", "227 Entering Passive Mode (198,51,100,10,156,65)."}} {
		ctl.fromA([]byte(l[0] + "\r\n"))
		ctl.fromB([]byte(l[1] + "\r\n"))
	}
	transfer := func(from, to netip.AddrPort, isn uint32) {
		d := &wireConn{c: c, a: from, b: to, aseq: isn, bseq: 90000}
		d.handshake()
		d.fromB([]byte("data"))
		d.closeFromB()
	}
	ctl.fromA([]byte("RETR a\r\n"))
	transfer(netip.MustParseAddrPort("192.0.2.50:50001"), netip.MustParseAddrPort("198.51.100.10:40001"), 70000)
	ctl.fromB([]byte("150 ok\r\n"))
	ctl.fromB([]byte("226 done\r\n"))
	ctl.fromA([]byte("RETR b\r\n"))
	transfer(netip.MustParseAddrPort("192.0.2.50:50002"), netip.MustParseAddrPort("198.51.100.10:40000"), 80000)
	ctl.fromB([]byte("150 ok\r\n"))
	ctl.fromB([]byte("226 done\r\n"))
	ctl.closeFromB()
	var late []map[string]any
	for _, f := range findingsOf(helperCodeFindings(t, path), CodeHelperBlocks) {
		if m, _ := f["message"].(string); strings.Contains(m, "198.51.100.10:40000") {
			late = append(late, f)
		}
	}
	if len(late) != 1 || !strings.Contains(late[0]["message"].(string), "was replaced by the one for the later 227") {
		t.Errorf("want one helper-would-block for the SYN to 40000, replaced: %v", late)
	}
}
