package tlshello

import (
	"fmt"
	"testing"
)

// A TLS connection as a capture shows it: each step is one direction's
// bytes, in the order they crossed.
type connStep struct {
	client bool
	b      []byte
	lost   bool // the capture lost the rest of this direction here
}

func fromClient(parts ...[]byte) connStep { return connStep{client: true, b: cat(parts...)} }
func fromServer(parts ...[]byte) connStep { return connStep{b: cat(parts...)} }

// prot is a protected record (content type 23) of n bytes: in TLS 1.3 a
// handshake message, alert or data, indistinguishable without the keys.
func prot(n int) []byte {
	return cat([]byte{recApplicationData, 3, 3, byte(n >> 8), byte(n)}, seq(n, 7))
}

// feedConn plays steps into c, each in chunks of n bytes (0: whole),
// with the client as direction clientDir.
func feedConn(c *Conn, steps []connStep, n, clientDir int) {
	for _, st := range steps {
		dir := clientDir ^ 1
		if st.client {
			dir = clientDir
		}
		if st.lost {
			c.Lost(dir)
			continue
		}
		b := st.b
		k := n
		if k <= 0 {
			k = len(b)
		}
		for len(b) > 0 {
			m := min(k, len(b))
			c.Feed(dir, b[:m])
			b = b[m:]
		}
	}
}

// Record lengths for TLS_AES_128_GCM_SHA256 (the hand-built ServerHello's
// suite): an alert is 2+1+16, a Finished 4+32+1+16.
const (
	alert13    = 19
	finished13 = 53
)

