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

// FuzzConn feeds two streams to a Conn, alternating pieces of frag bytes
// from each (the order a capture shows), and checks that the verdict,
// Content included, does not depend on how each piece is chunked, and that
// the walk keeps its bound. It feeds them again as a capture with a snap
// length would (keep bytes of each piece, the rest skipped with Skip) and
// checks that cutting never turns a connection into handshake only.
func FuzzConn(f *testing.F) {
	ch := records(recHandshake, clientHello(clientOpts{versions: []uint16{0x0304}}), 0)
	sh := records(recHandshake, serverHello(serverOpts{version: 0x0304}), 0)
	f.Add(cat(ch, ccsRecord(), prot(finished13), prot(alert13)), cat(sh, ccsRecord(), prot(23), prot(900), prot(finished13), prot(250), prot(250), prot(alert13)), uint16(0), uint8(0), uint16(0))
	f.Add(cat(ch, ccsRecord(), prot(finished13), prot(1017)), cat(sh, ccsRecord(), prot(900), prot(finished13), prot(250)), uint16(300), uint8(3), uint16(62))
	f.Add(records(recHandshake, clientHello(clientOpts{}), 0), cat(records(recHandshake, cat(serverHello(serverOpts{}), flight12()), 0), ccsRecord(), prot(4664)), uint16(64), uint8(1), uint16(30))
	// A HelloRetryRequest: the client's second ClientHello, then the
	// server's alert (rclone against vsftpd) or its ServerHello. Pieces of
	// the first hello's length put the request before the second hello.
	psk := clientOpts{versions: []uint16{0x0304}, pskModes: []byte{1}, pskIDs: 1}
	ch1 := records(recHandshake, clientHello(psk), 0)
	hrr := records(recHandshake, serverHello(serverOpts{hrr: true, version: 0x0304}), 0)
	ch2 := cat(ccsRecord(), records(recHandshake, clientHello(psk), 0))
	piece := uint16(len(ch1) - 1)
	f.Add(cat(ch1, ch2), cat(hrr, ccsRecord(), alertRecord(2, 47)), piece, uint8(0), uint16(0))
	f.Add(cat(ch1, ch2, prot(finished13)), cat(hrr, ccsRecord(), records(recHandshake, serverHello(serverOpts{version: 0x0304, psk: true}), 0), prot(23), prot(finished13)), piece, uint8(5), uint16(40))
	f.Fuzz(func(t *testing.T, a, b []byte, frag uint16, chunk uint8, keep uint16) {
		n := int(frag)%2048 + 1
		var steps []connStep
		for len(a) > 0 || len(b) > 0 {
			k := min(n, len(a))
			steps = append(steps, fromClient(a[:k]))
			a = a[k:]
			k = min(n, len(b))
			steps = append(steps, fromServer(b[:k]))
			b = b[k:]
		}
		var whole, split Conn
		feedConn(&whole, steps, 0, 0)
		feedConn(&split, steps, int(chunk)%64+1, 0)
		vw, vs := whole.Verdict(), split.Verdict()
		vw.Reason, vs.Reason = nil, nil
		if vw != vs {
			t.Fatalf("verdict depends on chunking:\nwhole %+v\nsplit %+v", vw, vs)
		}
		for i := range whole.walk {
			if whole.walk[i].records > maxWalkRecords {
				t.Fatalf("walked %d records", whole.walk[i].records)
			}
		}
		if vw.Content == ContentHandshakeOnly && !whole.Hello() {
			t.Fatal("handshake only without a hello")
		}
		if vw.ClientRetried && !vw.HelloRetry {
			t.Fatal("a second ClientHello read without a HelloRetryRequest")
		}

		var snapped Conn
		cut := int(keep)%(n+1) + 1 // bytes of each piece captured
		for _, st := range steps {
			dir := 1
			if st.client {
				dir = 0
			}
			k := min(cut, len(st.b))
			snapped.Feed(dir, st.b[:k])
			snapped.Skip(dir, len(st.b)-k)
		}
		vc := snapped.Verdict()
		if vc.Content == ContentHandshakeOnly && vw.Content != ContentHandshakeOnly {
			t.Fatalf("handshake only when cut to %d bytes a piece, %v whole", cut, vw.Content)
		}
		for i := range snapped.walk {
			if w := &snapped.walk[i]; w.records > maxWalkRecords || w.skip < 0 {
				t.Fatalf("cut walk: %d records, skip %d", w.records, w.skip)
			}
		}
	})
}
