package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestPacketFilterMayRemoveDataConn guards which user filters may have
// left a data connection out while keeping its session's control
// connection: a --bpf-raw program always; --host/--net when neither the
// client (passive) nor the announced address may keep it; --filter-ports
// when a port is privileged and neither 20 nor a control port.
func TestPacketFilterMayRemoveDataConn(t *testing.T) {
	host := func(a string) []netip.Prefix {
		p := netip.MustParseAddr(a)
		return []netip.Prefix{netip.PrefixFrom(p, p.BitLen())}
	}
	ports := []uint16{21, 990}
	for _, tc := range []struct {
		name      string
		f         PacketFilter
		passive   bool
		server    string // the control connection's server end
		announced string
		want      bool
	}{
		{"no filter", PacketFilter{}, true, "192.0.2.10:21", "192.0.2.10:40000", false},
		{"--bpf-raw", PacketFilter{By: "--bpf-raw", Raw: true}, true, "192.0.2.10:21", "192.0.2.10:40000", true},
		{"--host server, passive to it", PacketFilter{By: "--host", Nets: host("192.0.2.10")}, true, "192.0.2.10:21", "192.0.2.10:40000", false},
		{"--host server, passive to another address", PacketFilter{By: "--host", Nets: host("192.0.2.10")}, true, "192.0.2.10:21", "203.0.113.9:40000", true},
		{"--host client, passive", PacketFilter{By: "--host", Nets: host("198.51.100.7")}, true, "192.0.2.10:21", "203.0.113.9:40000", false},
		{"--host server, active from it", PacketFilter{By: "--host", Nets: host("192.0.2.10")}, false, "192.0.2.10:21", "198.51.100.7:50000", false},
		{"--host another host, active", PacketFilter{By: "--host", Nets: host("203.0.113.9")}, false, "192.0.2.10:21", "198.51.100.7:50000", true},
		{"--filter-ports, passive unprivileged", PacketFilter{By: "--filter-ports", Ports: ports}, true, "192.0.2.10:21", "192.0.2.10:40000", false},
		{"--filter-ports, passive privileged", PacketFilter{By: "--filter-ports", Ports: ports}, true, "192.0.2.10:21", "192.0.2.10:600", true},
		{"--filter-ports, passive to 20", PacketFilter{By: "--filter-ports", Ports: ports}, true, "192.0.2.10:21", "192.0.2.10:20", false},
		{"--filter-ports, active from 20", PacketFilter{By: "--filter-ports", Ports: ports}, false, "192.0.2.10:21", "198.51.100.7:50000", false},
		{"--filter-ports, active FTPS from 989", PacketFilter{By: "--filter-ports", Ports: ports}, false, "192.0.2.10:990", "198.51.100.7:50000", true},
		{"--filter-ports, active to a privileged port", PacketFilter{By: "--filter-ports", Ports: ports}, false, "192.0.2.10:21", "198.51.100.7:600", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &track.Session{Client: ap("198.51.100.7:50000"), Server: ap(tc.server)}
			dc := &track.DataConn{Passive: tc.passive, Announced: ap(tc.announced)}
			if got := tc.f.mayRemove(s, dc); got != tc.want {
				t.Errorf("mayRemove = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFilteredNotAttemptedClaimsNoDrop guards the findings that rest on
// the absence of a data connection behind a user's packet filter that may
// have left it out: the server's 425 read as "no SYN reached the capture
// point" (a warning; active-blocked, an error, in active mode: "blocked
// before this point, by the server's outgoing firewall", rules on the
// client "change nothing"), and an endpoint never used read as the client
// giving up. Each must say the filter may have left the connection out,
// name it and what to run instead, blame no place or firewall, stay a
// warning only where the server said the connection did not come; and
// the server's verdict must not count the endpoints as never used. A
// filter that keeps the connection (--host of the server) changes
// nothing.
func TestFilteredNotAttemptedClaimsNoDrop(t *testing.T) {
	raw := PacketFilter{By: "--bpf-raw", Raw: true}
	keeps := PacketFilter{By: "--host 192.0.2.10", Nets: []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32")}}
	for _, tc := range []struct {
		name     string
		f        PacketFilter
		active   bool
		refused  bool   // the transfer got a 425; else the client quit
		wantCode string // with no filter, or one that keeps it
		hedged   bool
		wantSev  Severity
	}{
		{"no filter, passive, 425", PacketFilter{}, false, true, CodeDataNotAttempted, false, SeverityWarning},
		{"no filter, active, 425", PacketFilter{}, true, true, CodeActiveBlocked, false, SeverityError},
		{"--host of the server, passive, 425", keeps, false, true, CodeDataNotAttempted, false, SeverityWarning},
		{"--bpf-raw, passive, 425", raw, false, true, CodeDataNotAttempted, true, SeverityWarning},
		{"--bpf-raw, active, 425", raw, true, true, CodeDataNotAttempted, true, SeverityWarning},
		{"--bpf-raw, passive, quit", raw, false, false, CodeDataNotAttempted, true, SeverityInfo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
			w.d.SetPacketFilter(tc.f)
			wireLogin(w)
			if tc.active {
				w.announceActive(ftp.ViaPORT, ap("198.51.100.7:50000"), 200, "PORT command successful. Consider using PASV.")
			} else {
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			}
			if tc.refused {
				w.cmd("RETR file")
				w.reply(425, "Failed to establish connection.")
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(tc.wantCode)
			if f == nil {
				t.Fatalf("no %s: %v", tc.wantCode, w.c.fs)
			}
			if f.Severity != tc.wantSev {
				t.Errorf("severity %s, want %s: %q", f.Severity, tc.wantSev, f.Message)
			}
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			verdict := sums[0].Verdict
			if !tc.hedged {
				if strings.Contains(f.Message, "packet filter") || strings.Contains(verdict, "packet filter") {
					t.Errorf("hedged with no filter that may have left it out: %q; verdict %q", f.Message, verdict)
				}
				return
			}
			if w.c.find(CodeActiveBlocked) != nil {
				t.Errorf("active-blocked raised though the filter may have left the SYNs out")
			}
			if !strings.Contains(f.Message, "packet filter --bpf-raw") || !strings.Contains(f.Message, "may have left") {
				t.Errorf("message does not name the filter that may have left the connection out: %q", f.Message)
			}
			if !strings.Contains(f.Advice, "tcp or icmp or icmp6") {
				t.Errorf("advice gives no filter that keeps the data connections: %q", f.Advice)
			}
			for _, claim := range []string{"capture point", "blocked before", "firewall", "gave up"} {
				if strings.Contains(f.Message+f.Advice, claim) {
					t.Errorf("claims %q: %q / %q", claim, f.Message, f.Advice)
				}
			}
			if strings.Contains(verdict, "never used") || strings.Contains(verdict, "firewall") || !strings.Contains(verdict, "packet filter --bpf-raw") {
				t.Errorf("verdict %q counts the endpoint as unused or blocked, or does not name the filter", verdict)
			}
		})
	}
}
