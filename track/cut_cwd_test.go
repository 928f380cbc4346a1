package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestCutCWDLeavesDirectoryUnknown: a CWD whose rest a capture gap took
// (decode.ControlEvent.RestNotCaptured: "CWD /srv/ftp/exp" of
// "/srv/ftp/exports/2026") moved the server to a directory the capture
// does not name: the session's directory is unknown after its 250, not
// the cut path, which later file names would have been joined to.
func TestCutCWDLeavesDirectoryUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		cut  bool
		want string
	}{
		{"whole", false, "/srv/ftp/exp"},
		{"cut", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTLSPeers(t)
			client := netip.MustParseAddrPort("10.0.0.2:40000")
			p.tick(time.Millisecond)
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlOpen})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 220, Text: "hi"}})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PWD"}})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 257, Text: `"/" is the current directory`}})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "CWD", Arg: "/srv/ftp/exp"}, RestNotCaptured: tc.cut})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 250, Text: "ok"}})
			got := p.trk.sessions.GetPair(client, srv)
			if got == nil {
				t.Fatal("no open session")
			}
			if got.Cwd != tc.want {
				t.Errorf("Cwd %q, want %q", got.Cwd, tc.want)
			}
		})
	}
}
