package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// lanScene is one passive transfer for the NAT-announcement tests: a
// session from cli to srv, whose server greets with greeting and answers
// PASV with pasv, then a LIST whose data connection is dataConn's.
type lanScene struct {
	cli, srv, greeting, pasv string
	// data plays the data connection around LIST (nil: none seen) and
	// returns the LIST's replies.
	data func(w *wire) [][2]any
}

// wait advances the wire's clock by d (packet time, not the test's).
func (w *wire) wait(d time.Duration) { w.now = w.now.Add(d) }

func (sc lanScene) run(t *testing.T) *wire {
	return sc.runOn(newWire(t, sc.cli, sc.srv))
}

// runOn is run on w, a wire made for sc's addresses (whose hops and ttl
// the caller may have set).
func (sc lanScene) runOn(w *wire) *wire {
	w.reply(220, sc.greeting)
	w.cmd("USER u")
	w.reply(331, "Password required")
	w.cmd("PASS p")
	w.reply(230, "User logged in.")
	w.cmd("PASV")
	w.reply(227, sc.pasv)
	var replies [][2]any
	if sc.data != nil {
		replies = sc.data(w)
	}
	w.cmd("LIST")
	for _, r := range replies {
		w.reply(r[0].(int), r[1].(string))
	}
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	return w
}

// unanswered: n SYNs from a to b, none answered, then the server's 425.
func unanswered(a, b string) func(w *wire) [][2]any {
	return func(w *wire) [][2]any {
		for i := range 5 {
			w.seg(ap(a), ap(b), decode.FlagSYN, 7000, nil)
			w.wait(time.Duration(1<<i) * time.Second)
		}
		return [][2]any{{425, "Unable to build data connection: Connection timed out"}}
	}
}

// served: a data connection from a to b whose SYN-ACK comes rtt after
// the SYN, carrying n bytes to a, then the replies.
func served(a, b string, rtt time.Duration, n int, replies ...[2]any) func(w *wire) [][2]any {
	return func(w *wire) [][2]any {
		w.seg(ap(a), ap(b), decode.FlagSYN, 1000, nil)
		w.wait(rtt)
		w.seg(ap(b), ap(a), decode.FlagSYN|decode.FlagACK, 5000, nil)
		w.seg(ap(a), ap(b), decode.FlagACK, 1001, nil)
		if n > 0 {
			w.seg(ap(b), ap(a), decode.FlagACK|decode.FlagPSH, 5001, make([]byte, n))
		}
		w.seg(ap(b), ap(a), decode.FlagFIN|decode.FlagACK, 5001+uint32(n), nil)
		w.seg(ap(a), ap(b), decode.FlagFIN|decode.FlagACK, 1001, nil)
		w.seg(ap(b), ap(a), decode.FlagACK, 5002+uint32(n), nil)
		return replies
	}
}

var (
	transferred = [][2]any{{125, "Data connection already open; Transfer starting."}, {226, "Transfer complete."}}
	badIP       = [2]any{425, "Security: Bad IP connecting."}
)

// lanWant is what a scene must and must not produce.
type lanWant struct {
	code    string   // a finding of this code...
	sev     Severity // ...of this severity
	in      []string // ...whose message or advice holds these
	none    []string // codes that must not be raised
	verdict string   // in the server's verdict
	banned  []string // in no finding's text, the verdict or the rules
}

func checkLAN(t *testing.T, w *wire, want lanWant) {
	t.Helper()
	if want.code != "" {
		f := w.c.find(want.code)
		switch {
		case f == nil:
			dumpFindings(t, w.c)
			t.Fatalf("no %s", want.code)
		case f.Severity != want.sev:
			t.Errorf("%s is %s, want %s: %s", want.code, f.Severity, want.sev, f.Message)
		}
		if f != nil {
			for _, s := range want.in {
				if !strings.Contains(f.Message+" "+f.Advice+" "+f.Evidence, s) {
					t.Errorf("%s lacks %q:\n%s\n%s\n%s", want.code, s, f.Message, f.Advice, f.Evidence)
				}
			}
		}
	}
	for _, c := range want.none {
		if f := w.c.find(c); f != nil {
			t.Errorf("unwanted %s %s: %s", f.Severity, c, f.Message)
		}
	}
	sums := w.d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	if !strings.Contains(sums[0].Verdict, want.verdict) {
		t.Errorf("verdict lacks %q: %s", want.verdict, sums[0].Verdict)
	}
	texts := []string{sums[0].Verdict}
	texts = append(texts, sums[0].Rules...)
	for _, f := range w.c.fs {
		texts = append(texts, f.Message, f.Advice, f.Evidence)
	}
	for _, b := range want.banned {
		for _, s := range texts {
			if strings.Contains(s, b) {
				t.Errorf("%q in %q", b, s)
			}
		}
	}
}

