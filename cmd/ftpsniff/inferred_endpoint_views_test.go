package main

import (
	"bytes"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLostAnnouncementEndpointShownInferred: the 227 of a PASV is lost in
// a capture gap, or cut short by a snap length; the client's three SYNs
// to the server's port 40000 go unanswered and the server says 425. The
// port is only where the SYNs went (JSON "announced" is empty), yet the
// text heading read "data #1 PASV 10.0.0.1:40000 unanswered", the report's
// announced column "10.0.0.1:40000", the summary and the 425's evidence
// alike: an admin reading them sees an announced port to open. Each must
// say the endpoint is inferred, and why.
func TestLostAnnouncementEndpointShownInferred(t *testing.T) {
	const reply = "227 Entering Passive Mode (10,0,0,1,156,64)."
	for _, tt := range []struct {
		name, why string
		drop      func(c *wireCap, s *wireSession)
	}{
		{"lost", "reply lost", func(_ *wireCap, s *wireSession) {
			s.ctl.bseq += uint32(len(reply) + 2) // in a capture gap
		}},
		{"cut", "reply cut short", func(c *wireCap, s *wireSession) {
			c.snap = 54 + len("227 Entering Passive Mode (10,0,0,1,15") // headers and a part of the line
			s.reply(reply)
			c.snap = 0
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := openWireSession(c)
			s.reply("220 (vsFTPd 3.0.5)")
			s.cmd("USER alice")
			s.reply("331 Please specify the password.")
			s.cmd("PASS secret")
			s.reply("230 Login successful.")
			s.cmd("PASV")
			tt.drop(c, s)
			s.cmd("RETR b.bin")
			from, to := netip.MustParseAddrPort("10.0.0.2:51500"), netip.MustParseAddrPort("10.0.0.1:40000")
			for i := range 3 {
				c.wait(time.Duration(i) * time.Second)
				c.pkt(from, to, 7000, 0, "S", nil)
			}
			c.wait(10 * time.Second)
			s.reply("425 Failed to establish connection.")
			s.quit()

			var data map[string]any
			evidence := ""
			for _, r := range runJSONRecords(t, []string{"read", "--json", path}) {
				switch r["type"] {
				case "data":
					data = r
				case "finding":
					if r["code"] == "server-data-error" {
						evidence, _ = r["evidence"].(string)
					}
				}
			}
			if data == nil || data["match"] != "announcement-lost" || data["server"] != to.String() || data["outcome"] != "unanswered" || data["announced"] != "" {
				t.Fatalf("data record %v: want the unanswered connection to %v, announcement-lost, announced empty", data, to)
			}
			inferred := "PASV (" + tt.why + ") inferred 10.0.0.1:40000"
			if !strings.Contains(evidence, "data connection #1 "+inferred+": unanswered") {
				t.Errorf("server-data-error evidence %q: want %q", evidence, inferred)
			}

			var out, stderr bytes.Buffer
			run([]string{"read", "--color", "never", path}, &out, &stderr)
			if want := "data #1 " + inferred + " unanswered: 3 SYNs"; !strings.Contains(out.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, out.String())
			}
			if strings.Contains(out.String(), "data #1 PASV 10.0.0.1:40000") {
				t.Errorf("text shows the inferred endpoint as announced:\n%s", out.String())
			}
			out.Reset()
			run([]string{"read", "--color", "never", "--summary", path}, &out, &stderr)
			if want := "data #1 " + inferred + " unanswered"; !strings.Contains(out.String(), want) {
				t.Errorf("summary lacks %q:\n%s", want, out.String())
			}

			page, _, _ := runReport(t, path)
			row := regexp.MustCompile(`<tr><td>#1</td><td>([^<]*)</td><td>([^<]*)</td>`).FindStringSubmatch(page)
			if row == nil {
				t.Fatalf("report has no row for data #1:\n%s", page)
			}
			if row[1] != "PASV ("+tt.why+")" || row[2] != "inferred 10.0.0.1:40000" {
				t.Errorf("report's via and announced cells %q, %q; want %q, %q", row[1], row[2], "PASV ("+tt.why+")", "inferred 10.0.0.1:40000")
			}
		})
	}
}

// TestReportDataRowCarriesTextHedges: tcpdump started during a RETR; the
// data connection's bytes and close, then the control connection's 226
// or 426. The report's data table said "✔ transferred 50000 bytes" and
// nothing else, where text says its start was missed, its session a
// guess, and, after a 426, that the server says it failed.
func TestReportDataRowCarriesTextHedges(t *testing.T) {
	for _, tt := range []struct {
		end     string
		want    []string
		notWant string
	}{
		{"226 Transfer complete.", []string{"started before the capture", "the 226 at its end, a guess", "ended by fin"}, "its transfer failed"},
		{"426 Failure writing network stream.", []string{"started before the capture", "the 426 at its end, a guess", "then its transfer failed (426)"}, ""},
	} {
		t.Run(tt.end[:3], func(t *testing.T) {
			c, path := newWireCap(t)
			cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
			s := &wireSession{
				ctl:  wireConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1001, bseq: 5001},
				data: wireConn{c: c, a: netip.AddrPortFrom(cli, 50001), b: netip.AddrPortFrom(srv, 40000), aseq: 70001, bseq: 90001},
			}
			s.data.segments(wireBody(50000), nil)
			s.data.closeFromB()
			s.reply(tt.end)
			s.quit()

			var out, stderr bytes.Buffer
			run([]string{"read", "--color", "never", path}, &out, &stderr)
			page, _, _ := runReport(t, path)
			row := regexp.MustCompile(`<tr><td>#1</td>.*</tr>`).FindString(page)
			if row == "" {
				t.Fatalf("report has no row for data #1:\n%s", page)
			}
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, out.String())
				}
				if !strings.Contains(row, want) {
					t.Errorf("report's row lacks %q: %s", want, row)
				}
			}
			if tt.notWant != "" && strings.Contains(row, tt.notWant) {
				t.Errorf("report's row holds %q: %s", tt.notWant, row)
			}
			if failed := tt.notWant == ""; failed != strings.Contains(row, `class="warn">▲ transferred`) {
				t.Errorf("report's row marks the outcome wrongly (a failed transfer ▲, a complete one ✔): %s", row)
			}
		})
	}
}

// TestCaptureEndedAtSYNWritesZero: the capture's last packet is the data
// SYN. Text says the capture "ended 0.000s after the SYN"; JSON left
// capture_ended_after_ms out (written only when positive), a record
// indistinguishable from one with no such fact.
func TestCaptureEndedAtSYNWritesZero(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	s.cmd("RETR b.bin")
	c.pkt(s.data.a, s.data.b, s.data.aseq, 0, "S", nil)

	recs := lateDataRecords(t, path)
	if len(recs) != 1 {
		t.Fatalf("%d data records, want 1", len(recs))
	}
	if d := recs[0]; d["outcome"] != "undetermined" || d["syns"] != float64(1) || d["capture_ended_after_ms"] != float64(0) {
		t.Errorf("data record %v: want undetermined, 1 SYN, capture_ended_after_ms 0", d)
	}
	var out, stderr bytes.Buffer
	run([]string{"read", "--color", "never", path}, &out, &stderr)
	if want := "the capture ended 0.000s after the SYN"; !strings.Contains(out.String(), want) {
		t.Errorf("text lacks %q:\n%s", want, out.String())
	}
}
