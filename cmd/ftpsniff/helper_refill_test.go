package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// rawPkt is one TCP packet of a hand-made capture.
type rawPkt struct {
	src, dst  netip.AddrPort
	seq, ack  uint32
	syn, ackf bool
	p         string
}

// writeRawCapture writes pkts, 1 ms apart, IPv4 or IPv6 by their
// addresses (TTL 64: no router between the hosts and the capture).
func writeRawCapture(t *testing.T, path string, pkts []rawPkt) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 12, 5, 3, 41, 0, 0, time.UTC)
	for _, k := range pkts {
		ts = ts.Add(time.Millisecond)
		tcp := &layers.TCP{SrcPort: layers.TCPPort(k.src.Port()), DstPort: layers.TCPPort(k.dst.Port()), Seq: k.seq, Ack: k.ack,
			SYN: k.syn, ACK: k.ackf, PSH: k.p != "", Window: 65535}
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		var ip gopacket.SerializableLayer
		if k.src.Addr().Is4() {
			v4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: k.src.Addr().AsSlice(), DstIP: k.dst.Addr().AsSlice()}
			if err := tcp.SetNetworkLayerForChecksum(v4); err != nil {
				t.Fatal(err)
			}
			ip = v4
		} else {
			eth.EthernetType = layers.EthernetTypeIPv6
			v6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: k.src.Addr().AsSlice(), DstIP: k.dst.Addr().AsSlice()}
			if err := tcp.SetNetworkLayerForChecksum(v6); err != nil {
				t.Fatal(err)
			}
			ip = v6
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(k.p)); err != nil {
			t.Fatal(err)
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
}

// ftpDialog builds a control connection's packets from the client's
// handshake on; each call of cl/sv sends one segment and moves that
// sender's sequence number on, skip moves it without a packet (bytes the
// capture lacks), at sends at an earlier sequence number (a
// retransmission).
type ftpDialog struct {
	cli, srv netip.AddrPort
	c, s     uint32
	pkts     []rawPkt
}

func newFTPDialog(cli, srv string) *ftpDialog {
	d := &ftpDialog{cli: netip.MustParseAddrPort(cli), srv: netip.MustParseAddrPort(srv), c: 1000, s: 5000}
	d.pkts = append(d.pkts, rawPkt{src: d.cli, dst: d.srv, seq: d.c, syn: true},
		rawPkt{src: d.srv, dst: d.cli, seq: d.s, ack: d.c + 1, syn: true, ackf: true})
	d.c, d.s = d.c+1, d.s+1
	d.pkts = append(d.pkts, rawPkt{src: d.cli, dst: d.srv, seq: d.c, ack: d.s, ackf: true})
	return d
}

func (d *ftpDialog) cl(p string) {
	d.pkts = append(d.pkts, rawPkt{src: d.cli, dst: d.srv, seq: d.c, ack: d.s, ackf: true, p: p})
	d.c += uint32(len(p))
}

func (d *ftpDialog) sv(p string) {
	d.pkts = append(d.pkts, rawPkt{src: d.srv, dst: d.cli, seq: d.s, ack: d.c, ackf: true, p: p})
	d.s += uint32(len(p))
}

func (d *ftpDialog) svAt(seq uint32, p string) {
	d.pkts = append(d.pkts, rawPkt{src: d.srv, dst: d.cli, seq: seq, ack: d.c, ackf: true, p: p})
}

func (d *ftpDialog) login() {
	d.sv("220 test server\r\n")
	d.cl("USER anonymous\r\n")
	d.sv("331 Password.\r\n")
	d.cl("PASS x@\r\n")
	d.sv("230 Ok.\r\n")
}

// dataConn adds a data connection's handshake from the client to dst.
func (d *ftpDialog) dataConn(from, dst string) {
	f, t := netip.MustParseAddrPort(from), netip.MustParseAddrPort(dst)
	d.pkts = append(d.pkts, rawPkt{src: f, dst: t, seq: 7000, syn: true},
		rawPkt{src: t, dst: f, seq: 9000, ack: 7001, syn: true, ackf: true},
		rawPkt{src: f, dst: t, seq: 7001, ack: 9001, ackf: true})
}

