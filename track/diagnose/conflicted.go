package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// Findings about a conflicted announcement. When the capture held two
// different copies of the line that announced a data connection's
// endpoint (a forged 227 raced ahead of the real one, a forged PORT,
// overlapping fragments: track.LineConflict), the copy taken first is one
// of the two, and nothing proves it was the one the receiver took unless
// a data connection to one of the endpoints shows it (track/conflict.go:
// the copy proven is then the one reported, with no doubt left). While
// nothing proves either (track.Command.Unproven), a finding about the
// taken copy's endpoint (a port outside the range, an address a NAT did
// not rewrite, no connection to it) may be about the forger's words: it
// is hedged. It says so, it is never an error, and it proposes no change
// of configuration: the other copy may be the real one.

// hedgeConflicted hedges the findings fs about dc when its announcement
// is in doubt (track.Command.Unproven); fs unchanged otherwise.
func hedgeConflicted(dc *track.DataConn, fs []*Finding) []*Finding {
	if dc == nil || !dc.Announce.Unproven() {
		return fs
	}
	for _, f := range fs {
		if f != nil {
			hedgeFinding(f, dc)
		}
	}
	return fs
}

// hedgeFinding rewrites f, about dc's announcement in doubt, once.
func hedgeFinding(f *Finding, dc *track.DataConn) {
	if f.hedged {
		return
	}
	f.hedged = true
	lc := dc.Announce.Conflict
	what, who := "reply", "client"
	if !dc.Passive {
		what, who = "command", "server"
	}
	f.Severity = min(f.Severity, SeverityWarning)
	if lc.Multiline {
		// One reply, not two copies (track/multiline.go): its lines name
		// two endpoints, and clients differ on which they take.
		f.Message = fmt.Sprintf("This multi-line reply names two endpoints, %s on its first line and %s on its last (packet %d); clients differ (curl takes the last line's, Python ftplib the first), and no data connection to either shows which one the client took. If it took %s: %s",
			lc.First, lc.Other, lc.Num, dc.Announced, lowerFirst(f.Message))
		f.Advice = "Change nothing on this alone: which endpoint the client used is not known. Make the server name one endpoint in its reply (one line), or look in the client's log for the address it dialled."
		f.Packets = appendPacket(f.Packets, lc.Num)
		return
	}
	f.Message = fmt.Sprintf("Two different copies of this %s were captured; the other copy (packet %d) announces %s, and no data connection to either shows which one the %s received (one of them is forged or corrupted). If the copy shown is the real one: %s",
		what, lc.Num, lc.Other, who, lowerFirst(f.Message))
	f.Advice = "Change nothing on this alone: the announcement may be a forger's. Check the server's log for the data endpoint it used, or capture again closer to the server."
	f.Packets = appendPacket(f.Packets, lc.Num)
}

// appendPacket adds num to the evidence packets, once.
func appendPacket(pk []uint64, num uint64) []uint64 {
	for _, p := range pk {
		if p == num {
			return pk
		}
	}
	return append(pk, num)
}

// lowerFirst lowers a sentence's first letter when it starts a word in
// lower case ("The server" but not "PORT" or "IIS").
func lowerFirst(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
