package diagnose

import (
	"fmt"
	"strings"

	"github.com/ftpsniff/ftpsniff/track"
)

// maxRecentGaps bounds the capture gaps a session keeps (recentGaps).
const maxRecentGaps = 4

// gapSeen is one capture gap of a session's control connection: its
// order among the session's commands, replies and events, its packet,
// which stream lost the bytes, how many, and whether the snap length cut
// them from a frame the capture holds (track.Event.Cut: no frame lost).
type gapSeen struct {
	seq, num   uint64
	fromClient bool
	cut        bool
	bytes      int
}

// recentGaps are a session's latest capture gaps of either stream, the
// oldest pushed out first; dropped is the latest order of those pushed
// out (0: none). Noted as the events pass: JSON's tracker keeps few of
// them.
type recentGaps struct {
	kept    []gapSeen
	dropped uint64
}

// noteGap notes e, a capture gap of s's control connection.
func (st *sessState) noteGap(e *track.Event) {
	g := &st.moreState().gaps
	if len(g.kept) == maxRecentGaps {
		g.dropped = g.kept[0].seq
		g.kept = append(g.kept[:0], g.kept[1:]...)
	}
	g.kept = append(g.kept, gapSeen{seq: e.Seq, num: e.Num, fromClient: e.FromClient, cut: e.Cut, bytes: e.Bytes})
}

// gapsWithin are the capture gaps of st's control connection that came
// after lo and before hi (orders among the session's commands, replies
// and events), as far as the latest maxRecentGaps tell; unknown is set
// when older gaps were pushed out and one of them may lie there too.
func (st *sessState) gapsWithin(lo, hi uint64) (gs []gapSeen, unknown bool) {
	if st.more == nil {
		return nil, false
	}
	g := &st.more.gaps
	for _, x := range g.kept {
		if x.seq > lo && x.seq < hi {
			gs = append(gs, x)
		}
	}
	return gs, g.dropped > lo
}

// gapsText words gs for evidence: "48 client and 268 server bytes missing
// at packet 10040"; unknown adds that more may have been lost.
func gapsText(gs []gapSeen, unknown bool) string {
	var cli, srv int
	for _, g := range gs {
		if g.fromClient {
			cli += g.bytes
		} else {
			srv += g.bytes
		}
	}
	var parts []string
	if cli > 0 {
		parts = append(parts, fmt.Sprintf("%d client", cli))
	}
	if srv > 0 {
		parts = append(parts, fmt.Sprintf("%d server", srv))
	}
	t := "capture gaps"
	if len(parts) > 0 {
		t = strings.Join(parts, " and ") + " bytes missing"
	}
	switch {
	case len(gs) == 1:
		t += fmt.Sprintf(" at packet %d", gs[0].num)
	case len(gs) > 1 && gs[0].num == gs[len(gs)-1].num:
		t += fmt.Sprintf(" at packet %d", gs[0].num)
	case len(gs) > 1:
		t += fmt.Sprintf(" at packets %d to %d", gs[0].num, gs[len(gs)-1].num)
	}
	if unknown && len(gs) > 0 {
		t += ", perhaps more"
	}
	return t
}

// gapNums are the packets of gs.
func gapNums(gs []gapSeen) []uint64 {
	var out []uint64
	for _, g := range gs {
		out = append(out, g.num)
	}
	return out
}

// pairedAcrossGap tells whether r, c's reply, may answer another command:
// the tracker paired them across a capture gap (Command.Uncertain) that
// took bytes of the server's stream, where c's own reply may be, or
// across a conflict of retransmitted bytes. A gap of the client's
// stream alone leaves the pairing sound: the server answers in order,
// and its stream is whole.
func pairedAcrossGap(st *sessState, c *track.Command, r *track.Reply) bool {
	if !c.Uncertain {
		return false
	}
	gs, unknown := st.gapsWithin(c.Seq, r.Seq)
	if unknown || len(gs) == 0 {
		return true
	}
	for _, g := range gs {
		if !g.fromClient {
			return true
		}
	}
	return false
}
