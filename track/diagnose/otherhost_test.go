package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// synTo is the client's SYN from from to to, answered by RST/ACK when
// refuse, else sent again after a second and never answered.
func (w *wire) synTo(from, to netip.AddrPort, refuse bool) {
	w.seg(from, to, decode.FlagSYN, 7000, nil)
	if refuse {
		w.next()
		w.trk.Segment(&decode.Segment{Num: w.num, TS: w.now, Src: to, Dst: from, Flags: decode.FlagRST | decode.FlagACK, Ack: 7001})
		return
	}
	w.wait(time.Second)
	w.seg(from, to, decode.FlagSYN, 7000, nil)
}

// TestDataAtOtherHostBlamesNoServerFirewall guards a wrong rule (failure
// story 8; rv-servers lb-inside-two-backends, pcaps/synthetic
// lb-other-backend.pcap): seen on a load balancer's inside, the control
// connection went to backend 10.0.0.11 and its data SYNs to 10.0.0.12,
// which refused them. The findings said "the port is closed, or a
// firewall rejects it" with rules to open the range on the server (and
// the verdict the same, --pasv-range covering the ports or not), and
// nat-translated said the NAT forwards the port "to the server". Now they
// say the SYN reached another host than the session's server and give the
// balancer's fix. An ordinary NAT, the SYN at the control address, keeps
// its reading.
func TestDataAtOtherHostBlamesNoServerFirewall(t *testing.T) {
	for _, tc := range []struct {
		name   string
		to     string // where the client's SYNs arrive
		refuse bool
		rs     policy.Ranges
		code   string
		other  bool // the finding says another host
	}{
		{"refused by the other backend", "10.0.0.12:40011", true, nil, CodeDataRefused, true},
		{"refused, range given", "10.0.0.12:40011", true, policy.Ranges{{Lo: 40000, Hi: 40100}}, CodeDataRefused, true},
		{"dropped at the other backend", "10.0.0.12:40011", false, nil, CodeDataUnanswered, true},
		{"ordinary NAT: refused at the server", "10.0.0.11:40011", true, nil, CodeDataRefused, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("198.51.100.40:52500"), srv: ap("10.0.0.11:21"), now: t0}
			w.d = New(policy.Policy{Ranges: tc.rs}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, "ProFTPD Server (Debian) [203.0.113.50]")
			w.cmd("USER bob")
			w.reply(331, "Password required for bob")
			w.cmd("PASS pw")
			w.reply(230, "User bob logged in")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,50,156,75).")
			w.synTo(ap("198.51.100.40:52501"), ap(tc.to), tc.refuse)
			w.wait(30 * time.Second)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			text := wireText(w)
			var failed, translated *Finding
			for _, f := range w.c.fs {
				switch f.Code {
				case tc.code:
					failed = f
				case CodeNATTranslated:
					translated = f
				}
			}
			if failed == nil || translated == nil {
				t.Fatalf("no %s or nat-translated:\n%s", tc.code, text)
			}
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			verdict, rules := sums[0].Verdict, strings.Join(sums[0].Rules, "\n")
			toServer := strings.Contains(translated.Message, "forwards port 40011 to the server")
			if !tc.other {
				if strings.Contains(failed.Message, "not the session's server") || !toServer ||
					!strings.Contains(verdict, "refused with RST") {
					t.Errorf("ordinary NAT read as another host:\n%s", text)
				}
				return
			}
			if !strings.Contains(failed.Message, "10.0.0.12 is not the session's server: the control connection goes to 10.0.0.11") ||
				!strings.Contains(failed.Advice, "Opening the passive range on 10.0.0.11 changes nothing") ||
				!strings.Contains(failed.Advice, "source-address persistence") {
				t.Errorf("finding:\n%s", text)
			}
			for _, bad := range []string{"accept", "ACCEPT", "helper", "PassivePorts 40000 40100"} {
				if strings.Contains(failed.Advice, bad) || strings.Contains(rules, bad) {
					t.Errorf("%q opens a port on the server:\n%s\n%s", bad, text, rules)
				}
			}
			if toServer || !strings.Contains(translated.Message, "at 10.0.0.12, not at the server") {
				t.Errorf("nat-translated: %s", translated.Message)
			}
			if !strings.Contains(verdict, "reached 10.0.0.12 instead") || !strings.Contains(verdict, "opening ports on 10.0.0.11 changes nothing") {
				t.Errorf("verdict %q", verdict)
			}
		})
	}
}