func TestConnContentHandBuilt(t *testing.T) {
	ch := records(recHandshake, clientHello(clientOpts{versions: []uint16{0x0304}}), 0)
	chEarly := records(recHandshake, clientHello(clientOpts{versions: []uint16{0x0304}, pskIDs: 1, pskModes: []byte{1}, earlyData: true}), 0)
	sh13 := records(recHandshake, serverHello(serverOpts{version: 0x0304}), 0)
	sh13Unknown := records(recHandshake, serverHello(serverOpts{version: 0x0304, suite: 0x13ff}), 0)
	sh12 := records(recHandshake, cat(serverHello(serverOpts{}), flight12()), 0)
	ch12 := records(recHandshake, clientHello(clientOpts{}), 0)
	// The server's protected flight of a full TLS 1.3 handshake:
	// EncryptedExtensions, Certificate, CertificateVerify, Finished.
	flight := cat(ccsRecord(), prot(23), prot(900), prot(80), prot(finished13))
	clientFin := cat(ccsRecord(), prot(finished13))
	// TLS 1.2: the client's key exchange and encrypted Finished, the
	// server's; an encrypted close_notify is an alert record.
	cke := cat(records(recHandshake, handshakeMsg(16, seq(66, 0)), 0), ccsRecord(), records(recHandshake, seq(40, 0), 0))
	srvFin12 := cat(ccsRecord(), records(recHandshake, seq(40, 0), 0))
	alert12 := records(recAlert, seq(26, 0), 0)

	tests := []struct {
		name  string
		steps []connStep
		want  Content
		// serverData: Verdict.ServerData, the server's data certain
		serverData bool
	}{
		{"tls1.3 refused after a full handshake: two tickets, close_notify", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250)), fromServer(prot(alert13)), fromClient(prot(alert13)),
		}, ContentHandshakeOnly, false},
		{"tls1.3 refused, the client answering a certificate request with an empty one", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(ccsRecord(), prot(25), prot(finished13)),
			fromServer(prot(250), prot(250), prot(alert13)),
		}, ContentHandshakeOnly, false},
		{"tls1.3 refused, the ticket sent with the server's flight (crypto/tls)", []connStep{
			fromClient(ch), fromServer(sh13, flight, prot(210)), fromClient(clientFin), fromServer(prot(alert13)),
		}, ContentHandshakeOnly, false},
		{"tls1.3 closed by the server before the client's Finished", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromServer(prot(alert13)),
		}, ContentHandshakeOnly, false},
		// A record far from the tickets' length, after them, is no ticket:
		// certain (rv-tls tls-small.pcap, vsftpd: a 30-byte file is a
		// 47-byte record after two 250-byte tickets).
		{"tls1.3 small download after two tickets", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250), prot(117), prot(alert13)),
		}, ContentApplicationData, true},
		{"tls1.3 a 30-byte file after two tickets", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250), prot(47), prot(alert13)),
		}, ContentApplicationData, true},
		{"tls1.3 a file longer than the tickets by more than a block", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250), prot(267), prot(alert13)),
		}, ContentApplicationData, true},
		// Within a cipher block of the tickets a record may be a ticket of
		// uneven length (OpenSSL's AES-CBC tickets): a refusal after two
		// such tickets must not read as the server's certain data.
		{"tls1.3 refused after two tickets a cipher block apart", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(266), prot(alert13)),
		}, ContentApplicationData, false},
		{"tls1.3 a record within a block of the tickets", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250), prot(236), prot(alert13)),
		}, ContentApplicationData, false},
		{"tls1.3 a KeyUpdate-sized record after the tickets", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250), prot(22), prot(alert13)),
		}, ContentApplicationData, false},
		// Two records after a ticketless handshake, of lengths no two
		// tickets have: data either way (rv-tls pure-small.pcap shape).
		{"tls1.3 listing in two records, no tickets", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(91), prot(60), prot(alert13)),
		}, ContentApplicationData, true},
		{"tls1.3 download after one ticket", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin), fromServer(prot(250), prot(4657), prot(alert13)),
		}, ContentApplicationData, true},
		// Shorter than any ticket, and not a KeyUpdate or an alert: data
		// (rv-tls pure-small.pcap and tls-small.pcap: a 1-byte file).
		{"tls1.3 download of one byte, no tickets", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin), fromServer(prot(18), prot(alert13)),
		}, ContentApplicationData, true},
		{"tls1.3 download of one byte after two tickets", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin), fromServer(prot(250), prot(250), prot(18), prot(alert13)),
		}, ContentApplicationData, true},
		{"tls1.3 two-byte record before close_notify", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250), prot(alert13), prot(alert13)),
		}, ContentApplicationData, false},
		{"tls1.3 a fifth ticket-sized record", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin),
			fromServer(prot(250), prot(250), prot(250), prot(250), prot(250)),
		}, ContentApplicationData, false},
		{"tls1.3 upload right behind the client's Finished", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin, prot(1017)), fromServer(prot(250), prot(250)),
		}, ContentApplicationData, false},
		{"tls1.3 upload of one byte", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin), fromServer(prot(250), prot(250)),
			fromClient(prot(18), prot(alert13)),
		}, ContentApplicationData, false},
		{"tls1.3 early data", []connStep{
			fromClient(chEarly, prot(117)), fromServer(sh13, flight), fromClient(clientFin),
		}, ContentApplicationData, false},
		{"tls1.3 one ticket-sized record: a ticket or a small file", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin), fromServer(prot(250), prot(alert13)),
		}, ContentUnknown, false},
		{"tls1.3 client flight without a Finished-sized record", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(ccsRecord(), prot(70)), fromServer(prot(alert13)),
		}, ContentUnknown, false},
		{"tls1.3 unknown cipher suite", []connStep{
			fromClient(ch), fromServer(sh13Unknown, flight), fromClient(clientFin),
		}, ContentUnknown, false},
		{"tls1.3 the server's side lost after its flight", []connStep{
			fromClient(ch), fromServer(sh13, flight), fromClient(clientFin), {lost: true},
		}, ContentUnknown, false},
		{"tls1.2 refused after a full handshake", []connStep{
			fromClient(ch12), fromServer(sh12), fromClient(cke), fromServer(srvFin12), fromServer(alert12), fromClient(alert12),
		}, ContentHandshakeOnly, false},
		{"tls1.2 download", []connStep{
			fromClient(ch12), fromServer(sh12), fromClient(cke), fromServer(srvFin12, prot(4664), alert12),
		}, ContentApplicationData, true},
		{"tls1.2 upload of one byte", []connStep{
			fromClient(ch12), fromServer(sh12), fromClient(cke), fromServer(srvFin12), fromClient(prot(25)),
		}, ContentApplicationData, false},
		{"tls1.2 the client's side lost", []connStep{
			fromClient(ch12), fromServer(sh12), {client: true, lost: true}, fromServer(srvFin12),
		}, ContentUnknown, false},
		{"a ClientHello, no answer", []connStep{fromClient(ch)}, ContentHandshakeOnly, false},
		{"clear text, not TLS", []connStep{fromServer([]byte("-rw-r--r-- 1 ftp ftp 4640 report.txt\r\n"))}, ContentUnknown, false},
		{"TLS, then bytes that are not records", []connStep{
			fromClient(ch12), fromServer(sh12), fromClient(cke), fromServer(srvFin12), fromServer([]byte("garbage after the handshake")),
		}, ContentUnknown, false},
	}
	for _, tc := range tests {
		for _, clientDir := range []int{0, 1} {
			for _, n := range []int{0, 1, 4, 6, 1448} {
				t.Run(fmt.Sprintf("%s/client %d/chunk %d", tc.name, clientDir, n), func(t *testing.T) {
					var c Conn
					feedConn(&c, tc.steps, n, clientDir)
					v := c.Verdict()
					if v.Content != tc.want {
						t.Errorf("content %v, want %v", v.Content, tc.want)
					}
					if v.ServerData != tc.serverData {
						t.Errorf("server data %v, want %v", v.ServerData, tc.serverData)
					}
				})
			}
		}
	}
}

