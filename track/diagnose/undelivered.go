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
	switch {
	case r != nil:
		line, num = fmt.Sprintf("its %d reply (packet %d)", r.Code, r.Num), r.Num
		announces = r.Code == 227 || r.Code == 228 || r.Code == 229
	case c != nil:
		line, num = fmt.Sprintf("its %s (packet %d)", c.Verb, c.Num), c.Num
		switch c.Verb {
		case "PORT", "EPRT", "LPRT":
			announces = true
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
	f.Message += fmt.Sprintf(" A firewall between (or the %s's own) drops it for what it holds, an IPS or FTP ALG that rejects this line, or the path loses it every time.", to)
	f.Advice = fmt.Sprintf("Find the firewall or IPS between %s and %s that drops this segment (its log names the rule); a capture on the %s's side confirms that the copies do not arrive.", s.Client.Addr(), s.Server.Addr(), to)
	return f
}
