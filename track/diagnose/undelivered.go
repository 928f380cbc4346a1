package diagnose

import (
	"fmt"
	"time"

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
	if st.more.tlsUnfinished != nil && s.TLSUnfinished() {
		return nil // control-tls-unfinished tells it, as its evidence
	}
	from, to := "server", "client"
	if u.FromClient {
		from, to = "client", "server"
	}
	c, r := track.StalledLine(s, u.FromClient, u.Since)
	line, announces, num := "bytes", false, uint64(0)
	// size: the line's bytes on the wire, which the segment sent again
	// begins (0: not known). decode's stall event does not carry that
	// segment's length: the line's size stands for it only when the line
	// itself never got through.
	size := 0
	next := answeredAfter(s, u.FromClient, c, r, u.Since)
	switch {
	case next != nil && !u.FromClient:
		// The client spoke after that reply: it got it. The bytes sent
		// again are of the reply the server was writing to this
		// command, not yet whole; its size is not known.
		line, num = fmt.Sprintf("bytes of its reply to the client's %s (packet %d)", next.Verb, next.Num), next.Num
		switch next.Verb {
		case "PASV", "EPSV", "LPSV":
			announces = true // its 227, 228 or 229, begun
		}
	case next != nil:
		// The server answered that command: the bytes sent again are of
		// a line after it, not yet whole.
		line, num = fmt.Sprintf("bytes sent after its %s (packet %d)", c.Verb, c.Num), c.Num
	case r != nil:
		line, num, size = fmt.Sprintf("its %d reply (packet %d)", r.Code, r.Num), r.Num, replyBytes(r)
		announces = r.Code == 227 || r.Code == 228 || r.Code == 229
	case c != nil:
		line, num = fmt.Sprintf("its %s (packet %d)", c.Verb, c.Num), c.Num
		size = commandBytes(c)
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
	at := c
	if next != nil {
		at = next // (the line the bytes belong to is its reply)
	}
	f := &Finding{Code: CodeControlUndelivered, Severity: SeverityError, Session: s, Command: at, TS: u.Since, resentUntil: u.TS}
	if num != 0 {
		f.Packets = append(f.Packets, num)
	}
	f.Packets = append(f.Packets, u.Num)
	f.Evidence = fmt.Sprintf("the %s sent %s again %d times in %.1fs (to packet %d) while the %s's acknowledgment stayed before them",
		from, line, u.Bytes, u.TS.Sub(u.Since).Seconds(), u.Num, to)
	f.Message = fmt.Sprintf("The %s sent %s again and again and the %s never acknowledged it, though it acknowledged what came before: the segment does not reach the %s, and the session waits for it.", from, line, to, to)
	// check: the advice's last words, on where the copies stop.
	check := fmt.Sprintf("a capture on the %s's side confirms that the copies do not arrive.", to)
	if v, _ := d.vantage(s); v != senderSide(u.FromClient) {
		// This capture may be the receiver's own: the copies then
		// reached its interface, and its own firewall dropped them.
		f.Message = fmt.Sprintf("The %s sent %s again and again and the %s never acknowledged it, though it acknowledged what came before: the segment never gets through to the %s's TCP, and the session waits for it.", from, line, to, to)
		own := fmt.Sprintf("if on the %s's own host, they did arrive, and its own firewall dropped them (its input rules, or its connection tracking, which forgot the connection while it was idle and now takes its segments for new ones)", to)
		check = fmt.Sprintf("where this capture was taken is not known: if at the %s or on the path, a capture on the %s's side confirms that the copies do not arrive; %s.", from, to, own)
		if v != VantageUnknown {
			check = fmt.Sprintf("this capture was most likely taken on the %s's side, where the copies arrive: %s; if elsewhere on its side, a firewall between this capture point and the %s drops them.", to, own, to)
		}
	}
	if announces {
		f.Message += fmt.Sprintf(" A firewall between drops it for what it holds (or the %s's own): the Linux FTP conntrack helper (nf_conntrack_ftp) drops a PORT, EPRT, 227 or 229 it sees only part of (the line split across segments) or cannot parse, on every retransmission; an FTP ALG or an IPS may do the same.", to)
		f.Advice = fmt.Sprintf("Find the firewall that drops it: a Linux router or host with the FTP helper logs \"nf_ct_ftp: dropping packet\" (dmesg); reading this capture with --helper linux shows what the helper made of each segment. A line split across segments or malformed is the %s's doing: fix it there (a version that writes each line whole), or take the helper off this traffic and open the passive range statically.", from)
		return f
	}
	// A path MTU black hole drops every copy of a segment too large for
	// a link on the way, whatever it holds: the router's ICMP errors
	// never reach the sender's TCP, which never sends it smaller (the
	// data connection's pmtu-blackhole). The tracker keeps path MTU
	// errors about a control connection (controlPMTUBlackHole reports
	// them when they show), but none may reach the capture, so the
	// line's size says whether its segment can be too large: not when
	// the smallest link of the family carries it whole.
	v6 := s.Server.Addr().Is6()
	ptb := "ICMP fragmentation needed"
	if v6 {
		ptb = "ICMPv6 Packet Too Big"
	}
	blackHole := fmt.Sprintf("a router on the path whose next link is too small for the segment drops every copy and answers with %s, which never reaches the %s's TCP (a firewall drops it, most often on the %s's own host), so the %s never sends it smaller: a path MTU black hole", ptb, from, from, from)
	look := fmt.Sprintf("Look for %s errors quoting these segments, in this capture or one on the %s's side (tcpdump %s). If they are there, let them reach the %s, on its host and every firewall between: %s; or clamp the TCP MSS on that router: %s",
		ptb, from, ptbFilter(v6), from, pmtuAllowRule(v6), mssClampRule(v6))
	// got: the largest line of the same direction that got through
	// before (answered): a segment as large crossed the path.
	got := largestAnswered(s, u.FromClient, u.Since)
	room, link := blackHoleRoom(v6)
	short := room // IPv6: every link carries this
	if !v6 {
		short = 576 - 20 - 60 // IPv4's least MTU, 576
	}
	switch {
	case size > short && got >= size:
		// (The same connection's segments, no larger than a line that
		// got through: the path carries them.)
		f.Message += fmt.Sprintf(" A %d-byte line the %s sent before got through, so this %d-byte one is not too large for the path: a firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line, or the path loses it every time.", got, from, size, to)
		f.Advice = fmt.Sprintf("Find the firewall or IPS between %s and %s that drops this segment (its log names the rule); %s", s.Client.Addr(), s.Server.Addr(), check)
	case size > room:
		f.pathMTU = true
		f.Message += fmt.Sprintf(" The line is %d bytes long, more than a segment on %s carries (%d bytes): most likely %s. Otherwise a firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line.",
			size, link, room, blackHole, to)
		f.Advice = fmt.Sprintf("%s. A shorter line (banner, message file) gets through too. If none is there, find the firewall or IPS between %s and %s that drops this segment (its log names the rule).", look, s.Client.Addr(), s.Server.Addr())
	case size > 0 && size <= short:
		// Short enough for the smallest link there is: not the path's
		// MTU. (An IPv4 line between that and room may meet a link that
		// small, rare as it is: both causes below.)
		f.Message += fmt.Sprintf(" A firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line, or the path loses it every time.", to)
		f.Advice = fmt.Sprintf("Find the firewall or IPS between %s and %s that drops this segment (its log names the rule); %s", s.Client.Addr(), s.Server.Addr(), check)
	default:
		f.mtuHedged = true
		f.Message += fmt.Sprintf(" Either a firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line, or the segment is too large for the path: %s.", to, blackHole)
		if size == 0 && got > short {
			f.Message += fmt.Sprintf(" (A %d-byte line the %s sent before got through: only a larger segment can be too large.)", got, from)
		}
		f.Advice = fmt.Sprintf("%s. If none is there, find the firewall or IPS between %s and %s that drops this segment (its log names the rule); %s", look, s.Client.Addr(), s.Server.Addr(), check)
	}
	return f
}

// senderSide is the capture point on the side of the one that sent the
// copies (the client when fromClient).
func senderSide(fromClient bool) Vantage {
	if fromClient {
		return VantageClient
	}
	return VantageServer
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

// blackHoleRoom is the TCP payload a segment on the small link that
// makes a path MTU black hole carries, and that link in words: for IPv6,
// its least MTU, 1280 bytes, less the header and the largest TCP header
// (60 bytes, options included); for IPv4, a 1400-byte link, the low end of
// the tunnels and PPPoE links (1400-1492) that make most black holes,
// less the headers without options. A line longer than that most likely
// needs a segment a router on the path cannot forward; an IPv4 line
// between 496 bytes (IPv4's least MTU, 576) and that may too.
func blackHoleRoom(v6 bool) (int, string) {
	if v6 {
		return 1280 - 40 - 60, "the smallest IPv6 link"
	}
	return 1400 - 20 - 20, "a 1400-byte IPv4 link (a tunnel or PPPoE link, the usual black hole)"
}

// answeredAfter is, when the line StalledLine named (c, or r, c's reply)
// got through before since, what shows it: for a reply (or the greeting,
// both nil), the client's command after it; for a command, c itself, which
// the server answered. nil when nothing does: the line may be the one sent
// again.
func answeredAfter(s *track.Session, fromClient bool, c *track.Command, r *track.Reply, since time.Time) *track.Command {
	if fromClient {
		if c != nil && len(c.Replies) > 0 && !c.Replies[0].TS.After(since) {
			return c
		}
		return nil
	}
	if r == nil && c != nil {
		return nil
	}
	// The latest command before since, after r (after the greeting when
	// r is nil and no command came: then there is none).
	for i := len(s.Commands) - 1; i >= 0; i-- {
		x := s.Commands[i]
		if x == c || r != nil && x.Num < r.Num {
			break
		}
		if !x.Unseen && !x.TS.After(since) {
			return x
		}
	}
	return nil
}

// largestAnswered is the size of the largest line in the direction
// fromClient sent before since that got through: a command the server
// answered, a reply (or greeting) the client sent a command after.
func largestAnswered(s *track.Session, fromClient bool, since time.Time) int {
	n := 0
	var last *track.Command // the latest command before since
	for _, x := range s.Commands {
		if !x.Unseen && !x.TS.After(since) {
			last = x
		}
	}
	if last == nil {
		return 0
	}
	if !fromClient {
		for i := range s.Greeting {
			n = max(n, replyBytes(&s.Greeting[i]))
		}
	}
	for _, x := range s.Commands {
		if x.TS.After(since) {
			break
		}
		if fromClient {
			if !x.Unseen && len(x.Replies) > 0 && !x.Replies[0].TS.After(since) {
				n = max(n, commandBytes(x))
			}
			continue
		}
		for i := range x.Replies {
			if y := &x.Replies[i]; y.Num < last.Num {
				n = max(n, replyBytes(y))
			}
		}
	}
	return n
}

// commandBytes is how many bytes c took on the wire; 0 for one not seen.
func commandBytes(c *track.Command) int {
	if c.Unseen {
		return 0
	}
	n := len(c.Verb) + len("\r\n")
	if c.Arg != "" {
		n += len(" ") + len(c.Arg)
	}
	return n
}

// ptbFilter is a tcpdump filter for the family's path MTU errors.
func ptbFilter(v6 bool) string {
	if v6 {
		return "'icmp6 and ip6[40] == 2'"
	}
	return "'icmp[icmptype] == icmp-unreach and icmp[icmpcode] == 4'"
}
