package ftp

import (
	"strings"
	"testing"
)

// TestReplyLineBytesDropped: fed the lines a LineSplitter emits
// (LineOf), a reply counts the bytes its over-long lines lost
// (Reply.LineBytesDropped), over all its lines, kept or not, and no
// more: a line that is no reply, or a reply abandoned by Reset, leaves
// nothing to the next reply.
func TestReplyLineBytesDropped(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name      string
		maxLines  int
		in        string
		reset     int // Reset after this many lines (0: never)
		clientAt  int // ClientSpoke after this many lines (0: never)
		want      []int
		wantCodes []int
	}{
		{name: "single line cut", in: "227 " + a(200) + "\r\n", want: []int{204 - 64}, wantCodes: []int{227}},
		{name: "single line whole", in: "227 " + a(60) + "\r\n", want: []int{0}, wantCodes: []int{227}},
		{name: "multi-line: body and terminator cut", in: "211-x\r\n " + a(99) + "\r\n211 " + a(96) + "\r\n", want: []int{100 - 64 + 100 - 64}, wantCodes: []int{211}},
		{name: "over the reply bound: the lines not kept count too", maxLines: 2, in: "211-x\r\n " + a(99) + "\r\n " + a(99) + "\r\n211 End\r\n", want: []int{2 * (100 - 64)}, wantCodes: []int{211}},
		{name: "junk line not counted", in: "xx" + a(100) + "\r\n200 ok\r\n", want: []int{0}, wantCodes: []int{200}},
		{name: "next reply starts at zero", in: "200 " + a(100) + "\r\n200 ok\r\n", want: []int{104 - 64, 0}, wantCodes: []int{200, 200}},
		{name: "reset forgets", in: "211-" + a(100) + "\r\n", reset: 1, want: []int{}, wantCodes: []int{}},
		{name: "reset then reply", in: "211-" + a(100) + "\r\n200 ok\r\n", reset: 1, want: []int{0}, wantCodes: []int{200}},
		{name: "closed by other code keeps its lines' count", in: "220-" + a(100) + "\r\n230 " + a(100) + "\r\n", clientAt: 2, want: []int{2 * (104 - 64)}, wantCodes: []int{230}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := LineSplitter{MaxLine: 64}
			rr := ReplyReader{MaxLines: tc.maxLines}
			var got, codes []int
			n := 0
			sp.Write([]byte(tc.in), func(l Line) {
				r, err := rr.LineOf(l)
				if err == nil && r != nil {
					got = append(got, r.LineBytesDropped)
					codes = append(codes, r.Code)
				}
				n++
				if n == tc.reset {
					rr.Reset()
				}
				if n == tc.clientAt {
					if r := rr.ClientSpoke(); r != nil {
						got = append(got, r.LineBytesDropped)
						codes = append(codes, r.Code)
					}
				}
			})
			if r := rr.Flush(); r != nil {
				got = append(got, r.LineBytesDropped)
				codes = append(codes, r.Code)
			}
			if len(got) != len(tc.want) || len(codes) != len(tc.wantCodes) {
				t.Fatalf("replies %v with %v line bytes dropped, want %v with %v", codes, got, tc.wantCodes, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] || codes[i] != tc.wantCodes[i] {
					t.Errorf("reply %d: %d with %d line bytes dropped, want %d with %d", i, codes[i], got[i], tc.wantCodes[i], tc.want[i])
				}
			}
		})
	}
}
