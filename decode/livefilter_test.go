package decode

import (
	"encoding/binary"
	"io/fs"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// eventCounter counts what the decoder hands on: segments and ICMP errors.
type eventCounter struct{ n int }

func (c *eventCounter) Segment(*Segment)         { c.n++ }
func (c *eventCounter) Unreachable(*Unreachable) { c.n++ }
func (c *eventCounter) Control(*ControlEvent)    {}
func (c *eventCounter) Tick(t time.Time)         {}
func (c *eventCounter) Finish()                  {}

// liveFilterVM is live's built-in kernel filter for frames of kind k, in
// x/net/bpf's VM (no loopback prefix: it loads extensions the VM lacks).
func liveFilterVM(t *testing.T, k capture.FrameKind) *bpf.VM {
	t.Helper()
	prog, err := capture.Filter{}.Program(k, capture.Loopback{})
	if err != nil {
		t.Fatal(err)
	}
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatal("program does not disassemble")
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

// TestLiveFilterKeepsWhatReadDecodes: every frame of every capture in
// pcaps/ that the decoder turns into a TCP segment or an ICMP error, live's
// kernel filter keeps. The filter walked two VLAN tags only: a TrustSec
// SPAN port's Cisco MetaData tag, E-tags, VN-Tags, LLC/SNAP frames and
// every tunnel (GRE, ERSPAN, VXLAN, GENEVE, GTP-U, MPLS, PPPoE, IP in IP)
// that read follows were dropped in the kernel, uncounted: live showed
// nothing where read of the same traffic showed the sessions.
func TestLiveFilterKeepsWhatReadDecodes(t *testing.T) {
	vms := map[layers.LinkType]*bpf.VM{
		layers.LinkTypeEthernet: liveFilterVM(t, capture.FrameEthernet),
		layers.LinkTypeRaw:      liveFilterVM(t, capture.FrameIP),
		layers.LinkTypeIPv4:     liveFilterVM(t, capture.FrameIP),
		layers.LinkTypeIPv6:     liveFilterVM(t, capture.FrameIP),
	}
	frames, files := 0, 0
	err := filepath.WalkDir("../pcaps", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.Contains(e.Name(), ".pcap") {
			return err
		}
		src, err := capture.Open(path)
		if err != nil {
			return nil // the hostile and broken inputs: not this test's
		}
		defer src.Close()
		var h eventCounter
		d := New(&h, Options{})
		counted := false
		for {
			data, ci, link, err := src.Next()
			if err != nil {
				break // io.EOF, or a capture cut short on purpose
			}
			vm := vms[link]
			if vm == nil {
				continue
			}
			before := h.n
			d.Decode(data, ci, link)
			if h.n == before {
				continue
			}
			frames++
			counted = true
			if kept, err := vm.Run(data); err != nil || kept == 0 {
				t.Errorf("%s: frame at %v (%d bytes, link %v): decoded, but live's kernel filter drops it (err %v)", path, ci.Timestamp, len(data), link, err)
				return nil // one line a capture
			}
		}
		if counted {
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 || frames < 10000 {
		t.Fatalf("only %d frames in %d captures checked", frames, files)
	}
	t.Logf("%d frames in %d captures kept", frames, files)
}

// TestLiveFilterTagsInFrontOfIP: live's kernel filter keeps a frame behind
// each tag the decoder follows (taggedIPFrames: TrustSec's Cisco MetaData,
// E-tags, VN-Tags, VLAN tags of every TPID, LLC/SNAP), and still drops
// what carries no TCP or ICMP error: UDP that is no tunnel, an LLC frame
// with no EtherType (spanning tree), ARP.
func TestLiveFilterTagsInFrontOfIP(t *testing.T) {
	vm := liveFilterVM(t, capture.FrameEthernet)
	ip4 := buildFrame(t, 50000, 21, []byte("USER x\r\n"))[14:]
	ip6 := buildFrame6(t, 50000, 21, []byte("USER x\r\n"))[14:]
	dns := outerUDPPacket(t, 53, []byte("not a tunnel"))
	stp := []byte{0x42, 0x42, 0x03, 0, 0, 0, 0, 0}
	drop := map[string][]byte{
		"UDP to 53":                       ethernetFrame(dns),
		"UDP to 53 behind Cisco MetaData": taggedFrame(0x8909, cmdTag, be16(0x0800), dns),
		"802.3 spanning tree":             taggedFrame(uint16(len(stp)), stp),
		"ARP behind an E-tag":             taggedFrame(0x893f, eTag, be16(0x0806), make([]byte, 28)),
	}
	for _, c := range []struct {
		ip  []byte
		typ layers.EthernetType
	}{{ip4, layers.EthernetTypeIPv4}, {ip6, layers.EthernetTypeIPv6}} {
		for name, frame := range taggedIPFrames(c.ip, c.typ) {
			var h eventCounter
			d := New(&h, Options{})
			d.Decode(frame, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(frame), Length: len(frame)}, layers.LinkTypeEthernet)
			if h.n != 1 {
				t.Fatalf("%v %s: the decoder hands on %d events, want 1", c.typ, name, h.n)
			}
			if n, err := vm.Run(frame); err != nil || n == 0 {
				t.Errorf("%v %s: live's kernel filter drops it (err %v)", c.typ, name, err)
			}
		}
	}
	for name, frame := range drop {
		if n, err := vm.Run(frame); err != nil || n != 0 {
			t.Errorf("%s: live's kernel filter keeps %d bytes (err %v), want it dropped", name, n, err)
		}
	}
}

// TestLiveFilterHostsOnTunnelsOuterAddresses: with --host/--net the
// filter keeps a tunnel by its outer addresses (the inner ones it cannot
// see), IPv4 and IPv6, an IPv6 fragment header too; a tunnel between
// other hosts is left out, as before tunnels were kept (read --host X
// showed every inner session of a tunnel between other hosts). And eight
// tags in front of IP, what the decoder follows, are walked whole.
func TestLiveFilterHostsOnTunnelsOuterAddresses(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	vx := append([]byte{0x08, 0, 0, 0, 0, 0, 0x2a, 0}, ethernetFrame(in4)...)
	v6 := outerUDPv6(t, 40123, 4789, vx)
	frag6 := slices.Concat(v6[:6], []byte{44}, v6[7:40], []byte{17, 0, 0, 0, 0, 0, 0, 1}, v6[40:])
	binary.BigEndian.PutUint16(frag6[4:], uint16(len(frag6)-40))
	frames := map[string][]byte{
		"VXLAN over IPv4":                  ethernetFrame(outerUDPPacket(t, 4789, vx)),
		"GRE over IPv4":                    ethernetFrame(outerPacket(t, false, layers.IPProtocolGRE, append([]byte{0, 0, 0x08, 0x00}, in4...))),
		"VXLAN over IPv6":                  ethernetFrame(v6),
		"VXLAN over IPv6, fragment header": ethernetFrame(frag6),
	}
	for _, c := range []struct {
		name string
		nets []netip.Prefix
		kept bool
	}{
		{"the outer hosts", []netip.Prefix{netip.PrefixFrom(tunOuter4[0], 32), netip.PrefixFrom(tunOuter6[1], 128)}, true},
		{"other hosts", []netip.Prefix{netip.MustParsePrefix("198.51.100.99/32"), netip.MustParsePrefix("2001:db8:9999::/48")}, false},
	} {
		prog, err := capture.Filter{Nets: c.nets}.Program(capture.FrameEthernet, capture.Loopback{})
		if err != nil {
			t.Fatal(err)
		}
		ins, _ := bpf.Disassemble(prog)
		vm, err := bpf.NewVM(ins)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range frames {
			if n, err := vm.Run(f); err != nil || (n > 0) != c.kept {
				t.Errorf("--host %s, %s: kept %d bytes (err %v), want kept=%v", c.name, name, n, err, c.kept)
			}
		}
	}
	ip := buildFrame(t, 50000, 21, []byte("USER x\r\n"))[14:]
	var tags [][]byte
	for range 8 {
		tags = append(tags, be16(100), be16(0x8100))
	}
	tags[len(tags)-1] = be16(0x0800)
	frame := taggedFrame(0x8100, append(tags, ip)...)
	var h eventCounter
	d := New(&h, Options{})
	d.Decode(frame, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(frame), Length: len(frame)}, layers.LinkTypeEthernet)
	if h.n != 1 {
		t.Fatalf("eight VLAN tags: the decoder hands on %d events", h.n)
	}
	if n, err := liveFilterVM(t, capture.FrameEthernet).Run(frame); err != nil || n == 0 {
		t.Errorf("eight VLAN tags: live's kernel filter drops what the decoder follows (err %v)", err)
	}
}
