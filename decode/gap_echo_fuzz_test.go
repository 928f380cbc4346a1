package decode

import (
	"strings"
	"testing"
)

// FuzzRefusalEchoHidden: a session that logs in, then logs in again
// (after a REIN: variant bit 0) and is refused by a server that repeats
// the password ("530 Login incorrect: bob/<password>"), cut into
// segments at any places, the two directions interleaved in any order,
// any segments lost, the capture started at its SYN or mid-stream (bit
// 1): no reply shows the password unmasked. Packets are captured in the
// order they were sent: a reply after the line it answers (a capture
// that reorders them skews the count of lines awaiting replies, owed).
// The server acknowledges every client byte sent before its bytes, and
// the acknowledgement a mid-stream pickup reads is modelled as control.go
// reads it (clientHeadUnseen).
func FuzzRefusalEchoHidden(f *testing.F) {
	f.Add([]byte{0x40 | 31, 30, 0x40 | 31, 0x40 | 1, 0x80 | 23, 0x40 | 31, 5, 0x40 | 31}, uint8(0)) // USER and PASS lost, 331, QUIT, 530
	f.Add([]byte{0x40 | 31, 30, 0x40 | 31, 0x40 | 1, 0x80 | 29, 0x40 | 31, 5, 0x40 | 31}, uint8(1)) // REIN too
	f.Add([]byte{0x40 | 31, 30, 0x40 | 31, 0x40 | 12, 9, 0x80 | 13, 5, 0x40 | 31}, uint8(0))        // the PASS lost, QUIT before the 530
	f.Add([]byte{0xC0 | 31, 0x80 | 30, 0x40 | 31, 0x40 | 1, 0x80 | 23, 0x40 | 9, 5, 0x40 | 31}, uint8(2))
	f.Fuzz(func(t *testing.T, cuts []byte, variant uint8) {
		const pw = "Zq9xW7kv"
		lines := []string{"USER alice\r\n", "PASS first1\r\n", "PWD\r\n", "USER bob\r\n", "PASS " + pw + "\r\n", "QUIT\r\n"}
		answers := []string{"331 pw\r\n", "230 ok\r\n", "257 \"/\"\r\n", "331 pw\r\n", "530 Login incorrect: bob/" + pw + "\r\n", "221 bye\r\n"}
		if variant&1 != 0 {
			lines = append(lines[:3], append([]string{"REIN\r\n"}, lines[3:]...)...)
			answers = append(answers[:3], append([]string{"220 ready\r\n"}, answers[3:]...)...)
		}
		// needs[i]: the client bytes the server had read when it sent
		// its byte i (the end of the line its reply answers).
		client := strings.Join(lines, "")
		server := "220 hi\r\n"
		needs := make([]int, len(server))
		end := 0
		for i, a := range answers {
			end += len(lines[i])
			server += a
			for range a {
				needs = append(needs, end)
			}
		}
		var stats Stats
		var scratch ControlEvent
		var p sessionParser
		p.init(convClient, convServer, parseFTP, 0, &stats, &scratch, func(e *ControlEvent) {
			switch {
			case e.Kind == ControlReply && !e.SecretEcho && strings.Contains(strings.ToUpper(e.Reply.Text), strings.ToUpper(pw)):
				t.Fatalf("reply %q shown (cuts %v, variant %d)", e.Reply.Text, cuts, variant)
			case e.Kind == ControlJunk && !e.FromClient && strings.Contains(strings.ToUpper(e.Line), strings.ToUpper(pw)):
				t.Fatalf("server line %q shown (cuts %v, variant %d)", e.Line, cuts, variant)
			}
		})
		p.syn = [2]bool{true, true}
		midstream := variant&2 != 0
		if midstream {
			p.syn = [2]bool{}
		}
		// Each cut takes the next 1..32 bytes of one direction (bit 6:
		// the server's), lost from the capture when bit 7 is set.
		var at [2]int // bytes of each direction sent so far
		var seen [2]bool
		ack, acked := 0, false // the server's latest acknowledgement seen
		deliver := func(d, n int, lost bool, num uint64) {
			from := at[d]
			at[d] += n
			switch {
			case lost && midstream && !seen[d]:
				return // before the capture started
			case lost:
				p.gap(d, n, num, convT0)
				return
			}
			if d == dirClient {
				if midstream && !seen[d] && acked && from-ack >= 2 {
					p.clientHeadUnseen()
				}
				seen[d] = true
				p.bytes(d, []byte(client[from:at[d]]), num, convT0)
				return
			}
			a := at[dirClient]
			if midstream && !seen[dirClient] && acked && a-ack >= 2 {
				p.clientHeadUnseen()
			}
			ack, acked, seen[d] = a, true, true
			p.bytes(d, []byte(server[from:at[d]]), num, convT0)
		}
		// A server's byte is not sent before the client line its reply
		// answers (the capture keeps the order packets were sent in).
		sendable := func(n int) int {
			m := 0
			for m < n && at[dirServer]+m < len(server) && needs[at[dirServer]+m] <= at[dirClient] {
				m++
			}
			return m
		}
		streams := [2]int{len(client), len(server)}
		for i, c := range cuts {
			d := int(c>>6) & 1
			n := min(int(c&0x1F)+1, streams[d]-at[d])
			if d == dirServer {
				n = sendable(n)
			}
			if n > 0 {
				deliver(d, n, c&0x80 != 0, uint64(i))
			}
		}
		for d := range streams {
			if n := streams[d] - at[d]; n > 0 {
				deliver(d, n, false, uint64(len(cuts)))
			}
		}
		p.end(uint64(len(cuts)), convT0, false)
	})
}
