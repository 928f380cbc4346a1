package decode

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// startsMidstreamByLineFeed is startsMidstream as it was written first:
// the head's first line feed searched for, then its bytes checked.
func startsMidstreamByLineFeed(p []byte) (fromClient, ok bool) {
	if fromClient, ok = startsMidstreamLine(p); ok {
		return fromClient, ok
	}
	head := p[:min(len(p), maxMidstreamHead)]
	i := bytes.IndexByte(head, '\n')
	if i < 0 {
		return false, false
	}
	if fromClient, ok = startsMidstreamLine(p[i+1:]); !ok || !isLineTailRef(head[:i]) {
		return false, false
	}
	return fromClient, true
}

func isLineTailRef(b []byte) bool {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// TestStartsMidstreamHeadSameAsLineFeedSearch: reading a segment's head
// only up to its first byte that cannot be text judges every segment as
// searching for its first line feed and then checking the bytes before
// it did: text heads, CRs before and away from the line feed, tabs, DEL,
// high bytes, line feeds at and past the 512-byte bound, and random data.
func TestStartsMidstreamHeadSameAsLineFeedSearch(t *testing.T) {
	long := bytes.Repeat([]byte("x"), maxMidstreamHead)
	cases := [][]byte{
		nil, []byte("\n"), []byte("\r\n"), []byte("\nCWD /pub\r\n"), []byte("\r\nCWD /pub\r\n"),
		[]byte("ub\r\nCWD /pub\r\n"), []byte("ub\nCWD /pub"), []byte("u\rb\r\nCWD /pub"), []byte("ub\r\r\nCWD /pub"),
		[]byte("ub\rCWD /pub\r\n"), []byte("u\tb\r\nCWD /pub"), []byte("u\x7fb\r\nCWD /pub"), []byte("\xffb\r\nCWD /pub"),
		[]byte("\x00b\r\nCWD /pub"), []byte("rectory changed.\r\n227 Entering"), []byte("tail\r\nXYZW foo"),
		[]byte("tail\r\nCWD"), []byte("tail\r"), []byte("tail\r\n"), []byte("\r"), []byte("\r\r\n227 "),
		append(append([]byte{}, long[:maxMidstreamHead-1]...), "\nCWD /"...),
		append(append([]byte{}, long[:maxMidstreamHead-2]...), "\r\nCWD /"...),
		append(append([]byte{}, long[:maxMidstreamHead-1]...), "\r\nCWD /"...),
		append(append([]byte{}, long...), "\nCWD /"...),
	}
	r := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte("\r\n\t\x00\x7f\xc3 aZCWD227-")
	for range 200000 {
		n := r.IntN(40)
		b := make([]byte, n)
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		if r.IntN(3) == 0 {
			b = append(b, []string{"\r\nCWD /", "\n227 ", "\r\nUSER x", "\nRETR\r\n"}[r.IntN(4)]...)
		}
		cases = append(cases, b)
	}
	for range 2000 {
		b := make([]byte, 1448)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, b)
	}
	for _, c := range cases {
		gc, gok := startsMidstream(c)
		wc, wok := startsMidstreamByLineFeed(c)
		if gc != wc || gok != wok {
			t.Fatalf("startsMidstream(%q) = %v, %v; the line feed search says %v, %v", c, gc, gok, wc, wok)
		}
	}
}
