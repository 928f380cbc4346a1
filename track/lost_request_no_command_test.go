package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostRequestWithoutCommandsKept guards lostRequestFor on a session
// whose transcript holds no command when a SYN may answer a request the
// capture lost (xferMemo.lostRequest set): an output that keeps only
// recent commands (RecentOnly) has let them all go, and a shaped capture
// (a gap before any command) leaves none. It read the last command
// regardless and panicked (index out of range [-1]); with no command
// seen since the gap, nothing was sent after it.
func TestLostRequestWithoutCommandsKept(t *testing.T) {
	cli := netip.MustParseAddrPort("10.0.0.2:40000")
	srv := netip.MustParseAddrPort("10.0.0.1:21")
	gap := time.Unix(1000, 0)
	sess := &Session{Client: cli, Server: srv, xfer: &xferMemo{lostRequest: gap}}
	syn := &decode.Segment{Src: netip.MustParseAddrPort("10.0.0.2:40001"), Dst: netip.MustParseAddrPort("10.0.0.1:50000"), TS: gap.Add(10 * time.Millisecond)}
	if !lostRequestFor(sess, syn) {
		t.Errorf("a SYN 10 ms after the gap, no command since: not taken for the lost request")
	}
	syn.Dst = netip.MustParseAddrPort("10.0.0.1:80")
	if lostRequestFor(sess, syn) {
		t.Errorf("a SYN to a privileged port taken for the lost request")
	}
}
