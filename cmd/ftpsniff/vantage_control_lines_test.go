package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestVantageControlRepliesLost guards the reviewer's real recordings
// where the transfer's data passed and the server's 226 did not: read
// with --vantage, both used to say "every data connection delivered at
// every point" and nothing more. control-cut-download: a home router that
// forgot the idle control connection answered the 226 with a reset (at
// the server) and the client never saw it; client-host-fw-cut: the 226
// (and its retransmissions) reached the client's interface and its own
// firewall dropped it. Both pairs are the recordings cut to the control
// connection and the data connections' handshakes and closes
// (pcaps/real/cut).
func TestVantageControlRepliesLost(t *testing.T) {
	for _, c := range []struct {
		dir, pair, where, after, before, verdict string
	}{
		{"cut/", "control-cut-download", "line-lost", "server", "client", `the server's reply "226 Transfer complete." was seen at "server" but never at "client": lost between them`},
		{"", "control-idle-nat", "line-lost", "server", "client", `was seen at "server" but never at "client": lost between them`},
		{"cut/", "client-host-fw-cut", "line-unacknowledged", "client", "", `reached "client" but the client never acknowledged it, though it went on sending for 21.7 s after: dropped on the client's host (its own firewall?)`},
	} {
		t.Run(c.pair, func(t *testing.T) {
			cl, sv := c.dir+c.pair+"-client.pcap", c.dir+c.pair+"-server.pcap"
			needCaptures(t, cl, sv)
			args := []string{"read", "--vantage", "client=" + vantageRealDir + cl, "--vantage", "server=" + vantageRealDir + sv}
			sessions := ofType(jsonRecords(t, append(args, "--json")...), "vantage_session")
			if len(sessions) != 1 {
				t.Fatalf("want 1 vantage_session, got %d", len(sessions))
			}
			s := sessions[0]
			losses, _ := s["control_losses"].([]any)
			if s["control_lost"] != 1.0 || len(losses) != 1 {
				t.Fatalf("want one control line lost: %v", s)
			}
			l := losses[0].(map[string]any)
			if l["where"] != c.where || l["from"] != "server" || l["code"] != 226.0 || l["text"] != "226 Transfer complete." ||
				l["after"] != c.after || (l["before"] != nil) != (c.before != "") || c.before != "" && l["before"] != c.before ||
				!strings.Contains(l["verdict"].(string), c.verdict) {
				t.Fatalf("control loss: %v", l)
			}
			var out, errb bytes.Buffer
			root := newRootCmd(&out, &errb)
			root.SetArgs(append(args, "--color", "never"))
			if err := root.Execute(); err != nil {
				t.Fatalf("%v (%s)", err, errb.String())
			}
			text := strings.Join(strings.Fields(out.String()), " ") // unwrapped
			if !strings.Contains(text, "1 control line (command or reply) in 1 session not delivered:") ||
				!strings.Contains(text, "session 1 control: "+c.where+": ") || !strings.Contains(text, c.verdict) {
				t.Fatalf("text does not say the 226 was not delivered:\n%s", text)
			}
		})
	}
}

// TestVantageControlDeliveredSaysNothing guards the other side: a pair
// whose control connection passed whole (the helper rewrote its 227,
// the data was delivered) reports no control line.
func TestVantageControlDeliveredSaysNothing(t *testing.T) {
	for _, pair := range []string{"helper-nat", "router-drop-data-syn", "client-nat-active-vsftpd"} {
		cl, sv := pair+"-client.pcap", pair+"-server.pcap"
		needCaptures(t, cl, sv)
		for _, s := range ofType(jsonRecords(t, "read", "--json", "--vantage", "client="+vantageRealDir+cl, "--vantage", "server="+vantageRealDir+sv), "vantage_session") {
			if s["control_lost"] != nil || s["control_losses"] != nil {
				t.Fatalf("%s: control loss reported: %v", pair, s)
			}
		}
	}
}
