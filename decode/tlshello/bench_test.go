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
