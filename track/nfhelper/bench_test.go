package nfhelper

import "testing"

// BenchmarkFeed measures Feed on the segments a control connection mostly
// carries (a reply that is not an announcement) and on a 227 that
// nf_nat_ftp rewrites. Numbers go to docs/linux-ftp-helper.md.
func BenchmarkFeed(b *testing.B) {
	conn := Conn{Client: ap("198.51.100.7:50000"), Server: ap("203.0.113.1:21"), ServerAt: ap("10.0.0.2:21")}
	cases := []struct {
		name string
		text string
	}{
		{"reply", "150 Opening BINARY mode data connection for file.bin (1048576 bytes).\r\n"},
		{"227-nat", "227 Entering Passive Mode (10,0,0,2,156,66).\r\n"},
		{"multiline", "211-Features:\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s, err := New(conn, Config{})
			if err != nil {
				b.Fatal(err)
			}
			seg := Segment{Dir: ServerToClient, Payload: []byte(c.text)}
			s.Feed(Segment{Dir: ServerToClient, Seq: 0, Payload: []byte("\n")})
			seg.Seq = 1
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				// The same seq each time: a retransmission is searched again,
				// so every iteration does the full work.
				s.Feed(seg)
			}
		})
	}
}
