package decode

import "testing"

// TestMultilineReplyLastLineEndpoint guards the ambiguity of a multi-line
// 227/228/229 whose last line names another endpoint than the first one
// in its text (curl reads the last line, Python ftplib the first match):
// the last line's is handed on (EndpointAlt) beside Endpoint, the first.
// Before, only the first was, and a client that used the last line's
// (rv-attack3 r227_multiline_last_used) had its transfer matched to
// nothing. The same endpoint on both lines, or one line, is no ambiguity,
// nor a last line whose numbers are not in a form servers announce with.
func TestMultilineReplyLastLineEndpoint(t *testing.T) {
	for _, tc := range []struct {
		verb, reply string
		want        string // EndpointAlt's address, "" for none
	}{
		{"PASV", "227-Entering Passive Mode (10,0,0,1,156,64)\r\n227 Entering Passive Mode (10,0,0,1,200,10)\r\n", "10.0.0.1:51210"},
		{"EPSV", "229-Entering Extended Passive Mode (|||40000|)\r\n229 Entering Extended Passive Mode (|||51210|)\r\n", "51210"},
		{"PASV", "227-Entering Passive Mode (10,0,0,1,156,64)\r\n227 Entering Passive Mode (10,0,0,1,156,64)\r\n", ""},
		{"PASV", "227-Entering Passive Mode (10,0,0,1,156,64)\r\n227 OK\r\n", ""},
		{"PASV", "227 Entering Passive Mode (10,0,0,1,156,64)\r\n", ""},
		// Free text with six numbers is no announcement (rv-rta
		// ml227-junk-last-425.pcap); the forms servers write are.
		{"PASV", "227-Entering Passive Mode (10,0,0,9,195,80)\r\n227 Note: 1,2,3,4,5,6 ignored\r\n", ""},
		{"PASV", "227-Entering Passive Mode (10,0,0,9,195,80)\r\n227 Entering Passive Mode 10,0,0,9,200,10\r\n", "10.0.0.9:51210"},
		{"PASV", "227-Entering Passive Mode (10,0,0,9,195,80)\r\n227 Data transfer will passively listen to 10,0,0,9,200,10\r\n", "10.0.0.9:51210"},
		{"EPSV", "229-Entering Extended Passive Mode (|||40000|)\r\n229 Entering Extended Passive Mode (|1|10.0.0.9|51210|)\r\n", ""},
	} {
		rec := &recorder{}
		v := &conv{t: t, d: New(rec, Options{}), c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
		v.handshake()
		v.srv("220 hi\r\n")
		v.cli(tc.verb + "\r\n")
		v.srv(tc.reply)
		v.d.Finish()
		got := "none"
		for _, e := range rec.control {
			if e.Kind == ControlReply && e.Endpoint.Via != 0 {
				got = ""
				if e.EndpointAlt.Via != 0 {
					got = e.EndpointAlt.Addr.String()
					if !e.EndpointAlt.Addr.Addr().IsValid() {
						got = itoa(int(e.EndpointAlt.Addr.Port()))
					}
				}
			}
		}
		if got != tc.want {
			t.Errorf("%q: EndpointAlt %q, want %q", tc.reply, got, tc.want)
		}
	}
}
