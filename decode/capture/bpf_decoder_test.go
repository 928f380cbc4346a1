package capture_test

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// icmpCounter counts the ICMP errors the decoder hands on.
type icmpCounter struct{ n int }

func (c *icmpCounter) Segment(*decode.Segment)         {}
func (c *icmpCounter) Unreachable(*decode.Unreachable) { c.n++ }
func (c *icmpCounter) Control(*decode.ControlEvent)    {}
func (c *icmpCounter) Tick(time.Time)                  {}
func (c *icmpCounter) Finish()                         {}

// TestFilterICMPTypesMatchDecoder: for every ICMP and ICMPv6 type quoting
// a TCP SYN, live's kernel filter keeps the packet exactly when the
// decoder hands it on as an Unreachable: a kind the filter dropped would
// be a failure live cannot explain though read of the same packets does,
// a kind it kept beyond those is load for nothing.
func TestFilterICMPTypesMatchDecoder(t *testing.T) {
	prog, err := capture.Filter{}.Program(capture.FrameIP, capture.Loopback{})
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
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, router := range []string{"192.0.2.254", "2001:db8::fe"} {
		for typ := 0; typ < 256; typ++ {
			pkt := capture.ICMPPacketForTest(router, uint8(typ), 0, false)
			n, err := vm.Run(pkt)
			if err != nil {
				t.Fatalf("%s type %d: VM: %v", router, typ, err)
			}
			var h icmpCounter
			d := decode.New(&h, decode.Options{})
			d.Decode(pkt, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(pkt), Length: len(pkt)}, layers.LinkTypeRaw)
			d.Finish()
			if kept, decoded := n > 0, h.n > 0; kept != decoded {
				t.Errorf("from %s, type %d: filter keeps=%v, decoder hands on=%v", router, typ, kept, decoded)
			}
		}
	}
}
