package tlshello

import (
	"errors"
	"fmt"
	"testing"
)

// part is one piece of a hand-built stream: a handshake payload that the
// test fragments into records of various sizes (typ 22), or raw bytes.
type part struct {
	typ     byte
	payload []byte
}

func hs(msgs ...[]byte) part { return part{recHandshake, cat(msgs...)} }
func raw(b ...[]byte) part   { return part{0, cat(b...)} }

func build(ps []part, frag int) []byte {
	var out []byte
	for _, p := range ps {
		if p.typ == recHandshake {
			out = append(out, records(recHandshake, p.payload, frag)...)
		} else {
			out = append(out, p.payload...)
		}
	}
	return out
}

type verdictCase struct {
	name           string
	client, server []part // nil: that direction not captured
	want           Verdict
	reason         error // errors.Is target for Verdict.Reason
}

func verdictCases() []verdictCase {
	sidC, sidS := seq(32, 0x10), seq(32, 0x90)
	ticket := seq(180, 1)
	v13 := []uint16{0x3a3a, 0x0304, 0x0303}
	encFinished := records(recHandshake, seq(40, 0), 0) // ciphertext after CCS
	return []verdictCase{
		{
			name:   "tls12 full handshake",
			client: []part{hs(clientHello(clientOpts{ticketExt: true, sni: "ftp.example.com"}))},
			server: []part{hs(serverHello(serverOpts{sid: sidS, ticketExt: true}), flight12())},
			want:   Verdict{Resumption: Full, Version: VersionTLS12},
		},
		{
			// crypto/tls sends a random session ID; a new ID in reply is a
			// plain full handshake, not a refusal.
			name:   "tls12 full, client random session id",
			client: []part{hs(clientHello(clientOpts{sid: sidC}))},
			server: []part{hs(serverHello(serverOpts{sid: sidS}), flight12())},
			want:   Verdict{Resumption: Full, Version: VersionTLS12},
		},
		{
			name:   "tls12 session-id resumption",
			client: []part{hs(clientHello(clientOpts{sid: sidC}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC})), raw(ccsRecord(), encFinished)},
			want:   Verdict{Resumption: Resumed, Offered: BySessionID, Used: BySessionID, Version: VersionTLS12},
		},
		{
			name:   "tls12 session-id echo, nothing after the hello",
			client: []part{hs(clientHello(clientOpts{sid: sidC}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC}))},
			want:   Verdict{Resumption: Resumed, Offered: BySessionID, Used: BySessionID, Version: VersionTLS12},
		},
		{
			name:   "tls12 ticket resumption with session id echo",
			client: []part{hs(clientHello(clientOpts{sid: sidC, ticketExt: true, ticket: ticket}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC, ticketExt: true}), handshakeMsg(msgNewSessionTicket, seq(190, 0))), raw(ccsRecord(), encFinished)},
			want:   Verdict{Resumption: Resumed, Offered: ByTicket, Used: ByTicket, Version: VersionTLS12},
		},
		{
			name:   "tls12 ticket resumption, empty session ids, abbreviated",
			client: []part{hs(clientHello(clientOpts{ticketExt: true, ticket: ticket}))},
			server: []part{hs(serverHello(serverOpts{})), raw(ccsRecord())},
			want:   Verdict{Resumption: Resumed, Offered: ByTicket, Used: ByTicket, Version: VersionTLS12},
		},
		{
			name:   "tls12 ticket offered, server flight not seen",
			client: []part{hs(clientHello(clientOpts{ticketExt: true, ticket: ticket}))},
			server: []part{hs(serverHello(serverOpts{}))},
			want:   Verdict{Resumption: Unknown, Offered: ByTicket, Version: VersionTLS12},
			reason: ErrIncomplete,
		},
		{
			name:   "tls12 ticket refused",
			client: []part{hs(clientHello(clientOpts{sid: sidC, ticketExt: true, ticket: ticket}))},
			server: []part{hs(serverHello(serverOpts{sid: sidS, ticketExt: true}), flight12())},
			want:   Verdict{Resumption: Refused, Offered: ByTicket, Version: VersionTLS12},
		},
		{
			name:   "tls12 ticket refused, new session id is enough",
			client: []part{hs(clientHello(clientOpts{sid: sidC, ticketExt: true, ticket: ticket}))},
			server: []part{hs(serverHello(serverOpts{sid: sidS}))},
			want:   Verdict{Resumption: Refused, Offered: ByTicket, Version: VersionTLS12},
		},
		{
			name:   "tls13 full handshake, session id echo means nothing",
			client: []part{hs(clientHello(clientOpts{sid: sidC, versions: v13, pskModes: []byte{1}, ticketExt: true}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC, version: 0x0304})), raw(ccsRecord(), appDataRecord())},
			want:   Verdict{Resumption: Full, Version: VersionTLS13},
		},
		{
			name:   "tls13 psk resumption",
			client: []part{hs(clientHello(clientOpts{sid: sidC, versions: v13, pskModes: []byte{1}, pskIDs: 2}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC, version: 0x0304, psk: true, pskID: 1})), raw(ccsRecord(), appDataRecord())},
			want:   Verdict{Resumption: Resumed, Offered: ByPSK, Used: ByPSK, Version: VersionTLS13},
		},
		{
			name:   "tls13 psk refused",
			client: []part{hs(clientHello(clientOpts{sid: sidC, versions: v13, pskModes: []byte{1}, pskIDs: 1}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC, version: 0x0304}))},
			want:   Verdict{Resumption: Refused, Offered: ByPSK, Version: VersionTLS13},
		},
		{
			name:   "tls13 negotiated, tls12 ticket offered",
			client: []part{hs(clientHello(clientOpts{sid: sidC, versions: v13, ticketExt: true, ticket: ticket}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC, version: 0x0304}))},
			want:   Verdict{Resumption: Refused, Offered: ByTicket, Version: VersionTLS13},
		},
		{
			name: "hello retry request, then psk",
			client: []part{hs(clientHello(clientOpts{sid: sidC, versions: v13, pskModes: []byte{1}, pskIDs: 1})), raw(ccsRecord()),
				hs(clientHello(clientOpts{sid: sidC, versions: v13, pskModes: []byte{1}, pskIDs: 1}))},
			server: []part{hs(serverHello(serverOpts{hrr: true, sid: sidC, version: 0x0304})), raw(ccsRecord()),
				hs(serverHello(serverOpts{sid: sidC, version: 0x0304, psk: true})), raw(appDataRecord())},
			want: Verdict{Resumption: Resumed, Offered: ByPSK, Used: ByPSK, Version: VersionTLS13, HelloRetry: true},
		},
		{
			name:   "hello retry request only",
			client: []part{hs(clientHello(clientOpts{sid: sidC, versions: v13}))},
			server: []part{hs(serverHello(serverOpts{hrr: true, sid: sidC, version: 0x0304})), raw(ccsRecord())},
			want:   Verdict{Resumption: Unknown, HelloRetry: true},
			reason: ErrIncomplete,
		},
		{
			name:   "server side only, abbreviated",
			server: []part{hs(serverHello(serverOpts{sid: sidS})), raw(ccsRecord())},
			want:   Verdict{Resumption: Resumed, Version: VersionTLS12},
		},
		{
			name:   "server side only, no flight",
			server: []part{hs(serverHello(serverOpts{sid: sidS}))},
			want:   Verdict{Resumption: Unknown, Version: VersionTLS12},
			reason: ErrIncomplete,
		},
		{
			name:   "server alert instead of hello",
			client: []part{hs(clientHello(clientOpts{versions: v13, pskIDs: 1}))},
			server: []part{raw(alertRecord(2, 40))},
			want:   Verdict{Resumption: Unknown, Offered: ByPSK, ServerAlert: Alert{2, 40}},
			reason: ErrIncomplete,
		},
		{
			name:   "client rejects the certificate",
			client: []part{hs(clientHello(clientOpts{})), raw(alertRecord(2, 48))},
			server: []part{hs(serverHello(serverOpts{sid: sidS}), flight12())},
			want:   Verdict{Resumption: Full, Version: VersionTLS12, ClientAlert: Alert{2, 48}},
		},
		{
			name:   "client hello truncated",
			client: []part{raw(records(recHandshake, clientHello(clientOpts{sni: "x"}), 0)[:40])},
			want:   Verdict{Resumption: Unknown},
			reason: ErrIncomplete,
		},
		{
			name:   "cleartext data, not TLS",
			client: []part{raw([]byte("-rw-r--r--    1 ftp      ftp          4 Jan 01 00:00 a\r\n"))},
			want:   Verdict{Resumption: Unknown},
			reason: ErrNotTLS,
		},
		{
			name:   "sslv2-compatible client hello",
			client: []part{raw([]byte{0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10}, seq(0x2e-9, 0))},
			want:   Verdict{Resumption: Unknown},
			reason: ErrSSLv2,
		},
		{
			name:   "tls record holding garbage",
			client: []part{raw([]byte{recHandshake, 3, 1, 0, 6, 9, 0, 0, 2, 0xde, 0xad})},
			want:   Verdict{Resumption: Unknown},
			reason: ErrMalformed,
		},
		{
			name:   "tls10 full handshake",
			client: []part{hs(clientHello(clientOpts{legacy: 0x0301, sid: sidC}))},
			server: []part{hs(serverHello(serverOpts{legacy: 0x0301, sid: sidS}), flight12())},
			want:   Verdict{Resumption: Full, Version: VersionTLS10},
		},
		{
			name:   "ssl3 hellos without extensions, session-id resumption",
			client: []part{hs(clientHello(clientOpts{legacy: 0x0300, sid: sidC, noExt: true}))},
			server: []part{hs(serverHello(serverOpts{legacy: 0x0300, sid: sidC, noExt: true})), raw(ccsRecord())},
			want:   Verdict{Resumption: Resumed, Offered: BySessionID, Used: BySessionID, Version: VersionSSL30},
		},
		{
			name:   "tls12 echo contradicted by a certificate",
			client: []part{hs(clientHello(clientOpts{sid: sidC}))},
			server: []part{hs(serverHello(serverOpts{sid: sidC}), flight12())},
			want:   Verdict{Resumption: Full, Version: VersionTLS12},
		},
	}
}

