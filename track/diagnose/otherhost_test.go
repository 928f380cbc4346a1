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

// TestRefusalAfterNeighbourWorkedHedgesBackends guards the lesser half of
// story 8 (rv-servers lb-client-side): at a balancer's address, port
// 40010 transferred, then 40011 got an RST from the same address, and the
// finding and verdict asserted a closed range ("open the range") with no
// word of a balancer, though a neighbouring port of the same session had
// just worked. Now both name the other backend as a reading, the
// balancer's fix first. Without a port that worked before, the refusal
// reads as before.
func TestRefusalAfterNeighbourWorkedHedgesBackends(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before bool // port 40010 transferred first
		hedged bool
	}{
		{"a port worked just before", true, true},
		{"nothing worked before", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.40:52400", "203.0.113.50:21")
			w.reply(220, "ProFTPD Server (Debian) [203.0.113.50]")
			w.cmd("USER bob")
			w.reply(331, "Password required for bob")
			w.cmd("PASS pw")
			w.reply(230, "User bob logged in")
			if tc.before {
				w.passiveTransfer("Entering Passive Mode (203,0,113,50,156,74).", ap("203.0.113.50:40010"))
			}
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,50,156,75).")
			w.synTo(ap("198.51.100.40:52402"), ap("203.0.113.50:40011"), true)
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
			verdict := w.d.Summaries()[0].Verdict
			said := strings.Contains(f.Message, "data #1 to port 40010 of the same address got through") &&
				strings.Contains(f.Message, "more than one host answers at 203.0.113.50") &&
				strings.Contains(f.Message, "keep each client's connections, control and data, on one backend") &&
				strings.Contains(verdict, "those refusals are other backends'")
			if said != tc.hedged {
				t.Errorf("hedged %v, want %v:\n%s", said, tc.hedged, text)
			}
			if !strings.Contains(f.Advice, "nft insert rule") {
				t.Errorf("the one-host reading lost its rules: %s", f.Advice)
			}
		})
	}
}
