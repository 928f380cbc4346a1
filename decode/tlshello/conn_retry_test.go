package tlshello

import (
	"fmt"
	"testing"
)

// TestConnFollowsTheSecondClientHello guards the handshake that goes on
// after a HelloRetryRequest: the client's ChangeCipherSpec before its
// second ClientHello is the middlebox-compatibility one, so the second
// hello is read, and its offers, not the first's, are the ones the
// server's answer is judged against. The rclone 1.60 shape against vsftpd
// (require_ssl_reuse=YES): a PSK offered twice, the server's fatal
// illegal_parameter alert in clear (no ServerHello, so no key yet), then
// its close. Before, the client's side ended at its ChangeCipherSpec: a
// PSK dropped from the second hello still read as refused, and nothing
// said which hello the server answered.
func TestConnFollowsTheSecondClientHello(t *testing.T) {
	v13 := []uint16{0x0304, 0x0303}
	sid := seq(32, 0x10)
	chPSK := records(recHandshake, clientHello(clientOpts{sid: sid, versions: v13, pskModes: []byte{1}, pskIDs: 1, sni: "first"}), 0)
	ch2PSK := records(recHandshake, clientHello(clientOpts{sid: sid, versions: v13, pskModes: []byte{1}, pskIDs: 1, sni: "second"}), 0)
	ch2Plain := records(recHandshake, clientHello(clientOpts{sid: sid, versions: v13, pskModes: []byte{1}, sni: "second"}), 0)
	hrr := records(recHandshake, serverHello(serverOpts{hrr: true, sid: sid, version: 0x0304}), 0)
	sh := records(recHandshake, serverHello(serverOpts{sid: sid, version: 0x0304}), 0)
	shPSK := records(recHandshake, serverHello(serverOpts{sid: sid, version: 0x0304, psk: true}), 0)
	flight := cat(ccsRecord(), prot(23), prot(900), prot(80), prot(finished13))
	// A second hello past MaxHello: the bound holds for it too.
	huge := cat([]byte{recHandshake, 3, 3, 0, 4}, []byte{msgClientHello, 0, 0x40, 0x01})

	tests := []struct {
		name   string
		steps  []connStep
		want   Verdict
		reason error
		sni    string // the ClientHello's SNI: which hello the verdict read
	}{
		{"psk offered twice, the server's fatal alert", []connStep{
			fromClient(chPSK), fromServer(hrr, ccsRecord()), fromClient(ccsRecord(), ch2PSK), fromServer(alertRecord(2, 47)),
		}, Verdict{Resumption: Unknown, Offered: ByPSK, HelloRetry: true, ClientRetried: true, ServerAlert: Alert{2, 47}, Content: ContentHandshakeOnly},
			ErrIncomplete, "second"},
		{"psk dropped from the second hello, then a full handshake", []connStep{
			fromClient(chPSK), fromServer(hrr, ccsRecord()), fromClient(ccsRecord(), ch2Plain), fromServer(sh, flight),
			fromClient(prot(finished13)), fromServer(prot(alert13)),
		}, Verdict{Resumption: Full, Version: VersionTLS13, HelloRetry: true, ClientRetried: true, Content: ContentHandshakeOnly},
			nil, "second"},
		{"the second hello resumes", []connStep{
			fromClient(chPSK), fromServer(hrr, ccsRecord()), fromClient(ccsRecord(), ch2PSK), fromServer(shPSK, ccsRecord(), prot(23), prot(finished13)),
		}, Verdict{Resumption: Resumed, Offered: ByPSK, Used: ByPSK, Version: VersionTLS13, HelloRetry: true, ClientRetried: true, Content: ContentHandshakeOnly},
			nil, "second"},
		{"no compatibility ChangeCipherSpec before the second hello", []connStep{
			fromClient(chPSK), fromServer(hrr), fromClient(ch2Plain), fromServer(sh, flight),
		}, Verdict{Resumption: Full, Version: VersionTLS13, HelloRetry: true, ClientRetried: true, Content: ContentHandshakeOnly},
			nil, "second"},
		{"the second hello past MaxHello", []connStep{
			fromClient(chPSK), fromServer(hrr, ccsRecord()), fromClient(ccsRecord(), huge),
		}, Verdict{Resumption: Unknown, Offered: ByPSK, HelloRetry: true, Content: ContentHandshakeOnly},
			ErrTooLarge, "first"},
		{"a message other than a hello after the request", []connStep{
			fromClient(chPSK), fromServer(hrr, ccsRecord()), fromClient(ccsRecord(), records(recHandshake, handshakeMsg(16, seq(66, 0)), 0)),
		}, Verdict{Resumption: Unknown, Offered: ByPSK, HelloRetry: true, Content: ContentHandshakeOnly},
			ErrMalformed, "first"},
	}
	for _, tc := range tests {
		for _, clientDir := range []int{0, 1} {
			for _, n := range []int{0, 1, 5, 64, 1448} {
				t.Run(fmt.Sprintf("%s/client %d/chunk %d", tc.name, clientDir, n), func(t *testing.T) {
					var c Conn
					feedConn(&c, tc.steps, n, clientDir)
					checkVerdict(t, c.Verdict(), tc.want, tc.reason)
					h := c.Scanner(clientDir).ClientHello()
					if h == nil || string(h.ServerName()) != tc.sni {
						t.Errorf("ClientHello %+v, want the %s one", h, tc.sni)
					}
				})
			}
		}
	}
}

// TestConnClientChangeCipherSpecEndsWithoutRetry: with no
// HelloRetryRequest, a client's ChangeCipherSpec still ends its reading:
// a TLS ≤1.2 client's encrypted Finished follows in a handshake record,
// and ciphertext that happens to begin like a ClientHello must not be
// read as one.
func TestConnClientChangeCipherSpecEndsWithoutRetry(t *testing.T) {
	ch := records(recHandshake, clientHello(clientOpts{sni: "first"}), 0)
	sh := records(recHandshake, cat(serverHello(serverOpts{sid: seq(32, 0x90)}), flight12()), 0)
	// Ciphertext whose first bytes read as a ClientHello header.
	fin := records(recHandshake, cat([]byte{msgClientHello, 0, 0, 36}, seq(36, 3)), 0)
	var c Conn
	feedConn(&c, []connStep{
		fromClient(ch), fromServer(sh),
		fromClient(records(recHandshake, handshakeMsg(16, seq(66, 0)), 0), ccsRecord(), fin),
	}, 0, 0)
	v := c.Verdict()
	checkVerdict(t, v, Verdict{Resumption: Full, Version: VersionTLS12, Content: ContentHandshakeOnly}, nil)
	if h := c.Scanner(0).ClientHello(); h == nil || string(h.ServerName()) != "first" || c.Scanner(0).Err() != nil {
		t.Errorf("ClientHello %+v, error %v: the Finished was read as a hello", h, c.Scanner(0).Err())
	}
}