// TestLANClientOfPublicAnnouncement: client and server on one private
// network, the server announcing the public address its router forwards
// (MasqueradeAddress, pasv_address, IIS's External IP Address of
// Firewall): the classic "works from outside, fails inside". Without NAT
// loopback on the router the client's SYNs to the public address go
// unanswered: that was "nat-translated: this is the correct setup", with
// evidence "data connection arrived" for SYNs nobody answered, and
// data-unanswered blaming a firewall with rules to open the range. With a
// hairpin that masquerades, the data connection arrives from the router:
// vsftpd's 425 was blamed on Docker or a CGNAT with "correct setup" beside
// it, and IIS's served transfer on passive port theft. The router's NAT
// loopback is what decides, and no firewall rule helps.
func TestLANClientOfPublicAnnouncement(t *testing.T) {
	rules := []string{"nft ", "iptables ", "this is the correct setup", "arrived at 203.0.113.10"}
	for _, tc := range []struct {
		name string
		sc   lanScene
		want lanWant
	}{
		{"no NAT loopback: SYNs to the public address unanswered",
			lanScene{"10.0.0.20:52300", "10.0.0.5:21", "ProFTPD Server (ProFTPD) [10.0.0.5]", "Entering Passive Mode (203,0,113,10,156,64).",
				unanswered("10.0.0.20:52301", "203.0.113.10:40000")},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"NAT loopback", "MasqueradeAddress", "EPSV"},
				none: []string{CodeNATTranslated}, verdict: "NAT loopback", banned: append(rules, "Docker")}},
		{"hairpin masquerades, vsftpd refuses the router's address",
			lanScene{"10.0.0.20:51600", "10.0.0.5:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,195,80).",
				served("10.0.0.1:61000", "10.0.0.5:50000", 0, 0, badIP)},
			lanWant{code: CodeDataSourceNAT, sev: SeverityError, in: []string{"NAT loopback", "10.0.0.1", "pasv_address", "last resort"},
				none: []string{CodeNATTranslated, CodeDataForeignSource}, verdict: "NAT loopback", banned: append(rules, "Docker", "CGNAT")}},
		{"hairpin masquerades, IIS serves the router's address",
			lanScene{"10.0.0.20:51600", "10.0.0.5:21", "Microsoft FTP Service", "Entering Passive Mode (203,0,113,10,195,80).",
				served("10.0.0.1:61000", "10.0.0.5:50000", 0, 900, transferred...)},
			// Nothing on the wire shows that 10.0.0.1 is the router: the
			// note says so, and data-foreign-source (TestLANHairpinReadings)
			// gives both readings.
			lanWant{code: CodeNATTranslated, sev: SeverityInfo, in: []string{"NAT loopback", "If 10.0.0.1 is the router"},
				none: []string{CodeNATMismatch}, verdict: "NAT loopback", banned: append(rules, "Nothing needs to change")}},
		{"NAT loopback answers the client's SYN to the public address",
			lanScene{"10.0.0.20:51600", "10.0.0.5:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,195,80).",
				served("10.0.0.20:51601", "203.0.113.10:50000", time.Millisecond, 900, [2]any{150, "Here comes the directory listing."}, [2]any{226, "Directory send OK."})},
			lanWant{code: CodeNATTranslated, sev: SeverityInfo, in: []string{"NAT loopback"},
				none: []string{CodeNATMismatch}, verdict: "worked", banned: []string{"nft ", "iptables ", "this is the correct setup"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLAN(t, tc.sc.run(t), tc.want) })
	}
}

