package tlshello

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestClientHelloFields(t *testing.T) {
	sid := seq(32, 7)
	msg := clientHello(clientOpts{
		sid: sid, versions: []uint16{0x2a2a, 0x0304, 0x0303}, ticketExt: true, ticket: seq(99, 0),
		pskIDs: 3, pskModes: []byte{0, 1, 0xff}, sni: "ftp.example.com", alpn: []string{"ftp", "h2"}, earlyData: true,
	})
	var s Scanner
	if err := feed(&s, records(recHandshake, msg, 0), 0); err != nil {
		t.Fatal(err)
	}
	h := s.ClientHello()
	if h == nil || s.ServerHello() != nil {
		t.Fatalf("ClientHello %v ServerHello %v", h, s.ServerHello())
	}
	if s.Done() {
		t.Error("Done right after a ClientHello; the client's own flight may still carry an alert")
	}
	if h.RecordVersion != VersionTLS10 || h.LegacyVersion != VersionTLS12 || h.MaxVersion != VersionTLS13 || !h.OffersTLS13() {
		t.Errorf("versions record %v legacy %v max %v", h.RecordVersion, h.LegacyVersion, h.MaxVersion)
	}
	if !bytes.Equal(h.SessionID(), sid) {
		t.Errorf("session id %x", h.SessionID())
	}
	if !h.HasTicketExt || h.TicketLen != 99 || h.PSKIdentities != 3 || h.PSKModes != PSKModeKE|PSKModeDHEKE || !h.EarlyData {
		t.Errorf("ticket %v/%d psk %d modes %b early %v", h.HasTicketExt, h.TicketLen, h.PSKIdentities, h.PSKModes, h.EarlyData)
	}
	if string(h.ServerName()) != "ftp.example.com" || h.ServerNameTruncated {
		t.Errorf("sni %q truncated %v", h.ServerName(), h.ServerNameTruncated)
	}
	var alpn []string
	for p := range h.ALPN() {
		alpn = append(alpn, string(p))
	}
	if !slices.Equal(alpn, []string{"ftp", "h2"}) || h.ALPNTruncated {
		t.Errorf("alpn %q truncated %v", alpn, h.ALPNTruncated)
	}
	if h.Offers() != ByTicket|ByPSK {
		t.Errorf("offers %v", h.Offers())
	}
	// The client's flight ends at ChangeCipherSpec.
	if err := s.Feed(ccsRecord()); err != nil || !s.Done() {
		t.Errorf("after CCS: err %v done %v", err, s.Done())
	}
}

func TestServerHelloFields(t *testing.T) {
	var s Scanner
	stream := records(recHandshake, cat(serverHello(serverOpts{sid: seq(16, 1), ticketExt: true, alpn: "ftp"}),
		handshakeMsg(msgNewSessionTicket, seq(50, 0))), 0)
	if err := feed(&s, stream, 0); err != nil {
		t.Fatal(err)
	}
	h := s.ServerHello()
	if h == nil || s.Done() {
		t.Fatalf("ServerHello %v Done %v", h, s.Done())
	}
	if h.Version != VersionTLS12 || h.CipherSuite != 0x1301 || !h.TicketExt || !h.NewTicket || h.Flight != FlightUnseen ||
		string(h.ALPN()) != "ftp" || !bytes.Equal(h.SessionID(), seq(16, 1)) || h.HelloRetry || h.PSK {
		t.Errorf("server hello %+v", *h)
	}
	if err := s.Feed(records(recHandshake, handshakeMsg(msgCertificate, make([]byte, 9000)), 0)); err != nil {
		t.Fatal(err)
	}
	if !s.Done() || h.Flight != FlightFull {
		t.Errorf("after Certificate: done %v flight %v", s.Done(), h.Flight)
	}
}

// TestTLS13ServerHelloEndsScan guards the rule that nothing after a TLS 1.3
// ServerHello is read: it is all encrypted.
func TestTLS13ServerHelloEndsScan(t *testing.T) {
	var s Scanner
	stream := cat(records(recHandshake, serverHello(serverOpts{version: 0x0304, psk: true, pskID: 2}), 0),
		records(recHandshake, []byte{0xff, 0xff, 0xff, 0xff}, 0))
	if err := feed(&s, stream, 0); err != nil {
		t.Fatal(err)
	}
	if h := s.ServerHello(); !s.Done() || h == nil || h.Version != VersionTLS13 || !h.PSK || h.PSKIdentity != 2 {
		t.Errorf("done %v hello %+v", s.Done(), h)
	}
}

