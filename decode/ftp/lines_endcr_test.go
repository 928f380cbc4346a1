package ftp

import (
	"reflect"
	"testing"
)

// TestLineSplitterEndAtCR: a client's line that ends in a CR alone (or
// a CR NUL) when the server answers ends there (EndAtCR), a LF or NUL
// after that CR being the rest of its line end; a byte of data after it
// begins a line marked AfterCR. A line that does not end in a CR, or
// an empty one, is left as it is.
func TestLineSplitterEndAtCR(t *testing.T) {
	type out struct {
		Text    string
		BareCR  bool
		AfterCR bool
	}
	const answer = "<answer>"
	tests := []struct {
		name string
		in   []string
		want []out
	}{
		{"CR alone, answered, then a line", []string{"USER bob\r", answer, "PASS x\r\n"},
			[]out{{"USER bob", true, false}, {"PASS x", false, true}}},
		{"CR LF cut at its CR", []string{"USER bob\r", answer, "\nPASS x\r\n"},
			[]out{{"USER bob", true, false}, {"PASS x", false, false}}},
		{"CR NUL", []string{"USER bob\r\x00", answer, "PASS x\r\x00", answer, "QUIT\r\n"},
			[]out{{"USER bob", true, false}, {"PASS x", true, false}, {"QUIT", false, false}}},
		{"CR inside the line, not at its end: left", []string{"PASS hun\rter2", answer, "\r\n"},
			[]out{{"PASS hun\rter2", false, false}}},
		{"no CR: left", []string{"USER bob", answer, "\r\n"}, []out{{"USER bob", false, false}}},
		{"a CR alone: left", []string{"\r", answer, "\n"}, []out{{"", false, false}}},
		{"unanswered CRs stay data", []string{"USER bob\rPASS x\r\n"}, []out{{"USER bob\rPASS x", false, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s LineSplitter
			var got []out
			emit := func(l Line) { got = append(got, out{string(l.Text), l.BareCR, l.AfterCR}) }
			for _, c := range tt.in {
				if c == answer {
					s.EndAtCR(emit)
					continue
				}
				s.Write([]byte(c), emit)
			}
			s.Flush(emit)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lines %+v, want %+v", got, tt.want)
			}
		})
	}
}
