package decode

import (
	"net/netip"
	"testing"
)

// TestLoginAnsweredBeforeClientSeenUnmasksNextCommand guards a session
// picked up mid-stream whose first client segment (ending with the PASS
// line) was not kept and whose server then answered 331 and 230: the 230
// answers a password line sent before any client byte was seen, so the
// client's first line seen is a command. It was taken for the password
// the 331 asked for and masked ("<-- ********" answered by 257).
func TestLoginAnsweredBeforeClientSeenUnmasksNextCommand(t *testing.T) {
	for _, port := range []uint16{21, 2121} {
		server := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), port)
		rec, _ := midstreamRun(t, server, []gapStep{
			srv("331 Password required for alice.\r\n"), srv("230 Login successful.\r\n"),
			cli("PWD\r\n"), srv("257 \"/\" is the current directory\r\n"),
			cli("CWD pub\r\n"), srv("250 Directory successfully changed.\r\n"),
			cli("PASV\r\n"), srv("227 Entering Passive Mode (192,0,2,10,195,99).\r\n"),
		})
		var got []string
		for _, e := range rec.control {
			if e.Kind == ControlCommand {
				if e.Secret || e.SecretArg {
					t.Errorf("port %d: %q taken for a secret", port, e.Command.Verb)
				}
				got = append(got, e.Command.Verb)
			}
		}
		if len(got) == 0 || got[0] != "PWD" {
			t.Errorf("port %d: commands %q, want PWD first", port, got)
		}
	}
}
