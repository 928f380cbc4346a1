package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestEPSVAllIgnored guards a broken promise said nothing of (rev37
// rv-corners, epsvall-port-ok.pcap, epsvall-pasv.pcap): after the server
// accepted the client's EPSV ALL, the client sent PORT (or PASV) and the
// server accepted it, which RFC 2428 (section 4) makes it refuse; a NAT
// device or firewall that stops reading PORT and 227 after EPSV ALL
// translates and opens nothing for it. Now epsv-all-ignored: info, a
// warning when the data connection then failed; nothing when the EPSV ALL
// or the later PORT was refused, for EPSV after EPSV ALL, without EPSV
// ALL, or after an accepted REIN.
func TestEPSVAllIgnored(t *testing.T) {
	const (
		none = iota
		worked
		refused // the data connection's SYN answered by an RST
		unused  // no transfer: nothing connects
	)
	srvData := ap("10.99.0.1:40000")
	cliData := ap("10.99.0.2:41000")
	tests := []struct {
		name    string
		before  [][2]string // commands before the announcement, each with its reply ("200 ...")
		verb    string      // PASV, PORT, EPSV
		code    int         // the announcement's reply
		data    int
		sev     Severity // noFinding: none
		want    []string
		dataSet bool // the finding goes with the data connection
	}{
		{name: "PASV accepted after EPSV ALL, worked", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}},
			verb: "PASV", code: 227, data: worked, sev: SeverityInfo, dataSet: true,
			want: []string{"sent PASV after", `"EPSV ALL" -> "200 EPSV ALL ok."`, `"PASV"`, "227 Entering Passive Mode", "data connection #1 transferred", "Nothing failed"}},
		{name: "PORT accepted after EPSV ALL, worked", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}},
			verb: "PORT", code: 200, data: worked, sev: SeverityInfo, dataSet: true,
			want: []string{"sent PORT after", `"PORT 10,99,0,2,160,40"`, "200 PORT command successful"}},
		{name: "PASV accepted after EPSV ALL, data connection refused", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}},
			verb: "PASV", code: 227, data: refused, sev: SeverityWarning, dataSet: true,
			want: []string{"sent PASV after", "data connection #1 failed (refused)", "data connection #1 refused"}},
		{name: "PORT accepted after EPSV ALL, data connection refused", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}},
			verb: "PORT", code: 200, data: refused, sev: SeverityWarning, dataSet: true,
			want: []string{"sent PORT after", "failed (refused)"}},
		{name: "PASV accepted after EPSV ALL, never used", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}},
			verb: "PASV", code: 227, data: unused, sev: SeverityInfo, dataSet: true},
		{name: "EPSV ALL refused", before: [][2]string{{"EPSV ALL", "500 Unknown command."}},
			verb: "PASV", code: 227, data: worked, sev: noFinding},
		{name: "PORT refused after EPSV ALL", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}},
			verb: "PORT", code: 500, data: none, sev: noFinding},
		{name: "EPSV after EPSV ALL", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}},
			verb: "EPSV", code: 229, data: worked, sev: noFinding},
		{name: "no EPSV ALL", verb: "PASV", code: 227, data: worked, sev: noFinding},
		{name: "REIN after EPSV ALL", before: [][2]string{{"EPSV ALL", "200 EPSV ALL ok."}, {"REIN", "220 Ready for new user."}},
			verb: "PASV", code: 227, data: worked, sev: noFinding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "10.99.0.2:42172", "10.99.0.1:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS guest@")
			w.reply(230, "Login successful.")
			for _, b := range tc.before {
				w.cmd(b[0])
				var code int
				text, _ := strings.CutPrefix(b[1][3:], " ")
				for _, ch := range b[1][:3] {
					code = code*10 + int(ch-'0')
				}
				w.reply(code, text)
			}
			var from, to netip.AddrPort
			switch tc.verb {
			case "PASV":
				w.cmd("PASV")
				w.reply(tc.code, "Entering Passive Mode (10,99,0,1,156,64).")
				from, to = netip.AddrPortFrom(w.cli.Addr(), 54000), srvData
			case "EPSV":
				w.cmd("EPSV")
				w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||40000|)"},
					Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: srvData}})
				from, to = netip.AddrPortFrom(w.cli.Addr(), 54000), srvData
			case "PORT":
				text := "PORT command successful. Consider using PASV."
				if tc.code != 200 {
					text = "PORT not allowed after EPSV ALL."
				}
				w.announceActive(ftp.ViaPORT, cliData, tc.code, text)
				from, to = ap("10.99.0.1:20"), cliData
			}
			switch tc.data {
			case worked:
				w.cmd("RETR report.txt")
				w.reply(150, "Opening BINARY mode data connection for report.txt (64 bytes).")
				w.helloConn(from, to, []byte("x"), []byte(strings.Repeat("d", 64)))
				w.reply(226, "Transfer complete.")
			case refused:
				w.cmd("RETR report.txt")
				w.seg(from, to, decode.FlagSYN, 1000, nil)
				w.segAck(to, from, decode.FlagRST|decode.FlagACK, 0, 1001)
				w.reply(425, "Failed to establish connection.")
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			fs := w.c.all(CodeEPSVAllIgnored)
			if tc.sev == noFinding {
				if len(fs) != 0 {
					t.Fatalf("epsv-all-ignored raised: %s | %s", fs[0].Message, fs[0].Evidence)
				}
				return
			}
			if len(fs) != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%d epsv-all-ignored findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Severity != tc.sev {
				t.Errorf("severity %v, want %v", f.Severity, tc.sev)
			}
			if (f.Data != nil) != tc.dataSet {
				t.Errorf("finding's data connection %v, want one: %v", f.Data, tc.dataSet)
			}
			if f.Data != nil && f.Data.Outcome.Failed() != (tc.sev == SeverityWarning) && f.Data.Outcome != track.OutcomeNotAttempted {
				t.Errorf("data connection %s with a %v", f.Data.Outcome, f.Severity)
			}
			all := f.Message + " | " + f.Advice + " | " + f.Evidence
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in:\n%s", s, all)
				}
			}
		})
	}
}