// TestRefusalAfterNeighbourWorkedReadsPlain guards a misleading hedge
// (rt-c partial.pcap): a firewall rejecting part of the passive range
// with tcp-reset (40010 transferred, a second later 40070 refused by RST
// from the same address) got, from nothing but "another port worked
// before", a load balancer's reading in the finding and "if 10.0.0.2 is
// a load balancer's address ... the lines below change nothing" over
// the verdict's rules. Without a sign that another host answered, the
// refusal reads as any refusal: the port closed or rejected, the range
// to open.
func TestRefusalAfterNeighbourWorkedReadsPlain(t *testing.T) {
	for _, before := range []bool{true, false} {
		t.Run(map[bool]string{true: "a port worked a second before", false: "nothing worked before"}[before], func(t *testing.T) {
			w := newWire(t, "10.0.0.1:52400", "10.0.0.2:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS pw")
			w.reply(230, "Login successful.")
			if before {
				w.passiveTransfer("Entering Passive Mode (10,0,0,2,156,74).", ap("10.0.0.2:40010"))
				w.wait(time.Second)
			}
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,0,0,2,156,134).")
			w.synTo(ap("10.0.0.1:52402"), ap("10.0.0.2:40070"), true)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			text := wireText(w)
			var f *Finding
			for _, x := range w.c.fs {
				if x.Code == CodeDataRefused {
					f = x
				}
			}
			if f == nil {
				t.Fatalf("no data-refused:\n%s", text)
			}
			sum := w.d.Summaries()[0]
			all := f.Message + " " + f.Advice + " " + sum.Verdict + " " + strings.Join(sum.Rules, "\n")
			for _, bad := range []string{"balancer", "backend", "changes nothing"} {
				if strings.Contains(all, bad) {
					t.Errorf("%q without a sign of another host:\n%s\nverdict %q\n%s", bad, text, sum.Verdict, strings.Join(sum.Rules, "\n"))
				}
			}
			if !strings.Contains(f.Message, "the port is closed, or a firewall rejects it with tcp-reset") ||
				!strings.Contains(f.Advice, "nft insert rule") || !strings.Contains(sum.Verdict, "refused with RST") {
				t.Errorf("the refusal lost its reading or its rules:\n%s\nverdict %q", text, sum.Verdict)
			}
		})
	}
}

// TestNAT64NetworkPrefixIsNoOtherHost guards a false alarm
// (rt-c nat64-nsp.pcap): a client behind a NAT64 with a network-specific
// prefix reached the server at 2001:db8:64::c633:640a; the 227 announced
// 10.0.0.5, which the NAT64 made 2001:db8:64::a00:5, and those SYNs got
// no answer. That was called a load balancer sending the data connection
// to another host (otherHostOf knew only 64:ff9b::/96); the announced
// address that does not lead to the server (nat-mismatch) is the reading.
func TestNAT64NetworkPrefixIsNoOtherHost(t *testing.T) {
	for _, tc := range []struct{ name, srv, to string }{
		{"network-specific prefix", "[2001:db8:64::c633:640a]:21", "[2001:db8:64::a00:5]:40010"},
		{"well-known prefix", "[64:ff9b::c633:640a]:21", "[64:ff9b::a00:5]:40010"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "[2001:db8:1::10]:52400", tc.srv)
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS pw")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,0,0,5,156,74).")
			w.synTo(ap("[2001:db8:1::10]:52401"), ap(tc.to), false)
			w.wait(30 * time.Second)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			text := wireText(w)
			var f *Finding
			for _, x := range w.c.fs {
				if x.Code == CodeDataUnanswered {
					f = x
				}
			}
			if f == nil {
				t.Fatalf("no data-unanswered:\n%s", text)
			}
			verdict := w.d.Summaries()[0].Verdict
			if strings.Contains(f.Message, "not the session's server") || strings.Contains(f.Advice, "balancer") ||
				strings.Contains(verdict, "instead") {
				t.Errorf("read as another host:\n%s\nverdict %q", text, verdict)
			}
			if !strings.Contains(f.Message, "see nat-mismatch") {
				t.Errorf("the announced address is not named as the cause:\n%s", text)
			}
		})
	}
}
