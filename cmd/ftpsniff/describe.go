package main

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// addrString writes an address the way netip.AddrPort does, and nothing
// for an invalid one.
func addrString(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.String()
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// icmpName names an unreachable code for an admin.
func icmpName(i *track.ICMPInfo) string {
	if i.V6 {
		switch i.Code {
		case 0:
			return "no route to destination"
		case 1:
			return "communication administratively prohibited"
		case 2:
			return "beyond scope of source address"
		case 3:
			return "address unreachable"
		case 4:
			return "port unreachable"
		case 5:
			return "source address failed ingress/egress policy"
		case 6:
			return "reject route to destination"
		}
		return "unreachable"
	}
	switch i.Code {
	case 0:
		return "network unreachable"
	case 1:
		return "host unreachable"
	case 2:
		return "protocol unreachable"
	case 3:
		return "port unreachable"
	case 4:
		return "fragmentation needed"
	case 9, 10:
		return "host administratively prohibited"
	case 13:
		return "communication administratively prohibited"
	}
	return "unreachable"
}

// outcomeDetail says in words what the capture shows of a data connection.
func outcomeDetail(d *track.DataConn) string {
	switch d.Outcome {
	case track.OutcomeTransferred:
		s := fmt.Sprintf("%d bytes", d.TotalBytes())
		if d.Bytes[0] > 0 && d.Bytes[1] > 0 {
			// Both ways (a TLS handshake, say): say which is which.
			toClient, toServer := d.Bytes[1], d.Bytes[0]
			if !d.Passive {
				toClient, toServer = toServer, toClient
			}
			s += fmt.Sprintf(" (%d to the client, %d to the server)", toClient, toServer)
		}
		if dur := d.Duration(); dur > 0 {
			s += " in " + seconds(dur)
		}
		return s
	case track.OutcomeConnected:
		return "handshake done, no payload"
	case track.OutcomeUnanswered:
		if d.SYNs == 1 {
			return "1 SYN, no answer"
		}
		return fmt.Sprintf("%d SYNs over %s, no answer", d.SYNs, seconds(d.LastSYN.Sub(d.FirstSYN)))
	case track.OutcomeRefused:
		return fmt.Sprintf("SYN answered by RST after %s", seconds(d.RSTTS.Sub(d.FirstSYN)))
	case track.OutcomeUnreachable:
		t := 3
		if d.ICMP.V6 {
			t = 1
		}
		proto := "ICMP"
		if d.ICMP.V6 {
			proto = "ICMPv6"
		}
		s := fmt.Sprintf("%s type %d code %d (%s) from %s", proto, t, d.ICMP.Code, icmpName(d.ICMP), d.ICMP.From)
		if d.SYNs > 1 {
			s += fmt.Sprintf(", %d SYNs over %s", d.SYNs, seconds(d.LastSYN.Sub(d.FirstSYN)))
		}
		return s
	case track.OutcomeNotAttempted:
		return "no SYN to it"
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func loginString(l track.LoginState) string {
	switch l {
	case track.LoginOK:
		return "logged in"
	case track.LoginFailed:
		return "login failed"
	case track.LoginPending:
		return "login not completed"
	}
	return "no login"
}

// maskedArg hides a password unless asked to show it.
func maskedArg(verb, arg string, show bool) string {
	if (verb == "PASS" || verb == "ACCT") && !show && arg != "" {
		return "********"
	}
	return arg
}
