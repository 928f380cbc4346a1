package track_test

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// contractChecker passes every call to the tracker and holds its
// ExpectsData answers to decode.DataExpecter's contract, which
// decode/relay relies on to answer no without waiting for the tracker.
type contractChecker struct {
	t         *testing.T
	file      string
	trk       *track.Tracker
	announced map[uint16]bool
	yesFrom   map[uint16]bool // source ports of SYNs answered yes
	tls       bool
	yes       int
}

func (c *contractChecker) Segment(s *decode.Segment)         { c.trk.Segment(s) }
func (c *contractChecker) Unreachable(u *decode.Unreachable) { c.trk.Unreachable(u) }
func (c *contractChecker) Control(e *decode.ControlEvent) {
	if e.Endpoint.Via != 0 && e.EndpointErr == nil {
		c.announced[e.Endpoint.Addr.Port()] = true
	}
	if e.Encrypts || e.ImplicitTLS || (e.Kind == decode.ControlCommand && e.Command.Verb == "PROT") {
		c.tls = true
	}
	c.trk.Control(e)
}
func (c *contractChecker) Tick(now time.Time) { c.trk.Tick(now) }
func (c *contractChecker) Finish()            { c.trk.Finish() }

func (c *contractChecker) ExpectsData(src, dst netip.AddrPort) bool {
	yes := c.trk.ExpectsData(src, dst)
	if yes {
		c.yes++
		if !c.announced[dst.Port()] && !c.yesFrom[dst.Port()] && !(c.tls && dst.Port() >= 1024) {
			c.t.Errorf("%s: a SYN %v -> %v is expected, but no endpoint was announced on port %d, no SYN from it was expected and no TLS allows inferring it",
				c.file, src, dst, dst.Port())
		}
		c.yesFrom[src.Port()] = true
	}
	return yes
}

// TestExpectsDataKeepsItsContract: over every shipped capture and the
// shared corpus, the tracker expects a data connection to a control port
// only where decode.DataExpecter says it may.
func TestExpectsDataKeepsItsContract(t *testing.T) {
	var files []string
	for _, pat := range []string{"../pcaps/synthetic/*.pcap*", "../pcaps/real/*.pcap*", "../pcaps/hostile/*.pcap*", "../../shared/corpus/*/*"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	yes := 0
	for _, f := range files {
		c := &contractChecker{t: t, file: f, trk: track.New(&countSink{}, track.Options{}), announced: map[uint16]bool{}, yesFrom: map[uint16]bool{}}
		// Port 2121 as a control port too: a port above 1024, where an
		// encrypted session's data connections are inferred.
		d := decode.New(c, decode.Options{ControlPorts: []uint16{21, 990, 2121}})
		src, err := capture.Open(f)
		if err != nil {
			continue
		}
		_ = d.DecodeAll(src)
		src.Close()
		d.Finish()
		yes += c.yes
	}
	if yes == 0 {
		t.Fatal("no capture had a data connection to a control port: the contract was not exercised")
	}
}
