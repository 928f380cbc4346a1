package tlshello

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// These tests run crypto/tls client and server over net.Pipe (in memory,
// no network), record the bytes each side wrote, and check that the
// parser's verdict agrees with what crypto/tls itself reports
// (ConnectionState.DidResume and Version).

const testServerName = "ftp.example.test"

var testCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: testServerName},
		DNSNames:     []string{testServerName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, err
})

// recordingConn logs every byte written and hands it to the pipe from a
// goroutine, so that both TLS peers may write at once: net.Pipe alone
// deadlocks when a TLS 1.3 server writes its session tickets while the
// client writes its Finished.
type recordingConn struct {
	net.Conn
	mu   sync.Mutex
	log  []byte
	out  chan []byte
	done chan struct{}
}

func newRecordingConn(c net.Conn) *recordingConn {
	r := &recordingConn{Conn: c, out: make(chan []byte, 256), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for b := range r.out {
			if _, err := c.Write(b); err != nil {
				for range r.out { // drain until closed
				}
				return
			}
		}
	}()
	return r
}

func (r *recordingConn) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.log = append(r.log, b...)
	r.mu.Unlock()
	r.out <- bytes.Clone(b)
	return len(b), nil
}

func (r *recordingConn) written() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.log)
}

type handshakeRun struct {
	client, server []byte // bytes each side wrote
	state          tls.ConnectionState
	clientErr      error
	serverErr      error
}

// runHandshake performs one handshake and a two-byte exchange (so a TLS 1.3
// client reads its session tickets), then tears both ends down.
func runHandshake(t testing.TB, ccfg, scfg *tls.Config) handshakeRun {
	t.Helper()
	p1, p2 := net.Pipe()
	deadline := time.Now().Add(20 * time.Second)
	p1.SetDeadline(deadline)
	p2.SetDeadline(deadline)
	cr, sr := newRecordingConn(p1), newRecordingConn(p2)
	client, server := tls.Client(cr, ccfg), tls.Server(sr, scfg)

	serverDone := make(chan error, 1)
	go func() {
		err := server.Handshake()
		if err == nil {
			_, err = server.Write([]byte("ok"))
		}
		serverDone <- err
	}()
	var run handshakeRun
	run.clientErr = client.Handshake()
	if run.clientErr == nil {
		_, run.clientErr = io.ReadFull(client, make([]byte, 2))
	} else {
		// Let the server see the client's alert, or give up.
		p1.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	}
	if run.clientErr != nil {
		p1.Close()
	}
	run.serverErr = <-serverDone
	run.state = client.ConnectionState()
	p1.Close()
	p2.Close()
	close(cr.out)
	close(sr.out)
	<-cr.done
	<-sr.done
	run.client, run.server = cr.written(), sr.written()
	return run
}

// verdictOf scans both recorded directions, in chunks of n bytes.
func verdictOf(t *testing.T, run handshakeRun, n int) (Verdict, *Scanner, *Scanner) {
	t.Helper()
	var c, s Scanner
	feed(&c, run.client, n)
	feed(&s, run.server, n)
	return Decide(&c, &s), &c, &s
}

func tlsConfigs(t testing.TB, version uint16) (client, server *tls.Config) {
	t.Helper()
	cert, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	client = &tls.Config{
		ServerName: testServerName, RootCAs: roots, NextProtos: []string{"ftp"},
		MinVersion: version, MaxVersion: version,
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
	}
	server = &tls.Config{
		Certificates: []tls.Certificate{cert}, NextProtos: []string{"ftp"},
		MinVersion: version, MaxVersion: version,
	}
	return client, server
}

func otherTicketKeys(cfg *tls.Config) *tls.Config {
	c := cfg.Clone()
	var key [32]byte
	rand.Read(key[:])
	c.SetSessionTicketKeys([][32]byte{key})
	return c
}

