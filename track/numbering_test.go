package track

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// idSink records the number a data connection has when a command names it
// and when its data record comes: the number the output shows.
type idSink struct {
	recorder
	atCommand map[*DataConn]int
	atData    map[*DataConn]int
}

func (k *idSink) Command(s *Session, c *Command) {
	if c.Data != nil {
		k.atCommand[c.Data] = c.Data.ID
	}
	k.recorder.Command(s, c)
}

func (k *idSink) Data(s *Session, d *DataConn) {
	k.atData[d] = d.ID
	k.recorder.Data(s, d)
}

// numberedSession runs a session with two passive downloads and a PORT
// never answered (retracted: it gets no number) on a tracker with
// options o.
func numberedSession(t *testing.T, o Options) *idSink {
	k := &idSink{atCommand: map[*DataConn]int{}, atData: map[*DataConn]int{}}
	s := &session{t: t, trk: New(k, o), rec: &k.recorder, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	s.reply(220, "(vsFTPd 3.0.3)")
	s.login()
	for i := range 2 {
		s.cmd("PASV", "")
		s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,156,%d).", 64+i))
		s.cmd("RETR", "f")
		s.reply(150, "Opening BINARY mode data connection.")
		s.handshakeTransfer(netip.AddrPortFrom(cli.Addr(), uint16(50001+i)), netip.AddrPortFrom(srv.Addr(), uint16(40000+i)), 3000)
		s.reply(226, "Transfer complete.")
	}
	s.cmd("PORT", "198,51,100,7,195,81")
	s.end()
	if len(k.data) != 2 {
		t.Fatalf("%d data records, want 2", len(k.data))
	}
	return k
}

// TestNumberDataHook: trackers given one NumberData count (live --workers
// gives each worker's tracker the same) take their data connections'
// numbers from it, once each, before any command or data record names
// them: no two data connections share a number, the announcing command
// names the number its data record carries, and an announcement retracted
// before it was reported takes none. Without the hook a tracker counts
// its own from 1.
func TestNumberDataHook(t *testing.T) {
	next, calls := 100, 0
	count := func() int { calls++; next++; return next }
	owner := map[int]int{} // number -> tracker
	for tr := range 2 {
		k := numberedSession(t, Options{NumberData: count})
		for i, d := range k.data {
			if o, dup := owner[d.ID]; dup {
				t.Errorf("tracker %d's data connection %d has number %d, as tracker %d's has", tr, i, d.ID, o)
			}
			owner[d.ID] = tr
			if want := 101 + 2*tr + i; d.ID != want {
				t.Errorf("tracker %d's data connection %d has number %d, want %d (the shared count's)", tr, i, d.ID, want)
			}
			if got, ok := k.atCommand[d]; !ok || got != d.ID {
				t.Errorf("number %d: its announcing command named %d (named: %v)", d.ID, got, ok)
			}
			if k.atData[d] != d.ID {
				t.Errorf("number %d: its data record showed %d", d.ID, k.atData[d])
			}
		}
	}
	if calls != 4 {
		t.Errorf("NumberData called %d times for 4 data connections reported", calls)
	}
	k := numberedSession(t, Options{})
	if k.data[0].ID != 1 || k.data[1].ID != 2 {
		t.Errorf("without NumberData: numbers %d, %d, want 1, 2", k.data[0].ID, k.data[1].ID)
	}
}

// TestNumberDataHookTime: the hook is called when a data connection is
// first numbered, not before: an announcement nobody connects to yet is
// numbered when its command is reported, which is when the count moves.
func TestNumberDataHookTime(t *testing.T) {
	calls := 0
	k := &idSink{atCommand: map[*DataConn]int{}, atData: map[*DataConn]int{}}
	s := &session{t: t, trk: New(k, Options{NumberData: func() int { calls++; return 7 }}), rec: &k.recorder, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	s.reply(220, "(vsFTPd 3.0.3)")
	s.login()
	s.cmd("PASV", "")
	if calls != 0 {
		t.Errorf("numbered before the announcement was accepted: %d calls", calls)
	}
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	if calls != 1 {
		t.Fatalf("%d calls once the PASV was reported, want 1", calls)
	}
	s.tick(time.Second)
	s.end()
	if calls != 1 || len(k.data) != 1 || k.data[0].ID != 7 {
		t.Errorf("%d calls, data %v: want one call, one data connection numbered 7", calls, k.data)
	}
}
