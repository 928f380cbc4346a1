package ftp

import (
	"strings"
	"testing"
)

// A server's side of a typical session, segmented at odd places.
var benchServer = strings.Repeat("220 (vsFTPd 3.0.3)\r\n331 Please specify the password.\r\n230 Login successful.\r\n"+
	"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n"+
	"227 Entering Passive Mode (192,0,2,10,156,66).\r\n150 Here comes the directory listing.\r\n226 Directory send OK.\r\n", 20)

func BenchmarkLineSplitter(b *testing.B) {
	in := []byte(benchServer)
	var s LineSplitter
	n := 0
	emit := func(l Line) { n += len(l.Text) }
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(in); i += 1448 {
			s.Write(in[i:min(i+1448, len(in))], emit)
		}
	}
	if n == 0 {
		b.Fatal("no lines")
	}
}

func BenchmarkReplyReader(b *testing.B) {
	var lines [][]byte
	var s LineSplitter
	s.Write([]byte(benchServer), func(l Line) { lines = append(lines, append([]byte(nil), l.Text...)) })
	var r ReplyReader
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			r.Line(l)
		}
	}
}

func BenchmarkParseCommand(b *testing.B) {
	lines := [][]byte{[]byte("USER anonymous"), []byte("PASV"), []byte("LIST"), []byte("TYPE I"), []byte("retr file.bin")}
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			ParseCommand(l)
		}
	}
}

func BenchmarkParsePASV(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParsePASV("227 Entering Passive Mode (192,0,2,10,156,66).")
		ParsePASV("227 Entering passive mode. 192,0,2,10,156,66")
	}
}