func TestBounds(t *testing.T) {
	longName := strings.Repeat("a", 300)
	tests := []struct {
		name   string
		stream []byte
		want   error
		check  func(t *testing.T, s *Scanner)
	}{
		{
			name:   "sni longer than 255 is cut and flagged",
			stream: records(recHandshake, clientHello(clientOpts{sni: longName}), 0),
			check: func(t *testing.T, s *Scanner) {
				h := s.ClientHello()
				if string(h.ServerName()) != longName[:MaxServerName] || !h.ServerNameTruncated {
					t.Errorf("sni %d bytes truncated %v", len(h.ServerName()), h.ServerNameTruncated)
				}
			},
		},
		{
			name:   "alpn list longer than 64 keeps whole entries",
			stream: records(recHandshake, clientHello(clientOpts{alpn: []string{strings.Repeat("p", 40), "ftp", strings.Repeat("q", 30), "h2"}}), 0),
			check: func(t *testing.T, s *Scanner) {
				h := s.ClientHello()
				var got []string
				for p := range h.ALPN() {
					got = append(got, string(p))
				}
				if !slices.Equal(got, []string{strings.Repeat("p", 40), "ftp"}) || !h.ALPNTruncated {
					t.Errorf("alpn %q truncated %v", got, h.ALPNTruncated)
				}
			},
		},
		{
			name:   "server alpn longer than 64 is flagged",
			stream: records(recHandshake, serverHello(serverOpts{alpn: strings.Repeat("s", 70)}), 0),
			check: func(t *testing.T, s *Scanner) {
				if h := s.ServerHello(); h.ALPN() != nil || !h.ALPNTruncated {
					t.Errorf("alpn %q truncated %v", h.ALPN(), h.ALPNTruncated)
				}
			},
		},
		{
			name: "record version is the one the hello starts in",
			stream: cat([]byte{recHandshake, 3, 0, 0, 2}, clientHello(clientOpts{})[:2],
				records(recHandshake, clientHello(clientOpts{})[2:], 0)),
			check: func(t *testing.T, s *Scanner) {
				if v := s.ClientHello().RecordVersion; v != VersionSSL30 {
					t.Errorf("record version %v", v)
				}
			},
		},
		{
			name:   "session id longer than 32",
			stream: records(recHandshake, clientHello(clientOpts{sid: seq(33, 0)}), 0),
			want:   ErrMalformed,
		},
		{
			name:   "hello larger than MaxHello",
			stream: records(recHandshake, clientHello(clientOpts{rawExt: ext(0xfe00, make([]byte, MaxHello))}), 1<<14),
			want:   ErrTooLarge,
		},
		{
			name:   "hello of exactly MaxHello over two records",
			stream: records(recHandshake, handshakeMsg(msgClientHello, exactHello(MaxHello)), 1<<14),
			check: func(t *testing.T, s *Scanner) {
				if s.ClientHello() == nil {
					t.Error("no hello")
				}
			},
		},
		{
			name: "endless NewSessionTickets stop at MaxScanned",
			stream: cat(records(recHandshake, serverHello(serverOpts{}), 0),
				records(recHandshake, bytes.Repeat(handshakeMsg(msgNewSessionTicket, make([]byte, 1000)), 80), 1<<14)),
			want: ErrTooLarge,
			check: func(t *testing.T, s *Scanner) {
				if s.ServerHello() == nil {
					t.Error("the hello parsed before the bound was lost")
				}
			},
		},
		{
			name:   "record longer than 2^14+2048",
			stream: cat(records(recHandshake, serverHello(serverOpts{}), 0), []byte{recHandshake, 3, 3, 0x48, 0x01}),
			want:   ErrMalformed,
		},
		{
			name:   "first record too long is not TLS",
			stream: []byte{recHandshake, 3, 1, 0xff, 0xff, 1},
			want:   ErrNotTLS,
		},
		{
			name: "alert inside a fragmented hello",
			stream: cat(records(recHandshake, clientHello(clientOpts{})[:20], 0), alertRecord(2, 10),
				records(recHandshake, clientHello(clientOpts{})[20:], 0)),
			want: ErrMalformed,
		},
		{
			name:   "empty handshake record",
			stream: []byte{recHandshake, 3, 1, 0, 0},
			want:   ErrMalformed,
		},
		{
			name:   "change cipher spec before any hello",
			stream: ccsRecord(),
			want:   ErrNotTLS, // the first record must be a handshake or alert
		},
		{
			name:   "unknown record type after the hello",
			stream: cat(records(recHandshake, serverHello(serverOpts{}), 0), []byte{99, 3, 3, 0, 1, 0}),
			want:   ErrMalformed,
		},
		{
			name:   "alert with an impossible level",
			stream: alertRecord(7, 40),
			want:   ErrMalformed,
		},
		{
			name:   "record version 2.x",
			stream: []byte{recHandshake, 2, 0},
			want:   ErrNotTLS,
		},
		{
			name:   "extensions length disagrees with the message",
			stream: records(recHandshake, handshakeMsg(msgClientHello, append(clientHelloBody(clientOpts{}), 0)), 0),
			want:   ErrMalformed,
		},
		{
			name:   "pre_shared_key with no identity",
			stream: records(recHandshake, clientHello(clientOpts{rawExt: ext(extPreSharedKey, []byte{0, 0, 0, 0})}), 0),
			want:   ErrMalformed,
		},
		{
			name:   "message after hello retry request is not a hello",
			stream: records(recHandshake, cat(serverHello(serverOpts{hrr: true, version: 0x0304}), handshakeMsg(msgCertificate, nil)), 0),
			want:   ErrMalformed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{0, 1, 1500} {
				var s Scanner
				err := feed(&s, tc.stream, chunk)
				if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
					t.Fatalf("chunk %d: err %v, want %v", chunk, err, tc.want)
				}
				if err != nil && (!s.Done() || s.Feed([]byte{22}) != err) {
					t.Errorf("an error must stop the scanner and repeat")
				}
				if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
					t.Errorf("error %q is not one line", err)
				}
				if tc.check != nil {
					tc.check(t, &s)
				}
			}
		})
	}
}

