package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestPcapOfLinkTypeNotDecodedRefused: a pcap file of a link type the
// decoder does not read (DLT 300) was read to its end and summarised as
// nothing, exit 0; no packet of it can be read, and one line naming the
// file says so when it is opened, as for any unreadable input.
func TestPcapOfLinkTypeNotDecodedRefused(t *testing.T) {
	data := writePcap(t, false, 65535, 300, threePackets(300))
	for name, open := range map[string]func() (Source, error){
		"pipe": func() (Source, error) { return OpenReader("dlt300.pcap", bytes.NewReader(data)) },
		"file": func() (Source, error) {
			return openSized("dlt300.pcap", bytes.NewReader(data), nil, false, pcapBlockSize)
		},
		"gzip": func() (Source, error) { return OpenReader("dlt300.pcap", bytes.NewReader(gz(t, data))) },
	} {
		t.Run(name, func(t *testing.T) {
			s, err := open()
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			var ce *Error
			msg := err.Error()
			if !errors.As(err, &ce) || !errors.Is(err, ErrUnsupported) || ce.Packets != 0 ||
				msg != "dlt300.pcap: link type 300 (DLT 300), which ftpsniff does not decode" {
				t.Errorf("error %q (%T)", msg, err)
			}
		})
	}
	// The link types decoded open as before.
	for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw, 9, 239} {
		s, err := OpenReader("x", bytes.NewReader(writePcap(t, false, 65535, link, threePackets(link))))
		if err != nil {
			t.Fatalf("link type %d: %v", link, err)
		}
		if g := readAll(t, s); g.err != io.EOF || len(g.pkts) != 3 {
			t.Errorf("link type %d: %d packets, then %v", link, len(g.pkts), g.err)
		}
	}
}

// TestPcapngOfLinkTypesNotDecodedFailsAtItsEnd: a pcapng file all of
// whose packets are of link types not decoded ends with ErrUnsupported
// naming the file and the link type, once its packets were passed on
// (an interface of another link type may be described later); one with a
// packet of a decoded link type among them ends cleanly.
func TestPcapngOfLinkTypesNotDecodedFailsAtItsEnd(t *testing.T) {
	pkts := func(ifaces ...int) []pkt {
		var ps []pkt
		for i, f := range ifaces {
			ps = append(ps, pkt{iface: f, ts: t0.Add(time.Duration(i) * time.Second), data: payload(byte(i), 60)})
		}
		return ps
	}
	tests := []struct {
		name  string
		links []layers.LinkType
		pkts  []pkt
		want  string // "" for a clean end
	}{
		{"one link type", []layers.LinkType{300}, pkts(0, 0, 0), "x: all 3 packets are of link type 300 (DLT 300), which ftpsniff does not decode"},
		{"two link types", []layers.LinkType{300, 189}, pkts(0, 1, 0), "x: all 3 packets are of link types ftpsniff does not decode (300, DLT 300, and others)"},
		{"one Ethernet packet", []layers.LinkType{300, layers.LinkTypeEthernet}, pkts(0, 0, 1), ""},
		{"Ethernet first", []layers.LinkType{layers.LinkTypeEthernet, 300}, pkts(0, 1, 1), ""},
		{"no packet", []layers.LinkType{300}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachWay(t, writePcapng(t, tt.links, tt.pkts), func(t *testing.T, s Source) {
				g := readAll(t, s)
				if len(g.pkts) != len(tt.pkts) {
					t.Fatalf("%d packets, want %d", len(g.pkts), len(tt.pkts))
				}
				if tt.want == "" {
					if g.err != io.EOF {
						t.Fatalf("ended with %v", g.err)
					}
					return
				}
				var ce *Error
				if !errors.As(g.err, &ce) || !errors.Is(g.err, ErrUnsupported) || ce.Packets != len(tt.pkts) || g.err.Error() != tt.want {
					t.Fatalf("ended with %v, want %q", g.err, tt.want)
				}
				if _, _, _, err := s.Next(); err != g.err {
					t.Errorf("not sticky: then %v", err)
				}
			})
		})
	}
}

// TestPcapngTsresolZeroIsSeconds: if_tsresol 0 is 10^0, ticks of a
// second; pcapgo takes 0 for an absent option (microseconds), which put
// the capture in 1970, its seconds read as microseconds.
func TestPcapngTsresolZeroIsSeconds(t *testing.T) {
	const sec = 1795468304
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		data := cat(ngSHB(order), ngIDBRes(order, 0),
			ngEPBTicks(order, 0, sec, payload(1, 60)),
			ngEPBTicks(order, 0, sec+3, payload(2, 60)))
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			eachWay(t, data, func(t *testing.T, s Source) {
				g := readAll(t, s)
				if g.err != io.EOF || len(g.pkts) != 2 {
					t.Fatalf("%d packets, then %v", len(g.pkts), g.err)
				}
				for i, want := range []time.Time{time.Unix(sec, 0), time.Unix(sec+3, 0)} {
					if got := g.pkts[i].ts; !got.Equal(want) {
						t.Errorf("packet %d at %s, want %s", i, got.UTC().Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
					}
				}
			})
		})
	}
}

// TestSnapCutIsTheLongestCutPacket: Stats.SnapCut is the captured length
// of the longest packet the snap length cut, for pcap and pcapng alike,
// over the files added; 0 when none was cut.
func TestSnapCutIsTheLongestCutPacket(t *testing.T) {
	cut := []pkt{
		{link: 1, ts: t0, data: payload(1, 40), orig: 74},
		{link: 1, ts: t0.Add(time.Second), data: payload(2, 38)},               // short, whole
		{link: 1, ts: t0.Add(2 * time.Second), data: payload(3, 40), orig: 60}, // cut
	}
	whole := []pkt{{link: 1, ts: t0, data: payload(1, 60)}}
	for name, data := range map[string][]byte{
		"pcap":   writePcap(t, false, 40, 1, cut),
		"pcapng": writePcapng(t, []layers.LinkType{1}, cut),
	} {
		t.Run(name, func(t *testing.T) {
			eachWay(t, data, func(t *testing.T, s Source) {
				readAll(t, s)
				if got := StatsOf(s).SnapCut; got != 40 {
					t.Errorf("SnapCut %d, want 40", got)
				}
			})
		})
	}
	s, err := OpenReader("x", bytes.NewReader(writePcap(t, false, 65535, 1, whole)))
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, s)
	st := StatsOf(s)
	if st.SnapCut != 0 || st.Any() {
		t.Errorf("whole packets: %+v", st)
	}
	st.Add(Stats{SnapCut: 96})
	st.Add(Stats{SnapCut: 54})
	if st.SnapCut != 96 || st.Any() {
		t.Errorf("added: %+v, want SnapCut 96 and nothing to show", st)
	}
}