// TestDecideHandBuilt runs every hand-built stream under several record
// fragmentations and chunkings: the verdict must not depend on either.
func TestDecideHandBuilt(t *testing.T) {
	for _, tc := range verdictCases() {
		for _, frag := range []int{0, 1, 7, 100} {
			for _, chunk := range []int{0, 1, 3, 64, 1000} {
				t.Run(fmt.Sprintf("%s/frag%d/chunk%d", tc.name, frag, chunk), func(t *testing.T) {
					var c, s *Scanner
					if tc.client != nil {
						c = new(Scanner)
						feed(c, build(tc.client, frag), chunk)
					}
					if tc.server != nil {
						s = new(Scanner)
						feed(s, build(tc.server, frag), chunk)
					}
					checkVerdict(t, Decide(c, s), tc.want, tc.reason)
					// The order of the two directions does not matter.
					checkVerdict(t, Decide(s, c), tc.want, tc.reason)
				})
			}
		}
	}
}

func checkVerdict(t *testing.T, got, want Verdict, reason error) {
	t.Helper()
	gotReason := got.Reason
	got.Reason, want.Reason = nil, nil
	if got != want {
		t.Errorf("verdict\n got %+v\nwant %+v", got, want)
	}
	if reason == nil && gotReason != nil || reason != nil && !errors.Is(gotReason, reason) {
		t.Errorf("reason %v, want %v", gotReason, reason)
	}
}
