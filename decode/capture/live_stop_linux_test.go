//go:build linux

package capture

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestManySocketsStopWhenAsked: with several interfaces, Run returns soon
// after the packet callback asks to stop (regression: it waited for the
// readers before cancelling them, and hung until Ctrl-C).
func TestManySocketsStopWhenAsked(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip (iproute2) to add a veth pair")
	}
	// A second interface that carries nothing: one end of a veth pair
	// with no address, removed at the end.
	dummy := fmt.Sprintf("fsv%d", os.Getpid()%100000)
	if out, err := exec.Command("ip", "link", "add", dummy, "type", "veth", "peer", "name", dummy+"p").CombinedOutput(); err != nil {
		t.Skipf("cannot add a veth pair: %v: %s", err, out)
	}
	defer exec.Command("ip", "link", "del", dummy).Run()
	if err := exec.Command("ip", "link", "set", dummy, "up").Run(); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLive(LiveConfig{Interfaces: []string{"lo", dummy}, BufferBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stopDial := make(chan struct{})
	defer close(stopDial)
	go func() {
		for i := 0; i < 100; i++ {
			select {
			case <-stopDial:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				c.Close()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- l.Run(ctx, func([]byte, gopacket.CaptureInfo, layers.LinkType, int) bool { return true }, nil)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Error("Run did not return 3 s after the callback asked to stop")
		<-done
	}
}
