package main

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
)

// defaultWidth is the width text is wrapped to when the output is not a
// terminal (a file, a pipe, a test): wide enough for a finding's sentence
// to keep its shape, narrow enough for a mail or a ticket.
const defaultWidth = 100

// minWidth keeps wrapping sensible on a very narrow terminal.
const minWidth = 40

// isTerminal tells whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// outputWidth is the width to wrap w's text to: the terminal's, or
// defaultWidth when w is not a terminal or its size is unknown.
func outputWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(w) {
		return defaultWidth
	}
	cols, _ := terminalSize(f)
	if cols <= 0 {
		return defaultWidth
	}
	return max(cols, minWidth)
}

// outputRows is the terminal's height, 0 when w is not a terminal.
func outputRows(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(w) {
		return 0
	}
	_, rows := terminalSize(f)
	return rows
}

// wrap breaks s into lines of at most width columns at spaces. The first
// line starts after first (the caller prints it), the others after indent;
// both are counted in the width. A word longer than a line is kept whole
// on a line of its own: cutting a path or an address would change it.
func wrap(s string, width int, first, indent string) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	var cur strings.Builder
	used := columns(first)
	for _, w := range words {
		n := columns(w)
		switch {
		case cur.Len() == 0:
		case used+1+n > width:
			lines = append(lines, cur.String())
			cur.Reset()
			used = columns(indent)
		default:
			cur.WriteByte(' ')
			used++
		}
		cur.WriteString(w)
		used += n
	}
	return append(lines, cur.String())
}

// columns is the width of s on a terminal, counting a rune as one column
// (the escaped output holds no control characters).
func columns(s string) int { return utf8.RuneCountInString(s) }

// shorten cuts s to at most n columns, ending it with an ellipsis when cut.
func shorten(s string, n int) string {
	if columns(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:max(n-1, 0)]), " ") + "…"
}
