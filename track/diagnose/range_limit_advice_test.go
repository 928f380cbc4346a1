package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestNarrowerRangeNotAdvisedToServerAtItsLimit guards the verdict of a
// server that announced a passive port past --pasv-range while it
// refused other sessions at its connection limit (the lab's Pure-FTPd,
// -p 52000:52019, a firewall opening 52000-52014, lftp mirror
// --parallel=4): narrowing the server's range lowers the limit that
// already refuses sessions (Pure-FTPd allows half its passive range in
// clients), so the verdict leads with opening the rest of the range,
// and no change line narrows it.
func TestNarrowerRangeNotAdvisedToServerAtItsLimit(t *testing.T) {
	w := &wire{t: t, c: &collect{}, cli: ap("10.77.1.2:56000"), srv: ap("10.77.2.2:21"), now: t0}
	w.d = New(policy.Policy{Ranges: policy.Ranges{{Lo: 52000, Hi: 52014}}}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true, ServerSYN: true})
	w.reply(220, "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------")
	w.cmd("USER anonymous")
	w.reply(230, "Anonymous user logged in")
	w.reply227([4]byte{10, 77, 2, 2}, 52017)
	w.synTo(netip.MustParseAddrPort("10.77.1.2:56630"), netip.MustParseAddrPort("10.77.2.2:52017"), true)
	w.cmd("RETR f12.bin")
	w.reply(425, "No data connection")
	w.cmd("QUIT")
	w.reply(221, "Logout.")
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN, ClientClosed: true, ClientFIN: true})
	for i := range 3 {
		w.cli = netip.AddrPortFrom(w.cli.Addr(), uint16(56100+i))
		w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true, ServerSYN: true})
		w.reply(421, "10 users (the maximum) are already logged in, sorry")
		w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN})
	}
	w.trk.Finish()
	if w.c.find(CodeSessionRefused) == nil || w.c.find(CodePortOutsideRange) == nil {
		t.Fatalf("want session-refused and port-outside-range, got %v", codesOf(w.c))
	}
	sums := w.d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	v := sums[0].Verdict
	if !strings.Contains(v, "open the rest of the server's passive range in the firewall") || strings.Contains(v, "keep the server inside the range") {
		t.Errorf("verdict narrows the range of a server refusing sessions at its limit: %s", v)
	}
	for _, l := range sums[0].Rules {
		if strings.Contains(l, "52014") {
			t.Errorf("change line narrows the server's range: %q", l)
		}
	}
}

// TestRangeAdviceKeptForServerBanningClients guards the other side of
// TestNarrowerRangeNotAdvisedToServerAtItsLimit: a vsftpd session refused
// by a ban ("421 Temporarily banned") says nothing of its passive range
// (vsftpd takes no client limit from it), so the verdict still keeps the
// server inside the firewall's range, with its change lines.
func TestRangeAdviceKeptForServerBanningClients(t *testing.T) {
	w := &wire{t: t, c: &collect{}, cli: ap("10.77.1.2:56000"), srv: ap("10.77.2.2:21"), now: t0}
	w.d = New(policy.Policy{Ranges: policy.Ranges{{Lo: 52000, Hi: 52014}}}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true, ServerSYN: true})
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER anonymous")
	w.reply(230, "Login successful.")
	w.reply227([4]byte{10, 77, 2, 2}, 52017)
	w.synTo(netip.MustParseAddrPort("10.77.1.2:56630"), netip.MustParseAddrPort("10.77.2.2:52017"), true)
	w.cmd("RETR f12.bin")
	w.reply(425, "Failed to establish connection.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN, ClientClosed: true, ClientFIN: true})
	w.cli = netip.AddrPortFrom(netip.MustParseAddr("10.77.1.9"), 56100)
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true, ServerSYN: true})
	w.reply(421, "Temporarily banned for too many failed login attempts")
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN})
	w.trk.Finish()
	sums := w.d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	if v := sums[0].Verdict; strings.Contains(v, "open the rest of the server's passive range") || !strings.Contains(v, "keep the server inside the range") {
		t.Errorf("a ban read as a limit the passive range sets: %s", v)
	}
}
