package diagnose

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// tcpFrames builds Ethernet/IP/TCP frames (IPv4 or IPv6, by the
// addresses) and decodes them, each a millisecond after the last; one
// value per TCP connection, all sharing a decoder and a clock.
type tcpFrames struct {
	d          *decode.Decoder
	now        *time.Time
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

func (f *tcpFrames) send(src, dst netip.AddrPort, seq, ack uint32, flags byte, payload string) {
	tcp := binary.BigEndian.AppendUint16(nil, src.Port())
	tcp = binary.BigEndian.AppendUint16(tcp, dst.Port())
	tcp = binary.BigEndian.AppendUint32(tcp, seq)
	tcp = binary.BigEndian.AppendUint32(tcp, ack)
	tcp = append(tcp, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0)
	tcp = append(tcp, payload...)
	s, d := src.Addr().AsSlice(), dst.Addr().AsSlice()
	// The pseudo-header's sum (RFC 793, RFC 8200 section 8.1).
	sum := uint32(6 + len(tcp))
	for _, b := range [][]byte{s, d, tcp} {
		for i := 0; i < len(b); i += 2 {
			w := uint32(b[i]) << 8
			if i+1 < len(b) {
				w |= uint32(b[i+1])
			}
			sum += w
		}
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(tcp[16:], ^uint16(sum))
	var b []byte
	if src.Addr().Is4() {
		b = []byte{0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0}
		b = binary.BigEndian.AppendUint16(b, uint16(20+len(tcp)))
		b = append(b, 0, 0, 0x40, 0, 64, 6, 0, 0)
	} else {
		b = []byte{0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0}
		b = binary.BigEndian.AppendUint16(b, uint16(len(tcp)))
		b = append(b, 6, 64)
	}
	b = append(append(append(b, s...), d...), tcp...)
	f.d.Decode(b, gopacket.CaptureInfo{Timestamp: *f.now, CaptureLength: len(b), Length: len(b)}, layers.LinkTypeEthernet)
	*f.now = f.now.Add(time.Millisecond)
}

func (f *tcpFrames) open() {
	f.cseq, f.sseq = 1000, 5000
	f.send(f.cli, f.srv, f.cseq, 0, tcpSYN, "")
	f.send(f.srv, f.cli, f.sseq, f.cseq+1, tcpSYN|tcpACK, "")
	f.cseq++
	f.sseq++
	f.send(f.cli, f.srv, f.cseq, f.sseq, tcpACK, "")
}

func (f *tcpFrames) client(p string) {
	f.send(f.cli, f.srv, f.cseq, f.sseq, tcpACK|tcpPSH, p)
	f.cseq += uint32(len(p))
}

func (f *tcpFrames) server(p string) {
	f.send(f.srv, f.cli, f.sseq, f.cseq, tcpACK|tcpPSH, p)
	f.sseq += uint32(len(p))
}

// closeBy is the orderly release started by the server or the client.
func (f *tcpFrames) closeBy(server bool) {
	a, b, as, bs := f.cli, f.srv, &f.cseq, &f.sseq
	if server {
		a, b, as, bs = f.srv, f.cli, &f.sseq, &f.cseq
	}
	f.send(a, b, *as, *bs, tcpFIN|tcpACK, "")
	*as++
	f.send(b, a, *bs, *as, tcpFIN|tcpACK, "")
	*bs++
	f.send(a, b, *as, *bs, tcpACK, "")
}

// epsvSession is a vsftpd session whose client asks EPSV and RETR, the
// data connection coming from data: refused with vsftpd's 425 (the
// default pasv_promiscuous=NO), or served (pasv_promiscuous=YES). It
// runs through decode, track and the diagnoser.
func epsvSession(t *testing.T, ctl, data string, served bool) (*collect, *Diagnoser) {
	t.Helper()
	c := &collect{}
	diag := New(policy.Policy{}, nil, c)
	dec := decode.New(track.New(diag, track.Options{}), decode.Options{})
	now := t0
	srv := "[2001:db8:99::21]"
	if ap(ctl).Addr().Is4() {
		srv = "203.0.113.21"
	}
	k := &tcpFrames{d: dec, now: &now, cli: ap(ctl), srv: ap(srv + ":21")}
	k.open()
	k.server("220 (vsFTPd 3.0.5)\r\n")
	k.client("USER bob\r\n")
	k.server("331 Please specify the password.\r\n")
	k.client("PASS pw\r\n")
	k.server("230 Login successful.\r\n")
	k.client("EPSV\r\n")
	k.server("229 Entering Extended Passive Mode (|||40500|)\r\n")
	dc := &tcpFrames{d: dec, now: &now, cli: ap(data), srv: ap(srv + ":40500")}
	dc.open()
	k.client("RETR a.txt\r\n")
	if served {
		k.server("150 Opening BINARY mode data connection for a.txt (3000 bytes).\r\n")
		dc.server(strings.Repeat("a", 1000))
		dc.server(strings.Repeat("a", 1000))
		dc.server(strings.Repeat("a", 1000))
		dc.closeBy(true)
		k.server("226 Transfer complete.\r\n")
	} else {
		k.server("425 Security: Bad IP connecting.\r\n")
		dc.closeBy(true)
	}
	k.client("QUIT\r\n")
	k.server("221 Goodbye.\r\n")
	k.closeBy(true)
	dec.Finish()
	return c, diag
}

// TestIPv6TemporaryAddressIsNoNATOrTheft guards the reading of a passive
// data connection from another address of the control client's IPv6 /64:
// a client host with temporary addresses (RFC 8981/4941, the default on
// Windows and macOS) whose data connection leaves from another of its
// addresses. It was blamed on a NAT that translates data connections only
// (Docker's userland proxy, SNAT paired pooling: a NAT that does not
// exist) when vsftpd refused it, and on passive port theft or a NAT pool
// (a warning) when the server served it. Now both say the client's own
// temporary address first, with the fix on the client; the refusal stays
// an error (the transfer failed), the served one is an info. Data from
// another /64, a link-local address or IPv4 keeps the NAT reading.
func TestIPv6TemporaryAddressIsNoNATOrTheft(t *testing.T) {
	const (
		ctl  = "[2001:db8:1:2:a1b2:c3d4:e5f6:1]:50000"
		temp = "[2001:db8:1:2:7788:99aa:bbcc:2]:50001"
	)
	natWords := []string{"userland", "paired", "SNAT", "CGNAT", "Docker", "NAT pool"}
	for _, tc := range []struct {
		name, ctl, data string
		served          bool
		code            string
		sev             Severity
		want, never     []string // in message+advice
		verdict, notV   string
	}{
		{"refused, same /64", ctl, temp, false, CodeDataSourceNAT, SeverityError,
			[]string{"same IPv6 /64", "temporary", "the transfer failed", "use_tempaddr", "netsh interface ipv6 set privacy state=disabled", "last resort on the server: vsftpd pasv_promiscuous=YES", "which lets anyone who guesses the port"},
			natWords, "temporary (privacy) address", "source NAT"},
		{"served, same /64", ctl, temp, true, CodeDataForeignSource, SeverityInfo,
			[]string{"same IPv6 /64", "temporary", "Less likely, another host", "Nothing failed", "use_tempaddr", "undo vsftpd pasv_promiscuous=YES"},
			append([]string{"passive port theft)"}, natWords...), "temporary (privacy) address", "port theft"},
		{"ULA, same /64, served", "[fd00:1:2:3::a]:50000", "[fd00:1:2:3:5a1e:77c2:9d04:3b1f]:50001", true, CodeDataForeignSource, SeverityInfo,
			[]string{"same IPv6 /64"}, natWords, "temporary", "port theft"},
		// Same /64, but an address no temporary address looks like (its
		// interface identifier is random, RFC 8981): a numbered host
		// (::66, as a thief on public Wi-Fi or a shared hosting /64 may
		// have) or an EUI-64 one keeps the theft reading.
		{"served, same /64, numbered host", ctl, "[2001:db8:1:2::66]:50001", true, CodeDataForeignSource, SeverityWarning,
			[]string{"passive port theft"}, []string{"temporary"}, "port theft", "temporary"},
		{"served, same /64, EUI-64", ctl, "[2001:db8:1:2:21b:21ff:fe3c:4d5e]:50001", true, CodeDataForeignSource, SeverityWarning,
			[]string{"passive port theft"}, []string{"temporary"}, "port theft", "temporary"},
		// Not one host's /64: the readings of before.
		{"refused, another /64", "[2001:db8:1:2::10]:50000", "[2001:db8:1:3::10]:50001", false, CodeDataSourceNAT, SeverityError,
			[]string{"translates the source of the data connection only", "paired"}, []string{"temporary"}, "source NAT", "temporary"},
		{"refused, link-local", "[fe80::1]:50000", "[fe80::2]:50001", false, CodeDataSourceNAT, SeverityError,
			[]string{"translates the source of the data connection only"}, []string{"temporary"}, "source NAT", "temporary"},
		{"refused, Teredo", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]:50000", "[2001:0:4136:e378:8000:63bf:3fff:fdd3]:50001", false, CodeDataSourceNAT, SeverityError,
			[]string{"translates the source of the data connection only"}, []string{"temporary"}, "source NAT", "temporary"},
		{"served, IPv4 neighbour", "198.51.100.7:50000", "198.51.100.8:50001", true, CodeDataForeignSource, SeverityWarning,
			[]string{"passive port theft", "NAT pool"}, []string{"temporary"}, "port theft", "temporary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, diag := epsvSession(t, tc.ctl, tc.data, tc.served)
			f := c.find(tc.code)
			if f == nil {
				dumpFindings(t, c)
				t.Fatalf("no %s", tc.code)
			}
			if f.Severity != tc.sev {
				t.Errorf("severity %s, want %s", f.Severity, tc.sev)
			}
			all := f.Message + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("%s lacks %q:\n%s", tc.code, s, all)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(all, s) {
					t.Errorf("%s says %q:\n%s", tc.code, s, all)
				}
			}
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			if v := sums[0].Verdict; !strings.Contains(v, tc.verdict) || strings.Contains(v, tc.notV) {
				t.Errorf("verdict %q: want %q, not %q", v, tc.verdict, tc.notV)
			}
		})
	}
}