// TestConnWalkStopsAtData: once application data has crossed, neither
// direction wants more bytes, so a transfer costs its first records only.
func TestConnWalkStopsAtData(t *testing.T) {
	var c Conn
	feedConn(&c, []connStep{
		fromClient(records(recHandshake, clientHello(clientOpts{}), 0)),
		fromServer(records(recHandshake, cat(serverHello(serverOpts{}), flight12()), 0)),
		fromClient(records(recHandshake, handshakeMsg(16, seq(66, 0)), 0), ccsRecord()),
	}, 0, 0)
	if !c.Wants(0) || !c.Wants(1) {
		t.Fatal("the walk stopped during the handshake")
	}
	c.Feed(1, prot(16384))
	if c.Wants(0) || c.Wants(1) {
		t.Errorf("wants more after application data: client %v, server %v", c.Wants(0), c.Wants(1))
	}
	c.Feed(1, []byte("anything after it"))
	if got := c.Verdict().Content; got != ContentApplicationData {
		t.Errorf("content %v after data", got)
	}
}

// TestConnWalkBounded: a direction that never settles gives up after
// maxWalkRecords records, undecided.
func TestConnWalkBounded(t *testing.T) {
	var c Conn
	c.Feed(0, records(recHandshake, clientHello(clientOpts{}), 0))
	for range maxWalkRecords + 10 {
		c.Feed(0, ccsRecord())
	}
	if c.Wants(0) {
		t.Error("still walking past the bound")
	}
	if got := c.Verdict().Content; got != ContentUnknown {
		t.Errorf("content %v, want unknown past the bound", got)
	}
}

func TestConnFeedAllocationFree(t *testing.T) {
	ch := records(recHandshake, clientHello(clientOpts{versions: []uint16{0x0304}}), 0)
	sh := records(recHandshake, serverHello(serverOpts{version: 0x0304}), 0)
	post := cat(ccsRecord(), prot(23), prot(900), prot(finished13))
	fin, ticket := prot(finished13), prot(250)
	var c Conn
	allocs := testing.AllocsPerRun(100, func() {
		c = Conn{}
		c.Feed(0, ch)
		c.Feed(1, sh)
		c.Feed(1, post)
		c.Feed(0, fin)
		c.Feed(1, ticket)
		c.Feed(1, ticket)
	})
	if allocs != 0 || c.Verdict().Content != ContentHandshakeOnly {
		t.Errorf("%v allocations per connection (content %v)", allocs, c.Verdict().Content)
	}
}

func TestContentStrings(t *testing.T) {
	for c, want := range map[Content]string{ContentUnknown: "unknown", ContentHandshakeOnly: "handshake-only", ContentApplicationData: "application-data"} {
		if c.String() != want {
			t.Errorf("%d: %q", c, c.String())
		}
	}
}
