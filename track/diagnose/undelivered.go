package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// control-undelivered: one side of a control connection sent the same
// bytes again and again and the other acknowledged none of them, though
// it acknowledged the bytes before (decode's ControlStalled, the tracker's
// EventUndelivered). The segment does not reach the receiver: something
// on the path drops it for what it holds. The Linux FTP helper drops a
// PORT, EPRT, 227 or 229 it sees only part of or cannot parse, on every
// retransmission (ftp-field-notes: "partial matching"), and the session
// hangs; no other tool says so. An error, raised only when the bytes
// never got through: bytes acknowledged at last are TCP recovering from
// a loss (the transcript's delivered-late event shows it).

// undeliveredFinding is the session's control-undelivered finding, or nil.
func (d *Diagnoser) undeliveredFinding(s *track.Session) *Finding {
	st := d.sess[s]
	if st == nil || st.more == nil || st.more.undelivered == nil {
		return nil
	}
	// (Bytes acknowledged at last cleared it: TCP recovered, a congested
	// link or a helper that took the coalesced copy; the transcript's
	// delivered-late event says how long it took.)
	u := st.more.undelivered
	from, to := "server", "client"
	if u.FromClient {
		from, to = "client", "server"
	}
	c, r := track.StalledLine(s, u.FromClient, u.Since)
	line, announces, num := "bytes", false, uint64(0)
	size := 0 // the line's bytes on the wire; 0: not known
	switch {
	case r != nil:
		line, num, size = fmt.Sprintf("its %d reply (packet %d)", r.Code, r.Num), r.Num, replyBytes(r)
		announces = r.Code == 227 || r.Code == 228 || r.Code == 229
	case c != nil:
		line, num = fmt.Sprintf("its %s (packet %d)", c.Verb, c.Num), c.Num
		if !c.Unseen {
			size = len(c.Verb) + len("\r\n")
			if c.Arg != "" {
				size += len(" ") + len(c.Arg)
			}
		}
		switch c.Verb {
		case "PORT", "EPRT", "LPRT":
			announces = true
		}
	case !u.FromClient:
		// No command yet: the greeting is what the server sent.
		if g := stalledGreeting(s, u); g != nil {
			line, num, size = fmt.Sprintf("its %d greeting (packet %d)", g.Code, g.Num), g.Num, replyBytes(g)
		}
	}
	f := &Finding{Code: CodeControlUndelivered, Severity: SeverityError, Session: s, Command: c, TS: u.Since}
	if num != 0 {
		f.Packets = append(f.Packets, num)
	}
	f.Packets = append(f.Packets, u.Num)
	f.Evidence = fmt.Sprintf("the %s sent %s again %d times in %.1fs (to packet %d) while the %s's acknowledgment stayed before them",
		from, line, u.Bytes, u.TS.Sub(u.Since).Seconds(), u.Num, to)
	f.Message = fmt.Sprintf("The %s sent %s again and again and the %s never acknowledged it, though it acknowledged what came before: the segment does not reach the %s, and the session waits for it.", from, line, to, to)
	if announces {
		f.Message += fmt.Sprintf(" A firewall between drops it for what it holds (or the %s's own): the Linux FTP conntrack helper (nf_conntrack_ftp) drops a PORT, EPRT, 227 or 229 it sees only part of (the line split across segments) or cannot parse, on every retransmission; an FTP ALG or an IPS may do the same.", to)
		f.Advice = fmt.Sprintf("Find the firewall that drops it: a Linux router or host with the FTP helper logs \"nf_ct_ftp: dropping packet\" (dmesg); reading this capture with --helper linux shows what the helper made of each segment. A line split across segments or malformed is the %s's doing: fix it there (a version that writes each line whole), or take the helper off this traffic and open the passive range statically.", from)
		return f
	}
	// A path MTU black hole drops every copy of a segment too large for
	// a link on the way, whatever it holds: the router's ICMP errors
	// never reach the sender's TCP, which never sends it smaller (the
	// data connection's pmtu-blackhole). The tracker keeps no ICMP error
	// about a control connection, so the line's size says whether its
	// segment can be too large: not when the smallest link of the family
	// carries it whole.
	v6 := s.Server.Addr().Is6()
	ptb := "ICMP fragmentation needed"
	if v6 {
		ptb = "ICMPv6 Packet Too Big"
	}
	blackHole := fmt.Sprintf("a router on the path whose next link is too small for the segment drops every copy and answers with %s, which never reaches the %s's TCP (a firewall drops it, most often on the %s's own host), so the %s never sends it smaller: a path MTU black hole", ptb, from, from, from)
	look := fmt.Sprintf("Look for %s errors quoting these segments, in this capture or one on the %s's side (tcpdump %s). If they are there, let them reach the %s, on its host and every firewall between: %s; or clamp the TCP MSS on that router: %s",
		ptb, from, ptbFilter(v6), from, pmtuAllowRule(v6), mssClampRule(v6))
	switch room := minLinkRoom(v6); {
	case size > room:
		f.pathMTU = true
		f.Message += fmt.Sprintf(" The line is %d bytes long, more than a segment on the smallest %s link carries (%d bytes): most likely %s. Otherwise a firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line.",
			size, familyName(v6), room, blackHole, to)
		f.Advice = fmt.Sprintf("%s. A shorter line (banner, message file) gets through too. If none is there, find the firewall or IPS between %s and %s that drops this segment (its log names the rule).", look, s.Client.Addr(), s.Server.Addr())
	case size > 0 && (v6 || size <= 576-20-60):
		// Short enough for the smallest link there is: not the path's
		// MTU. (An IPv4 line between that and minLinkRoom may meet a
		// link that small, rare as it is: both causes below.)
		f.Message += fmt.Sprintf(" A firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line, or the path loses it every time.", to)
		f.Advice = fmt.Sprintf("Find the firewall or IPS between %s and %s that drops this segment (its log names the rule); a capture on the %s's side confirms that the copies do not arrive.", s.Client.Addr(), s.Server.Addr(), to)
	default:
		f.Message += fmt.Sprintf(" Either a firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line, or the segment is too large for the path: %s.", to, blackHole)
		f.Advice = fmt.Sprintf("%s. If none is there, find the firewall or IPS between %s and %s that drops this segment (its log names the rule); a capture on the %s's side confirms that the copies do not arrive.", look, s.Client.Addr(), s.Server.Addr(), to)
	}
	return f
}