func TestRealHandshakes(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		name := Version(version).String()
		mech := ByTicket
		if version == tls.VersionTLS13 {
			mech = ByPSK
		}
		t.Run(name, func(t *testing.T) {
			ccfg, scfg := tlsConfigs(t, version)
			scfg.SetSessionTicketKeys([][32]byte{{1, 2, 3}})
			other := otherTicketKeys(scfg)
			steps := []realStep{
				{name: "first connection is full", client: ccfg, server: scfg, want: Full},
				{name: "second connection resumes", client: ccfg, server: scfg, want: Resumed, offered: mech, used: mech},
				// require_ssl_reuse against a client that does not reuse
				// sessions, such as Python's ftplib.
				{name: "client without a session cache", client: noCache(ccfg), server: scfg, want: Full},
				// The server lost the session (restart, other worker).
				{name: "server refuses the ticket", client: ccfg, server: other, want: Refused, offered: mech},
				{name: "client resumes with the new ticket", client: ccfg, server: other, want: Resumed, offered: mech, used: mech},
			}
			if version == tls.VersionTLS13 {
				hrr := other.Clone()
				hrr.CurvePreferences = []tls.CurveID{tls.CurveP256} // not among the client's key shares
				steps = append(steps,
					realStep{name: "hello retry request, full", client: noCache(ccfg), server: hrr, want: Full, helloRetry: true},
					realStep{name: "hello retry request, psk survives", client: ccfg, server: hrr, want: Resumed, offered: ByPSK, used: ByPSK, helloRetry: true},
				)
			}
			for _, st := range steps {
				run := runHandshake(t, st.client, st.server)
				if run.clientErr != nil || run.serverErr != nil {
					t.Fatalf("%s: handshake failed: client %v, server %v", st.name, run.clientErr, run.serverErr)
				}
				if got := run.state.DidResume; got != (st.want == Resumed) {
					t.Fatalf("%s: crypto/tls DidResume %v; the scenario is wrong", st.name, got)
				}
				for _, chunk := range []int{0, 1, 5, 1448} {
					v, cs, ss := verdictOf(t, run, chunk)
					want := Verdict{Resumption: st.want, Offered: st.offered, Used: st.used, Version: Version(run.state.Version), HelloRetry: st.helloRetry}
					checkVerdict(t, v, want, nil)
					if t.Failed() {
						t.Fatalf("%s, chunk %d: client %d bytes, server %d bytes", st.name, chunk, len(run.client), len(run.server))
					}
					if !cs.Done() || !ss.Done() || cs.Err() != nil || ss.Err() != nil {
						t.Errorf("%s: scanners not cleanly done: client %v/%v server %v/%v", st.name, cs.Done(), cs.Err(), ss.Done(), ss.Err())
					}
					ch := cs.ClientHello()
					if string(ch.ServerName()) != testServerName {
						t.Errorf("%s: SNI %q", st.name, ch.ServerName())
					}
					for p := range ch.ALPN() {
						if string(p) != "ftp" {
							t.Errorf("%s: ALPN %q", st.name, p)
						}
					}
					if version == tls.VersionTLS12 && string(ss.ServerHello().ALPN()) != "ftp" {
						t.Errorf("%s: server ALPN %q", st.name, ss.ServerHello().ALPN())
					}
				}
			}
		})
	}
}

type realStep struct {
	name           string
	client, server *tls.Config
	want           Resumption
	offered, used  Mechanism
	helloRetry     bool
}

func noCache(c *tls.Config) *tls.Config {
	c = c.Clone()
	c.ClientSessionCache = nil
	return c
}

// TestRealAlerts checks the plaintext alerts crypto/tls sends when a
// handshake fails before encryption starts.
func TestRealAlerts(t *testing.T) {
	t.Run("client rejects an untrusted certificate", func(t *testing.T) {
		ccfg, scfg := tlsConfigs(t, tls.VersionTLS12)
		ccfg.RootCAs = x509.NewCertPool()
		run := runHandshake(t, ccfg, scfg)
		if run.clientErr == nil {
			t.Fatal("handshake succeeded with an untrusted certificate")
		}
		v, _, _ := verdictOf(t, run, 7)
		want := Verdict{Resumption: Full, Version: VersionTLS12, ClientAlert: Alert{2, 42}} // crypto/tls sends bad_certificate
		checkVerdict(t, v, want, nil)
	})
	t.Run("server refuses the version", func(t *testing.T) {
		ccfg, _ := tlsConfigs(t, tls.VersionTLS12)
		_, scfg := tlsConfigs(t, tls.VersionTLS13)
		run := runHandshake(t, ccfg, scfg)
		if run.serverErr == nil {
			t.Fatal("TLS 1.3-only server accepted a TLS 1.2-only client")
		}
		v, _, _ := verdictOf(t, run, 3)
		want := Verdict{Resumption: Unknown, ServerAlert: Alert{2, 70}}
		checkVerdict(t, v, want, ErrIncomplete)
	})
}
