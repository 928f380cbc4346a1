package tlshello

import (
	"crypto/tls"
	"errors"
	"testing"
)

// The fuzz targets check that Feed never panics, respects its bounds, and
// reaches the same result however the stream is chunked.

func FuzzClientHello(f *testing.F) {
	for _, tc := range verdictCases() {
		if tc.client != nil {
			f.Add(build(tc.client, 0), uint16(0), uint8(0))
		}
	}
	f.Add(clientHelloBody(clientOpts{sni: "a", alpn: []string{"ftp"}, pskIDs: 2, versions: []uint16{0x0304}}), uint16(30), uint8(7))
	addRealSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte, frag uint16, chunk uint8) {
		// As a raw stream, and as a ClientHello body the harness frames.
		checkScan(t, data, int(chunk))
		checkScan(t, records(recHandshake, handshakeMsg(msgClientHello, data), int(frag)), int(chunk))
	})
}

func FuzzServerHello(f *testing.F) {
	for _, tc := range verdictCases() {
		if tc.server != nil {
			f.Add(build(tc.server, 0), []byte(nil), uint16(0), uint8(0))
		}
	}
	f.Add(serverHello(serverOpts{sid: seq(32, 0), ticketExt: true, alpn: "ftp"})[4:], cat(ccsRecord(), appDataRecord()), uint16(0), uint8(3))
	f.Add(serverHello(serverOpts{hrr: true, version: 0x0304})[4:], cat(ccsRecord(), records(recHandshake, serverHello(serverOpts{version: 0x0304, psk: true}), 0)), uint16(20), uint8(1))
	addRealSeeds(f, false)
	f.Fuzz(func(t *testing.T, data, tail []byte, frag uint16, chunk uint8) {
		checkScan(t, data, int(chunk))
		stream := cat(records(recHandshake, handshakeMsg(msgServerHello, data), int(frag)), tail)
		checkScan(t, stream, int(chunk))
	})
}

// addRealSeeds adds the bytes of real crypto/tls handshakes (full and
// resumed, TLS 1.2 and 1.3) as seeds.
func addRealSeeds(f *testing.F, client bool) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		ccfg, scfg := tlsConfigs(f, version)
		for range 2 { // full, then resumed
			run := runHandshake(f, ccfg, scfg)
			if client {
				f.Add(run.client, uint16(0), uint8(0))
			} else {
				f.Add(run.server, []byte(nil), uint16(0), uint8(0))
			}
		}
	}
}

func checkScan(t *testing.T, stream []byte, chunk int) {
	var whole, split Scanner
	errWhole := whole.Feed(stream)
	errSplit := feed(&split, stream, chunk%64+1)
	for _, s := range []*Scanner{&whole, &split} {
		if s.scanned > MaxScanned || cap(s.buf) > MaxHello {
			t.Fatalf("bound broken: scanned %d, buffer %d", s.scanned, cap(s.buf))
		}
		if h := s.ClientHello(); h != nil && (len(h.SessionID()) > MaxSessionID || len(h.ServerName()) > MaxServerName) {
			t.Fatalf("hello fields out of bounds")
		}
		if s.Err() != nil && !s.Done() {
			t.Fatalf("error %v without Done", s.Err())
		}
	}
	if kind(errWhole) != kind(errSplit) {
		t.Fatalf("error depends on chunking: whole %v, split %v", errWhole, errSplit)
	}
	if (whole.ClientHello() == nil) != (split.ClientHello() == nil) ||
		whole.ClientHello() != nil && *whole.ClientHello() != *split.ClientHello() {
		t.Fatalf("ClientHello depends on chunking")
	}
	if (whole.ServerHello() == nil) != (split.ServerHello() == nil) ||
		whole.ServerHello() != nil && *whole.ServerHello() != *split.ServerHello() {
		t.Fatalf("ServerHello depends on chunking")
	}
	if whole.Alert() != split.Alert() || whole.Done() != split.Done() {
		t.Fatalf("alert or Done depends on chunking")
	}
	v := Decide(&whole, &split)
	if v.Resumption == Unknown && v.Reason == nil || v.Resumption != Unknown && v.Reason != nil {
		t.Fatalf("verdict %v with reason %v", v.Resumption, v.Reason)
	}
	Decide(&whole, nil)
	Decide(nil, nil)
}

func kind(err error) error {
	for _, k := range []error{ErrNotTLS, ErrSSLv2, ErrMalformed, ErrTooLarge} {
		if errors.Is(err, k) {
			return k
		}
	}
	if err != nil {
		return err
	}
	return nil
}
