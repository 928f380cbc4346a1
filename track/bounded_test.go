package track_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// countSink counts what reaches the end of the pipeline and keeps nothing.
type countSink struct{ sessions, data, transferred int }

func (c *countSink) SessionStart(*track.Session)            {}
func (c *countSink) Command(*track.Session, *track.Command) {}
func (c *countSink) Event(*track.Session, *track.Event)     {}
func (c *countSink) SessionEnd(*track.Session)              { c.sessions++ }
func (c *countSink) Data(_ *track.Session, d *track.DataConn) {
	c.data++
	if d.Outcome == track.OutcomeTransferred {
		c.transferred++
	}
}

// wire builds Ethernet/IPv4/TCP frames of one conversation after another.
type wire struct {
	d    *decode.Decoder
	now  time.Time
	buf  []byte
	sent int
	// record, when set, gets each frame as FuzzPipeline reads its input:
	// a 2-byte length, link type 0 (Ethernet), a time step, the frame.
	record *[]byte
}

func (w *wire) send(src, dst netip.AddrPort, seq, ack uint32, flags byte, payload string) {
	b := w.buf[:0]
	b = append(b, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00) // Ethernet, IPv4
	ip := len(b)
	b = append(b, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0)
	s, d := src.Addr().As4(), dst.Addr().As4()
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	tcp := len(b)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0)
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[ip+2:], uint16(len(b)-ip))
	_ = tcp
	w.buf = b
	w.sent++
	if w.record != nil {
		*w.record = binary.BigEndian.AppendUint16(*w.record, uint16(len(b)))
		*w.record = append(append(*w.record, 0, 2), b...)
	}
	w.d.Decode(b, gopacket.CaptureInfo{Timestamp: w.now, CaptureLength: len(b), Length: len(b)}, layers.LinkTypeEthernet)
	w.now = w.now.Add(time.Millisecond)
}

const (
	fin = 0x01
	syn = 0x02
	ack = 0x10
	psh = 0x08
)

// conv is one TCP connection's two sequence counters.
type conv struct {
	w          *wire
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

func (w *wire) open(cli, srv netip.AddrPort) *conv {
	c := &conv{w: w, cli: cli, srv: srv, cseq: 1000, sseq: 5000}
	w.send(cli, srv, c.cseq, 0, syn, "")
	w.send(srv, cli, c.sseq, c.cseq+1, syn|ack, "")
	c.cseq++
	c.sseq++
	w.send(cli, srv, c.cseq, c.sseq, ack, "")
	return c
}

func (c *conv) client(p string) {
	c.w.send(c.cli, c.srv, c.cseq, c.sseq, ack|psh, p)
	c.cseq += uint32(len(p))
}

func (c *conv) server(p string) {
	c.w.send(c.srv, c.cli, c.sseq, c.cseq, ack|psh, p)
	c.sseq += uint32(len(p))
}

func (c *conv) close() {
	c.w.send(c.cli, c.srv, c.cseq, c.sseq, fin|ack, "")
	c.cseq++
	c.w.send(c.srv, c.cli, c.sseq, c.cseq, fin|ack, "")
	c.sseq++
	c.w.send(c.cli, c.srv, c.cseq, c.sseq, ack, "")
}

// session plays one short vsftpd session with a passive download.
func (w *wire) session(i int) {
	cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(30000+i%20000))
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	port := uint16(40000 + i%1000)
	c := w.open(cli, srv)
	c.server("220 (vsFTPd 3.0.3)\r\n")
	c.client("USER anonymous\r\n")
	c.server("331 Please specify the password.\r\n")
	c.client("PASS guest\r\n")
	c.server("230 Login successful.\r\n")
	c.client("PASV\r\n")
	c.server(fmt.Sprintf("227 Entering Passive Mode (192,0,2,10,%d,%d).\r\n", port>>8, port&0xff))
	dc := w.open(netip.AddrPortFrom(cli.Addr(), cli.Port()+1), netip.AddrPortFrom(srv.Addr(), port))
	c.client("RETR file.txt\r\n")
	c.server("150 Opening BINARY mode data connection for file.txt (9 bytes).\r\n")
	dc.server("some data")
	dc.close()
	c.server("226 Transfer complete.\r\n")
	c.client("QUIT\r\n")
	c.server("221 Goodbye.\r\n")
	c.close()
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryFollowsLiveSessions drives 20,000 sequential sessions, one a
// second (five and a half hours of packet time, so every expiry window
// passes many times), through decode, track and the diagnosis. The heap
// after the last must be that after the first 2,000: what is kept follows
// the sessions open at once, not those that have passed.
func TestMemoryFollowsLiveSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("drives 20,000 sessions")
	}
	for _, recentOnly := range []bool{true, false} {
		t.Run(fmt.Sprintf("RecentOnly=%v", recentOnly), func(t *testing.T) {
			sink := &countSink{}
			diag := diagnose.New(policy.Policy{}, sink, nil)
			trk := track.New(diag, track.Options{RecentOnly: recentOnly})
			w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 256)}
			w.d = decode.New(trk, decode.Options{})
			const first, total = 2000, 20000
			var base uint64
			for i := range total {
				w.now = w.now.Truncate(time.Second).Add(time.Second)
				w.session(i)
				if i+1 == first {
					base = liveHeap()
				}
			}
			end := liveHeap()
			w.d.Finish()
			if sink.sessions != total || sink.transferred != total {
				t.Fatalf("%d sessions, %d transferred; want %d each", sink.sessions, sink.transferred, total)
			}
			// A small margin: allocator and map growth, not per-session state
			// (a kept session costs several KiB: 18,000 of them would be tens
			// of MB).
			const margin = 512 << 10
			if end > base+margin {
				t.Errorf("live heap %d KiB after %d sessions, %d KiB after %d: grows with the sessions that passed",
					end>>10, total, base>>10, first)
			}
			t.Logf("live heap after %d sessions: %d KiB; after %d: %d KiB; %d packets", first, base>>10, total, end>>10, w.sent)
		})
	}
}
