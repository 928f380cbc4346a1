package main

import (
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// oneDirectionCopy writes the packets of the real capture name that go
// to addr (toAddr) or come from it, and every frame that is not IP, to a
// file in dir: the capture tcpdump -Q in (or out) on addr's host takes.
func oneDirectionCopy(t *testing.T, dir, name, addr string, toAddr bool) string {
	t.Helper()
	needCaptures(t, name)
	a := netip.MustParseAddr(addr)
	in, err := os.Open(vantageRealDir + name)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	side := "from"
	if toAddr {
		side = "to"
	}
	path := filepath.Join(dir, side+"-"+addr+"-"+name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	kept := 0
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ip, ok := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy).Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
			if toAddr && dst != a || !toAddr && src != a {
				continue
			}
			kept++
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if kept == 0 {
		t.Fatalf("%s: no IPv4 packet %s %s", name, side, addr)
	}
	return path
}

// onePath runs read --json --vantage client=client --vantage
// server=server and returns its one vantage_session and one path.
func onePath(t *testing.T, client, server string) (sess, path map[string]any) {
	t.Helper()
	recs := jsonRecords(t, "read", "--json", "--vantage", "client="+client, "--vantage", "server="+server)
	ss, ps := ofType(recs, "vantage_session"), ofType(recs, "path")
	if len(ss) != 1 || len(ps) != 1 {
		t.Fatalf("want the control connection paired and 1 path, got %d sessions, %d paths (vantage records %v)", len(ss), len(ps), ofType(recs, "vantage"))
	}
	return ss[0], ps[0]
}

// oneDirectionOf is the one_direction of point in a vantage_session.
func oneDirectionOf(sess map[string]any, point string) any {
	pts, _ := sess["points"].([]any)
	for _, p := range pts {
		if m, _ := p.(map[string]any); m["point"] == point {
			return m["one_direction"]
		}
	}
	return nil
}

func gapsText(path map[string]any) string {
	var out []string
	gs, _ := path["capture_gaps"].([]any)
	for _, g := range gs {
		s, _ := g.(string)
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// TestVantageOneDirectionPointPairs guards a point that captured one
// direction of the traffic (tcpdump -Q in on the server): it used to stay
// unpaired ("not seen there, or its SYN not captured"), so the merged view
// said nothing. Its control connection pairs by the client's ISN on the
// lines it holds, and the data SYN the router dropped is placed as with a
// capture of both directions: the server's side captures the client's
// packets and saw none of it.
func TestVantageOneDirectionPointPairs(t *testing.T) {
	dir := t.TempDir()
	serverIn := oneDirectionCopy(t, dir, "router-drop-data-syn-server.pcap", "10.99.2.2", true)
	sess, p := onePath(t, vantageRealDir+"router-drop-data-syn-client.pcap", serverIn)
	if d := oneDirectionOf(sess, "server"); d != "client" {
		t.Errorf("server's one_direction %v, want client", d)
	}
	if p["where"] != "syn-lost" || p["lost_after"] != "client" || p["lost_before"] != "server" {
		t.Errorf("path %v %v-%v: %v", p["where"], p["lost_after"], p["lost_before"], p["verdict"])
	}
}

// TestVantageServerSideOnlyPointPairs guards a point that captured the
// server's packets only (tcpdump -Q in on the client): no SYN, so it pairs
// by the server's ISN its SYN-ACK carries.
func TestVantageServerSideOnlyPointPairs(t *testing.T) {
	dir := t.TempDir()
	clientIn := oneDirectionCopy(t, dir, "nat-pasv-address-client.pcap", "10.99.1.2", true)
	sess, p := onePath(t, clientIn, vantageRealDir+"nat-pasv-address-server.pcap")
	if d := oneDirectionOf(sess, "client"); d != "server" {
		t.Errorf("client's one_direction %v, want server", d)
	}
	if p["where"] != "delivered" || !strings.Contains(gapsText(p), `"client" captured only the server's packets of this session (one direction), none of the client's: not the SYN`) {
		t.Errorf("path %v: %v (gaps %s)", p["where"], p["verdict"], gapsText(p))
	}
}

// TestVantageOneDirectionNoAbsenceAsLoss guards the judging of a point
// that captured one direction: what it lacks of the other is no loss
// and no silence. A server capturing its inbound packets only saw the
// SYNs and none of its own SYN-ACKs: not "no-answer" (the server did
// answer; the router dropped the SYN-ACKs); the client's side capturing
// its outbound packets only saw no SYN-ACK of a transfer that worked:
// delivered, not syn-ack-lost; and one that saw the client resend its SYN
// and send nothing after says the answer never reached the client, not
// that the handshake passed.
func TestVantageOneDirectionNoAbsenceAsLoss(t *testing.T) {
	dir := t.TempDir()
	serverIn := oneDirectionCopy(t, dir, "router-drop-data-synack-server.pcap", "10.99.2.2", true)
	_, p := onePath(t, vantageRealDir+"router-drop-data-synack-client.pcap", serverIn)
	if v, _ := p["verdict"].(string); p["where"] == "no-answer" || !strings.Contains(v, `"server" saw 3 SYNs and nothing the sender sent after`) {
		t.Errorf("SYN-ACKs dropped, server capturing inbound only: %v: %v", p["where"], p["verdict"])
	}

	clientOut := oneDirectionCopy(t, dir, "nat-pasv-address-client.pcap", "10.99.1.2", false)
	_, p = onePath(t, clientOut, vantageRealDir+"nat-pasv-address-server.pcap")
	if p["where"] != "delivered" || !strings.Contains(gapsText(p), `"client" captured only the client's packets of this session (one direction), none of the server's: not the SYN-ACK`) {
		t.Errorf("transfer that worked, client capturing outbound only: %v: %v (gaps %s)", p["where"], p["verdict"], gapsText(p))
	}

	clientOut = oneDirectionCopy(t, dir, "router-drop-data-synack-client.pcap", "10.99.1.2", false)
	_, p = onePath(t, clientOut, vantageRealDir+"router-drop-data-synack-server.pcap")
	if v, _ := p["verdict"].(string); p["where"] == "delivered" || !strings.Contains(v, `"client" saw 3 SYNs and nothing the sender sent after`) ||
		!strings.Contains(v, "the answer never reached the sender") {
		t.Errorf("SYN-ACKs dropped, client capturing outbound only: %v: %v", p["where"], p["verdict"])
	}

	serverIn = oneDirectionCopy(t, dir, "nat-pasv-address-server.pcap", "10.99.2.2", true)
	_, p = onePath(t, vantageRealDir+"nat-pasv-address-client.pcap", serverIn)
	if p["where"] != "delivered" {
		t.Errorf("transfer that worked, server capturing inbound only: %v: %v", p["where"], p["verdict"])
	}
}
