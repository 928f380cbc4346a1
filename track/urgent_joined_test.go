package track

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestUrgentABORJoinedToNextLine guards the pairing after an ABOR whose
// line feed was its urgent byte (Python's ftplib and Ruby's net/ftp send
// "ABOR\r\n" with MSG_OOB): ProFTPD's socket does not read urgent data
// inline, reads "ABOR\r" and the client's next line as one, and answers
// them once ("500 'ABOR TYPE I' not understood"). Paired in order, the
// 200 went to the joined TYPE I, the 227 to the TYPE I after it, and the
// PASV and the data connection to it were lost (rv-clients'
// proftpd-abor-drop.pcap, proftpd-abor-clients.pcap session 2, and
// pcaps/real/abort-proftpd.pcap.gz session 1). The last cases pin what
// stays in order: a server that read the ABOR itself (Pure-FTPd's "500
// Unknown command", naming no next line), and an echo with no urgent
// line feed behind it.
//
// The join is only proposed by the echo, and settled by what comes next
// (settleJoined): a server that reads urgent data inline (pyftpdlib, BSD
// ftpd) answers both lines, and its echo of the first names the next
// verb when the first line's argument is that verb (a client's "SITE
// PORT" sent urgent, then PORT). Joined, the PORT was retracted, its 200
// and the transfer's replies went without a command, and the transfer
// read "data: none" (rv-attack's urgjoin-port.pcap, urgjoin-bsdport.pcap,
// urgjoin-pasv.pcap): the "inline-" cases.
func TestUrgentABORJoinedToNextLine(t *testing.T) {
	type step struct {
		cmd       string // "VERB arg"; empty for a reply or a data connection
		urgentEnd bool
		code      int
		text      string
		from, to  netip.AddrPort // a data connection from -> to, when valid
		bytes     int
	}
	c := func(line string) step { return step{cmd: line} }
	u := func(line string) step { return step{cmd: line, urgentEnd: true} }
	r := func(code int, text string) step { return step{code: code, text: text} }
	x := func(from, to string, n int) step {
		return step{from: netip.MustParseAddrPort(from), to: netip.MustParseAddrPort(to), bytes: n}
	}
	cases := []struct {
		name  string
		steps []step
		want  string // each command in issue order: VERB=final code or status
		data  int    // data connections reported
	}{
		{
			name: "ftplib-abort-proftpd-type-joined",
			steps: []step{
				c("RETR big.bin"), r(150, "Opening ASCII mode data connection for big.bin (12000000 bytes)"),
				u("ABOR"), r(426, "Transfer aborted. Data connection closed."),
				c("TYPE I"), r(500, "'ABOR TYPE I' not understood"),
				c("TYPE I"), r(200, "Type set to I"),
				c("PASV"), r(227, "Entering Passive Mode (192,0,2,10,156,86)."),
				c("QUIT"), r(221, "Goodbye."),
			},
			want: "RETR=426 ABOR=500 TYPE=joined TYPE=200 PASV=227 QUIT=221",
			data: 1,
		},
		{
			name: "net-ftp-abort-proftpd-pasv-joined",
			steps: []step{
				c("RETR big.bin"), r(150, "Opening BINARY mode data connection for big.bin (12000000 bytes)"),
				u("ABOR"), c("PASV"),
				r(426, "Transfer aborted. Data connection closed"),
				c("PASV"), r(500, "'ABOR PASV' not understood"),
				r(227, "Entering Passive Mode (192,0,2,10,156,67)."),
			},
			want: "RETR=426 ABOR=500 PASV=joined PASV=227",
			data: 1,
		},
		{
			// A joined PORT was never read as one: nothing connects to it.
			name: "port-joined-expects-nothing",
			steps: []step{
				u("ABOR"), c("PORT 198,51,100,7,195,80"),
				r(500, "'ABOR PORT 198,51,100,7,195,80' not understood"),
				c("NOOP"), r(200, "NOOP command successful"),
			},
			want: "ABOR=500 PORT=joined NOOP=200",
		},
		{
			// pyftpdlib: the 200 after the echo is the PORT's own, and
			// the server connects back for the RETR.
			name: "inline-server-answers-the-port-itself",
			steps: []step{
				u("SITE PORT"), c("PORT 198,51,100,7,195,81"),
				r(500, `Command "SITE PORT" not understood.`),
				r(200, "Active data connection established."),
				c("RETR secret.bin"), r(125, "Data connection already open. Transfer starting."),
				x("192.0.2.10:20", "198.51.100.7:50001", 4000),
				r(226, "Transfer complete."),
			},
			want: "SITE=500 PORT=200 RETR=226",
			data: 1,
		},
		{
			// BSD ftpd, the three lines sent at once: the 200 cannot be
			// the RETR's.
			name: "inline-server-pipelined-port-and-transfer",
			steps: []step{
				u("XFOO PORT"), c("PORT 198,51,100,7,195,81"), c("RETR secret.bin"),
				r(500, "'XFOO PORT': command not understood."),
				r(200, "PORT command successful."),
				r(150, "Opening BINARY mode data connection."),
				x("192.0.2.10:20", "198.51.100.7:50001", 4000),
				r(226, "Transfer complete."),
			},
			want: "XFOO=500 PORT=200 RETR=226",
			data: 1,
		},
		{
			name: "inline-server-runs-the-passive-transfer",
			steps: []step{
				c("PASV"), r(227, "Entering passive mode (192,0,2,10,195,80)."),
				u("SITE RETR"), c("RETR secret.bin"),
				r(500, `Command "SITE RETR" not understood.`),
				x("198.51.100.7:50001", "192.0.2.10:50000", 4000),
				r(150, "File status okay. About to open data connection."),
				r(226, "Transfer complete."),
			},
			want: "PASV=227 SITE=500 RETR=226",
			data: 1,
		},
		{
			// No reply after the echo: the server's connection to the
			// PORT says it read the PORT.
			name: "inline-server-connects-then-capture-ends",
			steps: []step{
				u("SITE PORT"), c("PORT 198,51,100,7,195,81"),
				r(500, `Command "SITE PORT" not understood.`),
				x("192.0.2.10:20", "198.51.100.7:50001", 0),
			},
			want: "SITE=500 PORT=no-reply",
			data: 1,
		},
		{
			// ProFTPD, a client that sent its next line before the echo
			// came: the 227 is the PASV's.
			name: "proftpd-joined-pipelined-pasv",
			steps: []step{
				u("ABOR"), c("TYPE I"), c("PASV"),
				r(500, "'ABOR TYPE I' not understood"),
				r(227, "Entering Passive Mode (192,0,2,10,156,86)."),
			},
			want: "ABOR=500 TYPE=joined PASV=227",
			data: 1,
		},
		{
			// ProFTPD, the PORT sent again after its 500: the joined one
			// stays retracted, the transfer uses the second.
			name: "proftpd-joined-port-sent-again",
			steps: []step{
				u("ABOR"), c("PORT 198,51,100,7,195,81"),
				r(500, "'ABOR PORT 198,51,100,7,195,81' not understood"),
				c("PORT 198,51,100,7,195,81"), r(200, "PORT command successful"),
				c("RETR secret.bin"), r(150, "Opening BINARY mode data connection"),
				x("192.0.2.10:20", "198.51.100.7:50001", 4000),
				r(226, "Transfer complete"),
			},
			want: "ABOR=500 PORT=joined PORT=200 RETR=226",
			data: 1,
		},
		{
			name: "pureftpd-reads-oob-inline",
			steps: []step{
				c("RETR big.bin"), r(150, "Accepted data connection\n4096.0 kbytes to download"),
				u("ABOR"), r(500, "Unknown command"),
				c("NOOP"),
				r(226, "File successfully transferred"),
				r(200, "Zzz..."),
			},
			want: "RETR=226 ABOR=500 NOOP=200",
		},
		{
			name: "echo-without-urgent-line-feed-stays-fifo",
			steps: []step{
				c("ABOR"), c("TYPE I"),
				r(500, "'ABOR TYPE I' not understood"),
				r(200, "Type set to I"),
			},
			want: "ABOR=500 TYPE=200",
		},
		{
			name: "echo-of-another-verb-stays-fifo",
			steps: []step{
				u("ABOR"), c("TYPE I"),
				r(500, "'ABOR NOOP' not understood"),
				r(200, "Type set to I"),
			},
			want: "ABOR=500 TYPE=200",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			for _, st := range tc.steps {
				if st.from.IsValid() {
					s.handshakeTransfer(st.from, st.to, st.bytes)
					continue
				}
				if st.cmd == "" {
					s.reply(st.code, st.text)
					continue
				}
				verb, arg, _ := strings.Cut(st.cmd, " ")
				if !st.urgentEnd {
					s.cmd(verb, arg)
					continue
				}
				s.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true,
					Command: ftp.Command{Verb: verb, Arg: arg}, Urgent: true, UrgentEnd: true})
			}
			s.end()
			cmds := slices.Clone(s.rec.commands)
			slices.SortFunc(cmds, func(a, b *Command) int { return a.Index - b.Index })
			var got []string
			for _, cm := range cmds {
				if cm.Verb == "USER" || cm.Verb == "PASS" {
					continue
				}
				st := cm.Status.String()
				if f := cm.Final(); f != nil {
					st = strconv.Itoa(f.Code)
				}
				got = append(got, cm.Verb+"="+st)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
			if len(s.rec.data) != tc.data {
				t.Errorf("%d data connections reported, want %d", len(s.rec.data), tc.data)
			}
			for _, e := range s.rec.events {
				if e.Kind == EventUnsolicited || e.Kind == EventReplyNoCommand {
					t.Errorf("reply %d %q left unpaired (%s)", e.Code, e.Text, e.Kind)
				}
			}
		})
	}
}

// TestEchoesJoined pins the echo evidence: the two verbs adjacent, in
// order, as words, on the first line.
func TestEchoesJoined(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"'ABOR TYPE I' not understood", true},
		{"'abor\rtype' not understood", true},
		{"'ABOR  TYPE A' not understood", true},
		{"Unknown command", false},
		{"'ABOR' not understood", false},
		{"'TYPE ABOR' not understood", false},
		{"'ABOR TYPES' not understood", false},
		{"'XABOR TYPE' not understood", false},
		{"'ABORTYPE I' not understood", false},
		{"Unknown command\nABOR TYPE", false},
	} {
		if got := echoesJoined(tc.text, "ABOR", "TYPE"); got != tc.want {
			t.Errorf("echoesJoined(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