// TestAnnouncedAddressReachedAsAnnounced: an announced address the client
// connected to exactly as announced, and the data moved, is no fault.
// multihome: control to 10.0.0.5, 227 names 10.0.1.5, the client
// connected to 10.0.1.5 and 500 bytes came: it was a warning, "belongs to
// a network the client is not on", with a verdict setting the External IP
// Address of Firewall to 10.0.0.5. A client from another private network
// that reached the server's own address as announced: it was an info
// worded "this capture on the server's side"; the capture may be where the
// client is (then the 227 names the address it dialed). A SYN-ACK late
// after its SYN alone does not tell the side (a slow server beside the
// capture makes it too: TestLANHairpinReadings), so the note stays,
// worded for either side; with the client's ACK at once after the
// SYN-ACK the handshake shows the capture where the client is, and
// nothing is wrong (TestCaptureSideFromHandshake: this case held the
// note before track kept the ACK's time).
func TestAnnouncedAddressReachedAsAnnounced(t *testing.T) {
	for _, tc := range []struct {
		name string
		sc   lanScene
		want lanWant
	}{
		{"multi-homed private server",
			lanScene{"192.168.1.20:52000", "10.0.0.5:21", "Microsoft FTP Service", "Entering Passive Mode (10,0,1,5,156,64).",
				served("192.168.1.20:52001", "10.0.1.5:40000", 0, 500, transferred...)},
			lanWant{code: CodeNATMismatch, sev: SeverityInfo, in: []string{"reached it there"}, verdict: "worked",
				banned: []string{"External IP Address of Firewall 10.0.0.5\n", "not on"}}},
		{"SYN-ACK 20 ms after the SYN, the ACK at once: the client's side, nothing to say",
			lanScene{"192.168.1.20:51500", "10.0.0.5:21", "Microsoft FTP Service", "Entering Passive Mode (10,0,0,5,195,80).",
				served("192.168.1.20:51501", "10.0.0.5:50000", 20*time.Millisecond, 900, transferred...)},
			lanWant{none: []string{CodeNATMismatch}, verdict: "worked", banned: []string{"capture on the server's side", "routed to the server's"}}},
		{"beside the server: either reading, no side asserted",
			lanScene{"192.168.1.20:51500", "10.0.0.5:21", "Microsoft FTP Service", "Entering Passive Mode (10,0,0,5,195,80).",
				served("192.168.1.20:51501", "10.0.0.5:50000", 0, 900, transferred...)},
			lanWant{code: CodeNATMismatch, sev: SeverityInfo, in: []string{"where the client is", "this capture cannot tell which"},
				verdict: "routed to the server's", banned: []string{"capture on the server's side"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLAN(t, tc.sc.run(t), tc.want) })
	}
}

// TestNATAnnouncementTrueCasesStay guards what the LAN and reached-as-
// announced cases must not swallow: a server behind NAT announcing its
// private address to an outside client (nat-mismatch error), one
// announcing the public address to an outside client whose data arrives
// (nat-translated info), and a firewall dropping the passive port of a
// client on another network (data-unanswered with the rules to open it).
func TestNATAnnouncementTrueCasesStay(t *testing.T) {
	for _, tc := range []struct {
		name string
		sc   lanScene
		want lanWant
	}{
		{"private address to an outside client",
			lanScene{"198.51.100.7:52000", "203.0.113.10:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (192,168,0,10,195,80).",
				unanswered("198.51.100.7:52001", "192.168.0.10:50000")},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"pasv_address"}, verdict: "pasv_address=203.0.113.10",
				banned: []string{"NAT loopback"}}},
		{"public address to an outside client, data arrives",
			lanScene{"198.51.100.7:52000", "10.0.0.5:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,156,64).",
				served("198.51.100.7:52001", "10.0.0.5:40000", 0, 700, [2]any{150, "Here comes the directory listing."}, [2]any{226, "Directory send OK."})},
			lanWant{code: CodeNATTranslated, sev: SeverityInfo, in: []string{"arrived here translated", "arrived at 10.0.0.5:40000", "Nothing to change if 203.0.113.10 is the address clients reach"},
				none: []string{CodeNATMismatch, CodeDataForeignSource}, verdict: "worked", banned: []string{"NAT loopback"}}},
		{"firewall drops the passive port of a client on another network",
			lanScene{"198.51.100.7:52000", "203.0.113.10:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,156,64).",
				unanswered("198.51.100.7:52001", "203.0.113.10:40000")},
			lanWant{code: CodeDataUnanswered, sev: SeverityError, in: []string{"a firewall is dropping them", "nft insert rule"},
				none: []string{CodeNATMismatch}, verdict: "dropped between client and server", banned: []string{"NAT loopback"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLAN(t, tc.sc.run(t), tc.want) })
	}
}
