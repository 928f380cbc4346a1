package track

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// tapSkewed rewrites the real capture path as a network TAP's capture of
// two interfaces would hold it: what server sent on interface 1, stamped
// skew later (earlier when negative) than it was, everything else on
// interface 0 as it was; one pcapng merged by stamp, as dumpcap and
// mergecap write it. A skew of 0 is the capture as it was, on two
// interfaces.
func tapSkewed(t *testing.T, path string, server netip.Addr, skew time.Duration) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	type frame struct {
		ci   gopacket.CaptureInfo
		data []byte
	}
	var frames []frame
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		ci.InterfaceIndex = 0
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		if ip, ok := p.NetworkLayer().(*layers.IPv4); ok {
			if a, _ := netip.AddrFromSlice(ip.SrcIP); a.Unmap() == server {
				ci.InterfaceIndex, ci.Timestamp = 1, ci.Timestamp.Add(skew)
			}
		}
		frames = append(frames, frame{ci, slices.Clone(data)})
	}
	slices.SortStableFunc(frames, func(a, b frame) int { return a.ci.Timestamp.Compare(b.ci.Timestamp) })
	out := filepath.Join(t.TempDir(), fmt.Sprintf("%s.skew%v.pcapng", filepath.Base(path), skew))
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ng, err := pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{Name: "tap-c2s", LinkType: layers.LinkTypeEthernet, SnapLength: 262144}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ng.AddInterface(pcapgo.NgInterface{Name: "tap-s2c", LinkType: layers.LinkTypeEthernet, SnapLength: 262144}); err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		if err := ng.WritePacket(fr.ci, fr.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := ng.Flush(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dataRecord is what TestTapSkewKeepsDataOutcomes compares of a data
// connection: what an admin reads of it (its announcement, outcome,
// SYNs, refusal and bytes). (Not its SYN-ACK or AckedOnly: with the
// server early by more than a round trip, the server's whole side of a
// small transfer comes before the client's SYN and is not replayed to
// it; its bytes are counted from the client's acknowledgments, right,
// and said to be: a limit docs/robustness.md states.)
func dataRecord(d *DataConn) string {
	return fmt.Sprintf("%s %v %v syns=%d rst=%v icmp=%v bytes=%d", d.ViaName(), d.Announced, d.Outcome, d.SYNs, d.RSTFromServer, d.ICMP != nil, d.TotalBytes())
}

// TestTapSkewKeepsDataOutcomes: real captures rewritten as a TAP's
// two-interface pcapng whose server-side port is late or early by 1 to
// 20 ms (decode.ReorderWait and docs/robustness.md cover tens of
// milliseconds) tell each data connection as the original does. Before:
// with the server late, the client's data SYN came before the 227 or 229
// that named its port and was taken for a connection "announced before
// the capture started" (clientOnlyData), the refused connection read
// unanswered ("a firewall is dropping it") beside a not-attempted
// announcement, and a transfer read twice; the client's RST refusing an
// active SYN came more than answerHoldWindow (2 ms) before the SYN and
// was lost ("unanswered", or "a SYN the capture lost"); with the server
// early, the RST or ICMP error refusing a passive SYN came before decode
// released the announcement and nothing held it (undetermined, "capture
// again without a filter"); and with the server 1 ms late, the client's
// ACKs of a RETR before the server's SYN-ACK counted the file twice
// (9281 bytes for 4640).
func TestTapSkewKeepsDataOutcomes(t *testing.T) {
	server := netip.MustParseAddr("10.99.0.1")
	for _, name := range []string{"pasv-reject-rst", "pasv-reject-icmp", "passive-curl", "pyftpdlib-active-client-reject", "active-ftplib-port", "upload-stor"} {
		path := filepath.Join("..", "pcaps", "real", name+".pcap")
		var want []string
		for _, d := range readCapture(t, path).data {
			want = append(want, dataRecord(d))
		}
		if len(want) == 0 {
			t.Fatalf("%s: no data connection", name)
		}
		for _, ms := range []int{-20, -10, -3, -1, 0, 1, 5, 20} {
			skew := time.Duration(ms) * time.Millisecond
			var got []string
			for _, d := range readCapture(t, tapSkewed(t, path, server, skew)).data {
				got = append(got, dataRecord(d))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s, server side %v late: data connections\n  %q\nwant (as the capture as it was)\n  %q", name, skew, got, want)
			}
		}
	}
}