// exactHello builds a valid ClientHello body of exactly n bytes by padding
// with an unknown extension.
func exactHello(n int) []byte {
	base := clientHelloBody(clientOpts{})
	pad := n - len(base) - 4
	return clientHelloBody(clientOpts{rawExt: ext(0xfe00, make([]byte, pad))})
}

// TestNotTLSDecidedEarly guards the quick rejection of cleartext data: one
// byte is enough when it cannot start a TLS record.
func TestNotTLSDecidedEarly(t *testing.T) {
	for _, first := range []byte{'2', '-', 0, 0x17, 0x14} {
		var s Scanner
		if err := s.Feed([]byte{first}); !errors.Is(err, ErrNotTLS) {
			t.Errorf("first byte %#x: %v", first, err)
		}
	}
	var s Scanner
	if err := s.Feed([]byte{0x16}); err != nil || s.Done() {
		t.Errorf("0x16 alone: err %v done %v", err, s.Done())
	}
	var v2 Scanner
	if err := v2.Feed([]byte{0x80, 0x2e, 0x01}); err != nil {
		t.Errorf("SSLv2 undecided after 3 bytes: %v", err)
	}
	if err := v2.Feed([]byte{0x00, 0x02}); !errors.Is(err, ErrSSLv2) {
		t.Errorf("SSL 2.0 hello: %v", err)
	}
}

func TestFeedAfterDoneIgnored(t *testing.T) {
	var s Scanner
	stream := cat(records(recHandshake, serverHello(serverOpts{}), 0), ccsRecord())
	if err := feed(&s, stream, 0); err != nil || !s.Done() {
		t.Fatalf("err %v done %v", err, s.Done())
	}
	if err := s.Feed([]byte("garbage that would otherwise fail")); err != nil {
		t.Errorf("Feed after Done: %v", err)
	}
	if s.ServerHello().Flight != FlightAbbreviated {
		t.Errorf("flight %v", s.ServerHello().Flight)
	}
}

func TestResetKeepsBuffer(t *testing.T) {
	stream := records(recHandshake, clientHello(clientOpts{sni: "a.example"}), 0)
	var s Scanner
	feed(&s, stream, 10)
	before := cap(s.buf)
	s.Reset()
	if s.ClientHello() != nil || s.Done() || s.Err() != nil || cap(s.buf) != before || before == 0 {
		t.Fatalf("Reset left state: hello %v done %v err %v cap %d->%d", s.ClientHello(), s.Done(), s.Err(), before, cap(s.buf))
	}
	feed(&s, records(recHandshake, serverHello(serverOpts{}), 0), 10)
	if s.ServerHello() == nil {
		t.Error("reused scanner did not read a ServerHello")
	}
}

// TestFeedAllocationFree guards the hot-path contract: a hello inside one
// chunk is parsed in place, and a reused Scanner reassembling a split hello
// allocates nothing either.
func TestFeedAllocationFree(t *testing.T) {
	stream := records(recHandshake, clientHello(clientOpts{sid: seq(32, 0), versions: []uint16{0x0304}, pskIDs: 1, sni: "ftp.example.com", alpn: []string{"ftp"}}), 0)
	var s Scanner
	whole := testing.AllocsPerRun(100, func() {
		s.Reset()
		s.Feed(stream)
	})
	split := testing.AllocsPerRun(100, func() {
		s.Reset()
		for i := 0; i < len(stream); i += 100 {
			s.Feed(stream[i:min(i+100, len(stream))])
		}
	})
	if whole != 0 || split != 0 || s.ClientHello() == nil {
		t.Errorf("allocations per hello: whole %v split %v (hello %v)", whole, split, s.ClientHello() != nil)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{Alert{2, 40}.String(), "fatal handshake_failure(40)"},
		{Alert{1, 0}.String(), "warning close_notify(0)"},
		{Alert{2, 200}.String(), "fatal alert(200)"},
		{Alert{}.String(), "none"},
		{VersionTLS13.String(), "TLS 1.3"},
		{Version(0x7f1c).String(), "0x7f1c"},
		{Version(0x0001).String(), "0x0001"},
		{(ByTicket | ByPSK).String(), "ticket+psk"},
		{Mechanism(0).String(), "none"},
		{Refused.String(), "refused"},
		{FlightAbbreviated.String(), "abbreviated"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
