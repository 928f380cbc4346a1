package vantage

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

var t0 = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// point builds a collector holding one control connection and one passive
// data connection, answering a 227 that names it, as seen there; skew is
// the point's clock offset and hop its distance from the client in
// milliseconds. The point captured from the SYN to 10 s after.
func point(name string, skew time.Duration, hop int, server string, data *Data) *Collector {
	c := NewCollector(name, Options{})
	at := func(ms int) time.Time { return t0.Add(skew + time.Duration(ms)*time.Millisecond) }
	ctl := &Control{Client: ap("10.0.0.2:40000"), Server: ap(server + ":21"), ISN: [2]uint32{1000, 9000},
		HaveISN: [2]bool{true, true}, SYN: at(hop), SYNACK: at(20 - hop), Start: at(hop), SYNs: 1, SYNACKs: 1, Last: at(10000)}
	c.ctlList = append(c.ctlList, ctl)
	c.files = []fileSpan{{first: at(hop), last: at(10000), packets: 10}}
	if data != nil {
		data.FirstSYN, data.LastSYN, data.HaveISN = at(100+hop), at(100+hop), true
		ctl.Announce = append(ctl.Announce, Announcement{Via: ftp.ViaPASV, Endpoint: data.Dst, TS: at(50 + hop)})
		c.dataList = append(c.dataList, data)
	}
	return c
}

func TestWhere(t *testing.T) {
	syn := func(dst string) *Data { return &Data{Src: ap("10.0.0.2:50000"), Dst: ap(dst), ISN: 77, SYNs: 1} }
	tests := []struct {
		name        string
		client, srv *Data
		want        Where
	}{
		{"syn dropped in between", syn("198.51.100.1:40001"), nil, LostSYN},
		{"syn-ack dropped on the way back", syn("198.51.100.1:40001"), func() *Data { d := syn("10.1.0.2:40001"); d.SYNACKs = 1; return d }(), LostSYNACK},
		{"server silent", syn("198.51.100.1:40001"), syn("10.1.0.2:40001"), NoAnswer},
		{"reset from the router", func() *Data {
			d := syn("198.51.100.1:40001")
			d.RST, d.RSTFrom, d.RSTFromDst = t0, netip.MustParseAddr("198.51.100.1"), true
			return d
		}(), syn("10.1.0.2:40001"), RSTInBetween},
		{"server refused", func() *Data {
			d := syn("198.51.100.1:40001")
			d.RST, d.RSTFromDst = t0, true
			return d
		}(), func() *Data { d := syn("10.1.0.2:40001"); d.RST, d.RSTFromDst = t0, true; return d }(), RSTFromReceiver},
		{"icmp from the router", func() *Data {
			d := syn("198.51.100.1:40001")
			d.ICMP, d.ICMPFrom = t0, netip.MustParseAddr("192.0.2.254")
			return d
		}(), syn("10.1.0.2:40001"), ICMPInBetween},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The server's point is given first and its clock is 3 s
			// ahead: order and offset must come from the packets.
			srv := point("server", 3*time.Second, 5, "10.1.0.2", tc.srv)
			srv.NonTCP(2) // ARP: its capture not filtered to FTP's ports
			cli := point("client", 0, 0, "198.51.100.1", tc.client)
			r, err := Merge([]*Collector{srv, cli})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 1 {
				t.Fatalf("sessions %d", len(r.Sessions))
			}
			if got := -r.Offsets[1].Offset; got != 3*time.Second {
				t.Errorf("offset %v, want the client 3 s behind", r.Offsets[1].Offset)
			}
			p := r.Sessions[0].Data[0]
			if p.Where != tc.want || p.Order[0] != 1 {
				t.Fatalf("where %v (%s), order %v; want %v", p.Where, p.Verdict, p.Order, tc.want)
			}
		})
	}
}

func TestMergeNeedsTwoPoints(t *testing.T) {
	if _, err := Merge([]*Collector{NewCollector("a", Options{})}); err != ErrPoints {
		t.Fatalf("err %v", err)
	}
}
