package main

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// The captures of testdata/tab are a PORT written with a TAB after its
// verb, "PORT\t192,0,2,1,156,64", after a login (synthetic):
// port-tab-200.pcap a server that runs it as ProFTPD does (200, then LIST
// and the server's data connection to 192.0.2.1:40000),
// port-tab-500.pcap one that does not know it, as vsftpd ("500 Unknown
// command.").

// tabRead runs read over testdata/tab/file with args and returns the
// text output.
func tabRead(t *testing.T, file string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	run(append(append([]string{"read", "--color", "never"}, args...), filepath.Join("testdata", "tab", file)), &out, &errb)
	if errb.Len() > 0 {
		t.Errorf("stderr: %s", errb.String())
	}
	return out.String()
}

func tabCommand(t *testing.T, recs []map[string]any, verb string) map[string]any {
	t.Helper()
	for _, r := range ofType(recs, "command") {
		if r["command"] == verb {
			return r
		}
	}
	t.Fatalf("no %s command record", verb)
	return nil
}

// TestTabAfterPORTVerbIsAnnouncement guards a PORT whose verb a TAB ends
// (ftp.CmdTabSeparator): it announces its endpoint, and the server's data
// connection to it matches it. Before, the line was junk ("not FTP"), the
// 200 a reply without a command, and the data connection matched nothing
// but the RFC 959 default port.
func TestTabAfterPORTVerbIsAnnouncement(t *testing.T) {
	text := tabRead(t, "port-tab-200.pcap")
	for _, want := range []string{
		`<-- PORT\t192,0,2,1,156,64  = 192.0.2.1:40000`,
		"[TAB after the verb: ProFTPD runs it; vsftpd and Pure-FTPd do not know it; a Linux FTP helper drops it]",
		"data #1 PORT 192.0.2.1:40000 transferred",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"not FTP", "reply without a command", "default data port", "\t192"} {
		if strings.Contains(text, bad) {
			t.Errorf("output has %q:\n%s", bad, text)
		}
	}
	recs := jsonRecords(t, "read", "--json", filepath.Join("testdata", "tab", "port-tab-200.pcap"))
	c := tabCommand(t, recs, "PORT")
	if c["anomaly"] != "tab-separator" || c["arg"] != "192,0,2,1,156,64" || c["via"] != "PORT" || c["endpoint"] != "192.0.2.1:40000" || c["data"] != 1.0 {
		t.Errorf("PORT record %v: want anomaly tab-separator, the endpoint, data 1", c)
	}
	if d := ofType(recs, "data"); len(d) != 1 || d[0]["via"] != "PORT" || d[0]["match"] != "exact" {
		t.Errorf("data records %v: want one, via PORT, matched exactly", d)
	}
	if ev := ofType(recs, "event"); len(ev) != 0 {
		t.Errorf("events %v: want none (no junk, no reply without a command)", ev)
	}
}

// TestTabAfterPORTVerbHelperDropsIt guards --helper linux on a PORT whose
// verb a TAB ends: nf_conntrack_ftp looks for "PORT " with a space, finds
// none before the segment's end and drops it (find_pattern's skip loop;
// checked on Linux 6.18.44), so no expectation: helper-drop and
// helper-would-block, each saying that the TAB is why, and no
// helper-opens. Before, the tracker saw no PORT and the data connection's
// verdict said only that the helper found no announcement.
func TestTabAfterPORTVerbHelperDropsIt(t *testing.T) {
	fs := helperCodeFindings(t, filepath.Join("testdata", "tab", "port-tab-200.pcap"))
	drops, blocks := findingsOf(fs, CodeHelperDrop), findingsOf(fs, CodeHelperBlocks)
	if len(drops) != 1 || len(blocks) != 1 || len(findingsOf(fs, CodeHelperOpens)) != 0 {
		t.Fatalf("want one helper-drop, one helper-would-block, no helper-opens; got %v", fs)
	}
	if m, _ := drops[0]["message"].(string); !strings.Contains(m, "ended the verb with a TAB, not a space: the helper does not recognise the PORT") {
		t.Errorf("helper-drop message %q does not say the TAB is why", m)
	}
	if e, _ := drops[0]["evidence"].(string); !strings.Contains(e, `"PORT\t192,0,2,1,156,64"`) {
		t.Errorf("helper-drop evidence %q does not show the TAB as \\t", e)
	}
	if a, _ := drops[0]["advice"].(string); !strings.Contains(a, "write a space after PORT") {
		t.Errorf("helper-drop advice %q", a)
	}
	if m, _ := blocks[0]["message"].(string); !strings.Contains(m, "it did not recognise the PORT, whose verb the client ended with a TAB") {
		t.Errorf("helper-would-block message %q does not say the TAB is why", m)
	}
}