// TestHelperRetransmissionFillingAHoleIsSearched guards a 227 whose first
// bytes the capture lacks and a retransmission later fills, in the shapes
// of two captures recorded through a Linux 6.18.44 router where the kernel
// created the expectation and the data SYN was answered (RELATED):
// d3-lost-client (the 227's first copy lost between router and client,
// "150 Here." sent before the 227 came again) and
// d2-227-split-nosack-client (the 227 split after "(10,97,", the router
// dropping the first part, the tail passing alone, then the whole line).
// The router searched those bytes at a remembered line start; before, the
// hole's assumed line end pushed that start out and ftpsniff said
// helper-no-expectation ("segment does not start after a remembered
// newline") and helper-would-block.
func TestHelperRetransmissionFillingAHoleIsSearched(t *testing.T) {
	const whole = "227 Entering Passive Mode (10,97,2,2,175,200).\r\n"
	const head = "227 Entering Passive Mode (10,97,"
	for _, tc := range []struct {
		name  string
		build func(d *ftpDialog)
	}{
		{"first copy lost past the router", func(d *ftpDialog) {
			s := d.s
			d.s += uint32(len(whole))
			d.sv("150 Here.\r\n")
			d.svAt(s, whole)
		}},
		{"split, first part dropped by the router", func(d *ftpDialog) {
			s := d.s
			d.s += uint32(len(head))
			d.sv(whole[len(head):])
			d.svAt(s, whole)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFTPDialog("10.97.1.2:40432", "10.97.2.2:21")
			d.login()
			d.cl("PASV\r\n")
			tc.build(d)
			d.dataConn("10.97.1.2:41288", "10.97.2.2:45000")
			d.sv("226 Done.\r\n")
			d.cl("QUIT\r\n")
			d.sv("221 Bye.\r\n")
			path := filepath.Join(t.TempDir(), "c.pcap")
			writeRawCapture(t, path, d.pkts)
			fs := helperCodeFindings(t, path)
			for _, code := range []string{CodeHelperIgnored, CodeHelperBlocks} {
				if got := findingsOf(fs, code); len(got) != 0 {
					t.Errorf("%s: %v", code, got[0]["message"])
				}
			}
			opens := findingsOf(fs, CodeHelperOpens)
			if len(opens) != 1 {
				t.Fatalf("helper-opens: %d, want 1 (findings %v)", len(opens), fs)
			}
			if msg, _ := opens[0]["message"].(string); !strings.Contains(msg, "fills a hole this capture left where a line began") {
				t.Errorf("helper-opens does not say that its 227 filled a hole: %s", msg)
			}
		})
	}
}

// TestHelperDropNamesEPRTFamilyMismatch guards the helper-drop of an
// "EPRT |1|…" on an IPv6 control connection (recorded on Linux 6.18.44:
// c11-v6-eprt1, the EPRT never reached the server): the finding names the
// family mismatch and advises the client's family, not a split command
// and "numbers did not parse".
func TestHelperDropNamesEPRTFamilyMismatch(t *testing.T) {
	d := newFTPDialog("[fd97:1::2]:40000", "[fd97:2::2]:21")
	d.login()
	c := d.c
	d.cl("EPRT |1|10.97.1.2|50000|\r\n")
	d.pkts = append(d.pkts, rawPkt{src: d.cli, dst: d.srv, seq: c, ack: d.s, ackf: true, p: "EPRT |1|10.97.1.2|50000|\r\n"})
	d.sv("200 PORT ok.\r\n")
	d.cl("QUIT\r\n")
	d.sv("221 Bye.\r\n")
	path := filepath.Join(t.TempDir(), "c.pcap")
	writeRawCapture(t, path, d.pkts)
	drops := findingsOf(helperCodeFindings(t, path), CodeHelperDrop)
	if len(drops) != 1 {
		t.Fatalf("helper-drop: %d findings, want 1", len(drops))
	}
	msg, _ := drops[0]["message"].(string)
	if !strings.Contains(msg, "EPRT |1| (IPv4) on an IPv6 connection, where only |2| is read") || strings.Contains(msg, "numbers did not parse") {
		t.Errorf("message: %s", msg)
	}
	if adv, _ := drops[0]["advice"].(string); !strings.Contains(adv, "the control connection's family") || strings.Contains(adv, "one segment") {
		t.Errorf("advice: %s", adv)
	}
}
