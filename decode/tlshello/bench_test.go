package tlshello

import (
	"crypto/tls"
	"testing"
)

// Benchmarks on real crypto/tls bytes. Run:
//
//	go test -run '^$' -bench . -benchmem ./decode/tlshello/
func BenchmarkScan(b *testing.B) {
	ccfg, scfg := tlsConfigs(b, tls.VersionTLS13)
	run := runHandshake(b, ccfg, scfg)
	b.Run("ClientHello/one-chunk", func(b *testing.B) { benchFeed(b, run.client, 0) })
	b.Run("ClientHello/1448-byte-chunks", func(b *testing.B) { benchFeed(b, run.client, 1448) })
	b.Run("ServerHello13/one-chunk", func(b *testing.B) { benchFeed(b, run.server, 0) })
	ccfg, scfg = tlsConfigs(b, tls.VersionTLS12)
	run12 := runHandshake(b, ccfg, scfg)
	b.Run("ServerHello12+flight/1448-byte-chunks", func(b *testing.B) { benchFeed(b, run12.server, 1448) })
	b.Run("Decide", func(b *testing.B) {
		var c, s Scanner
		feed(&c, run12.client, 0)
		feed(&s, run12.server, 0)
		b.ReportAllocs()
		for b.Loop() {
			Decide(&c, &s)
		}
	})
}

func benchFeed(b *testing.B, stream []byte, chunk int) {
	var s Scanner
	feed(&s, stream, chunk)
	b.ReportAllocs()
	b.SetBytes(int64(s.scanned)) // bytes examined, not those after Done
	for b.Loop() {
		s.Reset()
		feed(&s, stream, chunk)
	}
	if s.ClientHello() == nil && s.ServerHello() == nil {
		b.Fatal("no hello parsed")
	}
}

// BenchmarkConn reads both directions of a crypto/tls connection: the
// handshake alone (the walk goes to the end), and a 1 MB download (the
// walk stops at the first application data record).
func BenchmarkConn(b *testing.B) {
	ccfg, scfg := tlsConfigs(b, tls.VersionTLS13)
	for _, tc := range []struct {
		name string
		down int
	}{{"handshake-only", 0}, {"download-1MB", 1 << 20}} {
		steps := runTransfer(b, ccfg, scfg, tc.down, 0)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var c Conn
			for b.Loop() {
				c = Conn{}
				feedConn(&c, steps, 0, 0)
			}
			if c.Verdict().Content == ContentUnknown {
				b.Fatal("content unknown")
			}
		})
	}
}
