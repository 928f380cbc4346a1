package decode

import (
	"strings"
	"testing"
)

// FuzzRefusalEchoHidden: a session that logs in, then logs in again
// (after a REIN: variant bit 0) and is refused by a server that repeats
// the password ("530 Login incorrect: bob/<password>", or, variant
// bits 2-7, its first 6 or 7 bytes or whole with what servers put after
// a cut: "bob/Zq9xW7)", "bob/Zq9xW7k[truncated]"), cut into
// segments at any places, the two directions interleaved in any order,
// any segments lost, the capture started at its SYN or mid-stream (bit
// 1): no reply shows the password unmasked, nor its first 6 bytes or
// more followed by anything that is no letter or digit or by the
// reply's end (cutEchoIn). Packets are captured in the
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
	f.Add([]byte{0x40 | 31, 0x40 | 31, 0x40 | 31, 0x40 | 31, 31, 31}, uint8(19<<2)) // nothing lost: "bob/Zq9xW7k,user=bob"
	f.Add([]byte{0x40 | 31, 0x40 | 31, 0x40 | 31, 0x40 | 31, 31, 31}, uint8(6<<2))  // nothing lost: "bob/Zq9xW7 (truncated)"
	f.Fuzz(func(t *testing.T, cuts []byte, variant uint8) {
		const pw = "Zq9xW7kv"
		echo := pw
		if form := int(variant >> 2); form > 0 {
			tails := [...]string{")", "", " (truncated)", "[truncated]", "\u00bb", "...", ",user=bob", "~", "#x", "\t"}
			echo = pw[:6+form%3] + tails[form/3%len(tails)]
		}
		lines := []string{"USER alice\r\n", "PASS first1\r\n", "PWD\r\n", "USER bob\r\n", "PASS " + pw + "\r\n", "QUIT\r\n"}
		answers := []string{"331 pw\r\n", "230 ok\r\n", "257 \"/\"\r\n", "331 pw\r\n", "530 Login incorrect: bob/" + echo + "\r\n", "221 bye\r\n"}
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
			for range len(a) {
				needs = append(needs, end)
			}
		}
		var stats Stats
		var scratch ControlEvent
		var p sessionParser
		p.init(convClient, convServer, parseFTP, 0, &stats, &scratch, func(e *ControlEvent) {
			switch {
			case e.Kind == ControlReply && !e.SecretEcho && cutEchoIn(e.Reply.Text, pw, 6):
				t.Fatalf("reply %q shown (cuts %v, variant %d)", e.Reply.Text, cuts, variant)
			case e.Kind == ControlJunk && !e.FromClient && cutEchoIn(e.Line, pw, 6):
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

// cutEchoIn tells whether text holds, in any case, pw whole, or its
// first min bytes or more followed by a byte that is no letter or digit
// or by text's end: an echo of it cut short.
func cutEchoIn(text, pw string, min int) bool {
	text, pw = lowerASCII(text), lowerASCII(pw)
	if strings.Contains(text, pw) {
		return true
	}
	for k := min; k < len(pw); k++ {
		for i := 0; ; {
			j := strings.Index(text[i:], pw[:k])
			if j < 0 {
				break
			}
			if end := i + j + k; end == len(text) || !isAlnum(text[end]) {
				return true
			}
			i += j + 1
		}
	}
	return false
}

// showsSecret tells, byte by byte and in any case, whether text holds
// secret whole, or its first echoHeadLen bytes or more followed by a
// byte that is no letter or digit or by text's end (a cut echo), other
// than a refusal's own word said as one: at text's start or after a
// space, followed by text's end, a space, or one of .,;:! that ends
// text or precedes a space. A word followed by the secret's next byte
// and then by no letter or digit is a longer cut echo, which is no
// word, so it shows the secret. The answer key of FuzzHeadEchoHidden,
// which must not ask the code under test (refusalWords is the list it
// reads; that the list is right is no fuzzer's to say).
func showsSecret(text, secret string) bool {
	text, secret = lowerASCII(text), lowerASCII(secret)
	if strings.Contains(text, secret) {
		return true
	}
	for i := 0; i < len(text); i++ {
		for m := echoHeadLen; m < len(secret) && i+m <= len(text) && text[i:i+m] == secret[:m]; m++ {
			if end := i + m; end < len(text) && isAlnum(text[end]) {
				continue // goes on with a letter or digit: no cut
			}
			if !saidAsRefusalWord(text, i, i+m) {
				return true
			}
		}
	}
	return false
}

// saidAsRefusalWord tells whether text[i:end] is one of refusalWords
// said as a word of a sentence (showsSecret).
func saidAsRefusalWord(text string, i, end int) bool {
	if i > 0 && text[i-1] != ' ' {
		return false
	}
	if end < len(text) && text[end] != ' ' {
		if !strings.ContainsRune(".,;:!", rune(text[end])) || end+1 < len(text) && text[end+1] != ' ' {
			return false
		}
	}
	for _, w := range refusalWords {
		if strings.EqualFold(text[i:end], w) {
			return true
		}
	}
	return false
}

// FuzzHeadEchoHidden: a reply that repeats a password's first
// echoHeadLen bytes or more, in any case, anywhere, followed by a byte
// that is no letter or digit or by the reply's end, or the password
// whole, is taken for its echo (headEchoIn, echoIn): a false negative
// shows a password's head. (FuzzEchoIn checks the whole.) Not a head
// that is a refusal's own word said as one, the password going on past
// it ("530 Login incorrect." for "Login2024"), unless the byte after the
// word is the password's next one ("530 Password! rejected" for
// "Password!2024"): showsSecret, which reads the bytes themselves.
func FuzzHeadEchoHidden(f *testing.F) {
	f.Add("Login2024", "530 bad pw ", uint8(1), "...", uint64(0))
	f.Add("Zq9SecretPassword20", "530 Login incorrect (pw=", uint8(9), ",user=bob)", uint64(0))
	f.Add("Sunshine1", "530 Bad password \u00ab", uint8(2), "\u00bb", uint64(5))
	f.Add("Incoming#7", "530 Login ", uint8(4), "#x", uint64(0))
	f.Add("correct-horse-battery-staple", "530 no ", uint8(20), "", uint64(1<<40-1))
	// A refusal's word of odd length and the secret's next byte after
	// it: "Login!" and "Login 0" are cut echoes, not the word.
	f.Add("Login!2024", "530 Bad password ", uint8(1), "! ", uint64(0))
	f.Add("Login 000", " ", uint8(9), "0.", uint64(29))
	f.Fuzz(func(t *testing.T, secret, before string, cut uint8, after string, upper uint64) {
		var p sessionParser
		armEcho(&p, secret)
		n := int(p.echoLen)
		if n <= echoHeadLen {
			return
		}
		// The secret armEcho fingerprinted: its bytes from its first
		// above a space, up to a NUL or its end less spaces and tabs,
		// at most maxEcho.
		s := strings.TrimLeftFunc(secret, func(r rune) bool { return r <= ' ' })
		if i := strings.IndexByte(s[minEcho:], 0); i >= 0 {
			s = s[:minEcho+i]
		}
		s = strings.TrimRight(s, " \t")[:n]
		k := echoHeadLen + int(cut)%(n-echoHeadLen+1)
		head := []byte(s[:k])
		for i, c := range head {
			if upper>>(i%64)&1 != 0 && c >= 'a' && c <= 'z' {
				head[i] = c - 'a' + 'A'
			}
		}
		if after != "" && isAlnum(after[0]) {
			after = "." + after[1:]
		}
		text := before + string(head) + after
		if !showsSecret(text, s) {
			return // a refusal's own word, said as one, may be shown
		}
		if !echoIn(text, p.echoSum, n) && !headEchoIn(text, p.echoHead, p.echoPrefix, n) {
			t.Fatalf("secret %q: %q shown", s, text)
		}
	})
}