// stalledGreeting is the greeting reply sent before the stall began, the
// latest one (a 120 comes before its 220); nil when none was.
func stalledGreeting(s *track.Session, u *track.Event) *track.Reply {
	for i := len(s.Greeting) - 1; i >= 0; i-- {
		if g := &s.Greeting[i]; !g.TS.After(u.Since) {
			return g
		}
	}
	return nil
}

// replyBytes is how many bytes the reply took on the wire, at least: its
// lines with their line ends, the bytes cut from them, and a code and line
// end for each line not kept.
func replyBytes(r *track.Reply) int {
	n := r.Dropped + r.LinesDropped*len("123 \r\n")
	for _, l := range r.Lines {
		n += len(l) + len("\r\n")
	}
	return n
}

// minLinkRoom is the TCP payload a segment on a small link of the
// family's paths carries: 1280 bytes (IPv6's least MTU; for IPv4, below
// the tunnels and PPPoE links that make most black holes, 1400-1492,
// though IPv4 allows 576) less the IP header and the largest TCP header
// (60 bytes, options included). A line longer than that may need a
// segment a router on the path cannot forward.
func minLinkRoom(v6 bool) int {
	if v6 {
		return 1280 - 40 - 60
	}
	return 1280 - 20 - 60
}

// ptbFilter is a tcpdump filter for the family's path MTU errors.
func ptbFilter(v6 bool) string {
	if v6 {
		return "'icmp6 and ip6[40] == 2'"
	}
	return "'icmp[icmptype] == icmp-unreach and icmp[icmpcode] == 4'"
}

func familyName(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}