// TestTabAfterPORTVerbRefusedIsNotActiveModeOff guards a PORT whose verb a
// TAB ends, answered "500 Unknown command." (vsftpd): refused like any
// PORT answered 500 (no data connection expected), but no claim that the
// server refused active mode nor advice to turn it on: the client is to
// write a space. Before, the line was junk and its 500 a reply without a
// command; a PORT answered 500 read "The server refused active mode",
// port_enable=YES.
func TestTabAfterPORTVerbRefusedIsNotActiveModeOff(t *testing.T) {
	text := tabRead(t, "port-tab-500.pcap")
	for _, want := range []string{
		`<-- PORT\t192,0,2,1,156,64  = 192.0.2.1:40000`,
		"(PORT refused: no data connection is expected from it)",
		"error active-refused: The server did not take the client's PORT as a command: the",
		`evidence: "PORT\t192,0,2,1,156,64" (packet 9) -> "500 Unknown command."`,
		"Fix the client to write a space after PORT",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"not FTP", "reply without a command", "refused active mode", "port_enable", "turn active mode on"} {
		if strings.Contains(text, bad) {
			t.Errorf("output has %q:\n%s", bad, text)
		}
	}
	recs := jsonRecords(t, "read", "--json", filepath.Join("testdata", "tab", "port-tab-500.pcap"))
	c := tabCommand(t, recs, "PORT")
	if c["anomaly"] != "tab-separator" || c["refused"] != true || c["data"] != nil {
		t.Errorf("PORT record %v: want anomaly tab-separator, refused, no data", c)
	}
	if d := ofType(recs, "data"); len(d) != 0 {
		t.Errorf("data records %v: want none", d)
	}
}

// TestTabAfterEPRTVerb guards the same for EPRT, and for the helper's
// other pattern: "EPRT\t|1|...|" announces its endpoint, and the helper,
// which looks for "EPRT ", drops it.
func TestTabAfterEPRTVerb(t *testing.T) {
	cli := netip.MustParseAddrPort("192.0.2.1:40000")
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	path := filepath.Join(t.TempDir(), "eprt-tab.pcap")
	writeHelperCapture(t, path, helperSession{client: cli, server: srv, handshake: true,
		exchange: [][2]string{{"USER a", "331 pw"}, {"PASS b", "230 ok"}, {"EPRT\t|1|192.0.2.1|50131|", "200 EPRT command successful"}},
		dataFrom: netip.MustParseAddrPort("192.0.2.10:20"), dataTo: netip.MustParseAddrPort("192.0.2.1:50131")})
	recs := jsonRecords(t, "read", "--json", path)
	c := tabCommand(t, recs, "EPRT")
	if c["anomaly"] != "tab-separator" || c["endpoint"] != "192.0.2.1:50131" || c["data"] != 1.0 {
		t.Errorf("EPRT record %v: want anomaly tab-separator, the endpoint, data 1", c)
	}
	fs := helperCodeFindings(t, path)
	drops := findingsOf(fs, CodeHelperDrop)
	if len(drops) != 1 || len(findingsOf(fs, CodeHelperOpens)) != 0 {
		t.Fatalf("want one helper-drop, no helper-opens; got %v", fs)
	}
	if m, _ := drops[0]["message"].(string); !strings.Contains(m, "the helper does not recognise the EPRT, as it needs a space after the verb") {
		t.Errorf("helper-drop message %q does not say the TAB is why", m)
	}
}
