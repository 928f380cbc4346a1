package track

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// statuses renders a session's commands in the order they were sent:
// "VERB=code" for the final reply's code, "VERB=status" for one with
// none (no-reply, reply-lost, aborted...).
func statuses(cs []*Command) string {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b *Command) int { return a.Index - b.Index })
	var out []string
	for _, c := range cs {
		if c.Verb == "USER" || c.Verb == "PASS" {
			continue
		}
		st := c.Status.String()
		if f := c.Final(); f != nil && c.Status == StatusAnswered {
			st = strconv.Itoa(f.Code)
		}
		out = append(out, c.Verb+"="+st)
	}
	return strings.Join(out, " ")
}

// TestReplyOfOneKindMovesPairingOn guards the pairing of a reply whose
// code answers one kind of command only (answersOneKind: 227 a PASV, 229
// an EPSV, 350 a REST or RNFR, 125/150 a transfer command, 225/226/426 a
// transfer or ABOR) when the command at the head of the queue cannot
// take it and a later one can: the later one takes it, and the ones
// before it end with no final reply (StatusNoReply). A command takes one
// 1yz before its final reply: a second one while a transfer command
// waits behind is that command's. pyftpdlib 1.5.7 (rv-servers'
// pyftpdlib-dialect-client.pcap) answers a STOU with "150 FILE: ..." and
// nothing more, the client connecting nowhere; paired FIFO, the RETR's
// 125 and 426 went to the STOU and every reply after shifted one place:
// "RETR big.bin --> 200 Type set to: Binary.", "PASV --> 350 ... (PASV
// refused)". Replies with codes any command may get (200, 250, 500) keep
// FIFO, and after a capture gap the resync decides (reply-lost).
func TestReplyOfOneKindMovesPairingOn(t *testing.T) {
	login := []string{"220 ready", "C USER bob", "331 Password required", "C PASS x", "230 ok"}
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"pyftpdlib: STOU 150, then PASV, RETR, ABOR, TYPE, PASV, REST", []string{
			"C STOU", "150 FILE: ftpd.u5xgcnts",
			"C PASV", "227 Entering passive mode (192,0,2,10,199,59).",
			"C RETR big.bin", "125 Data connection already open. Transfer starting.",
			"C ABOR", "426 Transfer aborted via ABOR.", "226 ABOR command successful.",
			"C TYPE I", "200 Type set to: Binary.",
			"C PASV", "227 Entering passive mode (192,0,2,10,199,63).",
			"C REST 2999000", "350 Restarting at position 2999000.",
			"C RETR big.bin", "125 Data connection already open. Transfer starting.", "226 Transfer complete.",
			"C QUIT", "221 Goodbye."},
			"STOU=no-reply PASV=227 RETR=426 ABOR=226 TYPE=200 PASV=227 REST=350 RETR=226 QUIT=221"},
		{"pyftpdlib: STOU 150, then TYPE, PASV, RETR (stou-no-data)", []string{
			"C STOU", "150 FILE: ftpd.mr6o__2h",
			"C TYPE I", "200 Type set to: Binary.",
			"C PASV", "227 Entering passive mode (192,0,2,10,199,58).",
			"C RETR small.txt", "125 Data connection already open. Transfer starting.",
			"C NOOP", "226 Transfer complete.", "200 I successfully did nothing'."},
			"STOU=no-reply TYPE=200 PASV=227 RETR=226 NOOP=200"},
		{"a second 1yz with a command between passes that one over too", []string{
			"C RETR a", "150 Opening data connection.",
			"=C TYPE I", "=C RETR b", "150 Opening data connection.", "226 Transfer complete."},
			"RETR=no-reply TYPE=no-reply RETR=226"},
		{"a second 1yz with no transfer behind stays the transfer's", []string{
			"C RETR a", "150 Accepted data connection", "150 0.280 seconds (measured here)",
			"C NOOP", "200 Zzz..."},
			"RETR=no-reply NOOP=200"},
		{"a second 1yz with only a NOOP behind stays the transfer's", []string{
			"C RETR a", "150 Opening data connection.", "C NOOP", "150 Still opening.", "200 Zzz...", "226 Transfer complete."},
			"RETR=226 NOOP=200"},
		{"pipelined TYPE and PASV, the TYPE unanswered: the 227 is the PASV's", []string{
			"C TYPE I", "=C PASV", "227 Entering Passive Mode (192,0,2,10,156,66).", "C RETR a", "150 Opening", "226 Done"},
			"TYPE=no-reply PASV=227 RETR=226"},
		{"pipelined TYPE and EPSV, the TYPE unanswered: the 229 is the EPSV's", []string{
			"C TYPE I", "=C EPSV", "229 Entering Extended Passive Mode (|||40000|)"},
			"TYPE=no-reply EPSV=229"},
		{"pipelined TYPE and REST, the TYPE unanswered: the 350 is the REST's", []string{
			"C TYPE I", "=C REST 100", "350 Restarting at 100.", "C NOOP", "200 ok"},
			"TYPE=no-reply REST=350 NOOP=200"},
		{"pipelined NOOP and ABOR, the NOOP unanswered: the 226 is the ABOR's", []string{
			"C NOOP", "=C ABOR", "226 ABOR command successful."},
			"NOOP=no-reply ABOR=226"},
		{"a transfer waiting for its 1yz keeps its place past a 227", []string{
			"C RETR a", "=C PASV", "227 Entering Passive Mode (192,0,2,10,156,66).", "150 Opening", "226 Done"},
			"RETR=226 PASV=227"},
		{"a refusal before the 1yz stays the transfer's", []string{
			"C RETR a", "=C PASV", "530 Not logged in.", "227 Entering Passive Mode (192,0,2,10,156,66)."},
			"RETR=530 PASV=227"},
		{"a code any command may get keeps FIFO", []string{
			"C TYPE I", "=C PASV", "200 ok", "227 Entering Passive Mode (192,0,2,10,156,66)."},
			"TYPE=200 PASV=227"},
		{"RFC 959 ABOR: the 426 ends the transfer, the 226 answers the ABOR", []string{
			"C RETR a", "150 Opening", "C ABOR", "=C TYPE A", "426 Connection closed; transfer aborted.", "226 Closing data connection.", "200 Type set to A"},
			"RETR=426 ABOR=226 TYPE=200"},
		{"after a gap the resync decides: the reply before was lost", []string{
			"C TYPE I", "=C PASV", "G", "227 Entering Passive Mode (192,0,2,10,156,66)."},
			"TYPE=reply-lost PASV=227"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := runPairing(t, pairingScript{false, append(slices.Clone(login), tc.lines...)})
			if got := statuses(s.rec.commands); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			for _, c := range s.rec.commands {
				if c.Refused {
					t.Errorf("%s refused by %d", c.Verb, c.Final().Code)
				}
			}
			for _, e := range s.rec.events {
				if e.Kind == EventReplyNoCommand || e.Kind == EventUnsolicited {
					t.Errorf("reply %d %q left unpaired (%s)", e.Code, e.Text, e.Kind)
				}
			}
		})
	}
}
