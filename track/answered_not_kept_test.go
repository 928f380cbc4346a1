package track_test

import (
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestAnsweredCommandNotKeptByOpenSession: a command reported with its
// final reply, and not one the diagnosis looks back at, is no longer
// held by its open session (RecentOnly: JSON, --summary). Before, the
// pending queue's backing array kept the popped pointer, and with it the
// command's argument and replies whole: 1,000 sessions open at once, each
// after a 4,000-byte SITE line and reply, kept about 8 KB each (8,000 of
// them took 130-148 MB), a multi-line reply of 100 KB, 100 KB each.
func TestAnsweredCommandNotKeptByOpenSession(t *testing.T) {
	const n = 1000
	sink := &countSink{}
	trk := track.New(diagnose.New(policy.Policy{}, sink, nil), track.Options{RecentOnly: true})
	w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 256)}
	w.d = decode.New(trk, decode.Options{})
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	convs := make([]*conv, n)
	for i := range convs {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}), uint16(20000+i))
		c := w.open(cli, srv)
		c.server("220 (vsFTPd 3.0.3)\r\n")
		c.client("USER anonymous\r\n")
		c.server("331 Please specify the password.\r\n")
		c.client("PASS guest\r\n")
		c.server("230 Login successful.\r\n")
		convs[i] = c
	}
	base := liveHeap()
	arg, text := strings.Repeat("x", 4000), strings.Repeat("y", 4000)
	for _, c := range convs {
		c.client("SITE " + arg + "\r\n")
		c.server("200 " + text + "\r\n")
	}
	per := (int64(liveHeap()) - int64(base)) / n
	if per > 1000 {
		t.Errorf("%d bytes per open session kept after its answered 4,000-byte SITE, bound 1,000", per)
	}
	t.Logf("%d bytes per open session", per)
	runtime.KeepAlive(convs)
}
