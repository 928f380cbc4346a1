package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// control-tls-unfinished: the control connection turned to TLS (AUTH
// accepted, or an implicit-FTPS port) and its handshake never completed:
// the client sent no application data before the connection ended
// (track.EventTLSUnfinished, from decode's walk of the client's record
// headers). No command crossed it, so nothing was hidden, no login was
// made, and an encrypted channel's advice (a static passive range) is
// beside the point. The classic FTPS hang: the server's certificate
// flight fills full-size segments, a path MTU black hole drops every one,
// and the client gives up after a few seconds (curl: "SSL connection
// timeout"). A stall of the handshake (the same large segment sent again,
// never acknowledged: decode's ControlStalled in TLS) is its evidence, and
// takes the place of control-undelivered.

// minServerFlight: fewer TLS bytes from the server than this hold no
// certificate: a ServerHello with the certificate chain a server sends in
// a full handshake is a kilobyte or more (one self-signed RSA-2048
// certificate is about 800 bytes alone). A HelloRetryRequest is 99.
const minServerFlight = 1000

// tlsUnfinishedFinding is control-tls-unfinished for s, whose tracker
// event ev says its handshake never completed.
func (d *Diagnoser) tlsUnfinishedFinding(s *track.Session, st *sessState, ev *track.Event) *Finding {
	f := &Finding{Code: CodeControlTLSUnfinished, Severity: SeverityError, Session: s, TS: ev.TS}
	began := fmt.Sprintf("implicit FTPS on port %d: TLS from the first byte", s.Server.Port())
	turned := fmt.Sprintf("The control connection to port %d (implicit FTPS) began its TLS handshake", s.Server.Port())
	if c := st.authCmd; c != nil {
		r := c.Final()
		f.Command = c
		f.Packets = packets([]uint64{c.Num, r.Num})
		began = fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num)
		turned = fmt.Sprintf("The server accepted AUTH (packet %d) and the client began the control channel's TLS handshake", r.Num)
	}
	end := fmt.Sprintf("the capture ended %.1fs after the session began", ev.TS.Sub(s.Start).Seconds())
	switch {
	case s.EndReason == track.EndRST && s.ClientClosed:
		end = "the client reset the connection"
	case s.EndReason == track.EndRST:
		end = "the server reset the connection"
	case s.ClientFIN || s.EndReason == track.EndFIN && s.ClientClosed:
		end = "the client closed the connection"
	case s.EndReason == track.EndFIN:
		end = "the server closed the connection"
	case s.EndReason == track.EndIdle:
		end = "the connection went idle"
	}
	f.Packets = packets(f.Packets, []uint64{ev.Num})
	tls := fmt.Sprintf("TLS then: client %d bytes, server %d, no application data from the client; %s (packet %d)",
		ev.TLSSent[0], ev.TLSSent[1], end, ev.Num)
	f.Evidence = joinEvidence(began, tls)
	f.Message = fmt.Sprintf("%s, but the handshake never completed: the client sent no application data, and %s. No command crossed the connection (no login, no transfer), so the encryption hid nothing; the session failed in its handshake.", turned, end)
	v6 := s.Server.Addr().Is6() && !s.Server.Addr().Is4In6()
	var u *track.Event
	if st.more != nil {
		u = st.more.undelivered
	}
	switch {
	case u != nil:
		from, to := "server", "client"
		if u.FromClient {
			from, to = "client", "server"
		}
		f.TS = u.Since
		f.Packets = packets(f.Packets, []uint64{u.Num})
		// (The copies first: the evidence the reading rests on.)
		f.Evidence = joinEvidence(began, fmt.Sprintf("the %s sent a %d-byte segment of the handshake again %d times in %.1fs (to packet %d), never acknowledged, while the %s acknowledged what came before",
			from, u.SegmentSize, u.Bytes, u.TS.Sub(u.Since).Seconds(), u.Num, to), tls)
		room, link := blackHoleRoom(v6)
		if u.SegmentSize > room {
			f.pathMTU = true
			f.Message += fmt.Sprintf(" The %s's %d-byte segment of it never reached the %s, sent again and again: more than a segment on %s carries (%d bytes), so most likely a path MTU black hole (a router whose next link is smaller drops it, and its ICMP error never reaches the %s's TCP, which never sends it smaller: a firewall drops the error, most often on the %s's own host). Smaller segments got through.",
				from, u.SegmentSize, to, link, room, from, from)
			f.Advice = fmt.Sprintf("Let the path MTU errors reach the %s (%s): on its host %s, and on every firewall between; or clamp the TCP MSS on the router in front of the smaller link: %s. On a Linux %s, net.ipv4.tcp_mtu_probing=1%s finds a size that passes (RFC 4821). The router's ICMP errors, where a capture on the %s's side holds them (tcpdump %s), name its MTU; none there: a firewall before the %s drops them, or the router sends none. Nothing to change for the data ports: no session got that far.",
				from, pmtuSender(s, u.FromClient), pmtuAllowRule(v6), mssClampRule(v6), from, probingFamilies(v6), from, ptbFilter(v6), from)
			break
		}
		f.Message += fmt.Sprintf(" The %s's %d-byte segment of it never reached the %s, sent again and again: a firewall or IPS between drops it for what it holds (TLS inspection), or the path loses it every time.", from, u.SegmentSize, to)
		f.Advice = fmt.Sprintf("Find the firewall or IPS between %s and %s that drops this segment (its log names the rule; a TLS-inspecting one may refuse the certificate or the TLS version). Nothing to change for the data ports: no session got that far.", s.Client.Addr(), s.Server.Addr())
	case ev.ClientAlert:
		f.Evidence = joinEvidence(f.Evidence, "the client sent a TLS alert record")
		f.Message += " The client sent a TLS alert: it refused the handshake (most often a certificate it does not trust, or no TLS version or cipher in common)."
		f.Advice = fmt.Sprintf("Nothing to change in the firewall. Look at the client's error: a server certificate it does not trust (install the CA, or the certificate, on the client; curl --cacert), a name that does not match, or TLS versions and ciphers the two do not share. %s shows the server's side.", sClient(s))
	case ev.TLSSent[0] > 0 && int(ev.TLSSent[1]) < minServerFlight:
		f.Message += fmt.Sprintf(" Only %d bytes of the server's TLS are in the capture, less than a ServerHello with its certificate: the server's handshake flight never came. Where this capture sees the client's side, the server's full-size segments were lost on the way, every time: most often a path MTU black hole (a router whose next link is smaller drops them, its ICMP errors filtered before the server); or the server stopped in its handshake.", ev.TLSSent[1])
		f.Advice = fmt.Sprintf("Capture on the server's side: the same large segment sent again and again, never acknowledged, is a path MTU black hole. Then let the path MTU errors reach the server (on its host %s, and on every firewall between), or clamp the TCP MSS on the router in front of the smaller link: %s. Otherwise look at the server's log at that time. Nothing to change for the data ports: no session got that far.",
			pmtuAllowRule(v6), mssClampRule(v6))
	default:
		f.Message += " Neither side's segments were seen sent again unacknowledged, and the client sent no alert the capture shows."
		f.Advice = fmt.Sprintf("Look at the client's error and the server's log at that time (a certificate the client does not trust, TLS versions or ciphers the two do not share, a timeout); %s shows the server's side of the handshake. Nothing to change for the data ports: no session got that far.", sClient(s))
	}
	return f
}

// sClient is the openssl command that makes the session's handshake
// with its server: STARTTLS after AUTH, TLS at once on an implicit port.
func sClient(s *track.Session) string {
	if s.ImplicitTLS {
		return fmt.Sprintf("openssl s_client -connect %s", s.Server)
	}
	return fmt.Sprintf("openssl s_client -starttls ftp -connect %s", s.Server)
}

// pmtuSender is the address of the side that sent the segments a path
// MTU black hole drops.
func pmtuSender(s *track.Session, fromClient bool) string {
	if fromClient {
		return s.Client.Addr().String()
	}
	return s.Server.Addr().String()
}
