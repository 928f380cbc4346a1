package tlshello

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// wireLog records what both ends of a connection wrote, in the order they
// wrote it: a write is logged before the peer can read it, so the log's
// order is one a capture point could show.
type wireLog struct {
	mu    sync.Mutex
	steps []connStep
}

func (l *wireLog) add(client bool, b []byte) {
	l.mu.Lock()
	l.steps = append(l.steps, connStep{client: client, b: bytes.Clone(b)})
	l.mu.Unlock()
}

// loggedConn logs its writes to a shared wireLog and hands them to the pipe
// from a goroutine (as recordingConn does, so both peers may write at once).
type loggedConn struct {
	net.Conn
	log    *wireLog
	client bool
	out    chan []byte
	done   chan struct{}
	once   sync.Once
}

func newLoggedConn(c net.Conn, log *wireLog, client bool) *loggedConn {
	l := &loggedConn{Conn: c, log: log, client: client, out: make(chan []byte, 256), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for b := range l.out {
			if _, err := c.Write(b); err != nil {
				for range l.out {
				}
				return
			}
		}
	}()
	return l
}

// Close delivers what was written, then closes the pipe: a TLS 1.2
// server's Finished and close_notify must reach the client before EOF.
func (l *loggedConn) Close() error {
	l.once.Do(func() {
		close(l.out)
		<-l.done
	})
	return l.Conn.Close()
}

// SetWriteDeadline is ignored: writes return at once, and the deadline
// crypto/tls sets to "now" after its close_notify would cut the pipe
// write of what is still queued.
func (l *loggedConn) SetWriteDeadline(time.Time) error { return nil }

func (l *loggedConn) Write(b []byte) (int, error) {
	l.log.add(l.client, b)
	l.out <- bytes.Clone(b)
	return len(b), nil
}

// runTransfer makes one crypto/tls connection that moves down bytes from
// server to client and up bytes from client to server (either may be 0:
// the handshake alone, as a server refusing the connection after it
// leaves it), then closes both ends with close_notify.
func runTransfer(t testing.TB, ccfg, scfg *tls.Config, down, up int) []connStep {
	t.Helper()
	p1, p2 := net.Pipe()
	deadline := time.Now().Add(20 * time.Second)
	p1.SetDeadline(deadline)
	p2.SetDeadline(deadline)
	log := &wireLog{}
	cl, sl := newLoggedConn(p1, log, true), newLoggedConn(p2, log, false)
	// A session cache of its own: the client asks for tickets (crypto/tls
	// sends none to a client without one) but has none to offer, so the
	// handshake is full.
	ccfg = ccfg.Clone()
	ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	client, server := tls.Client(cl, ccfg), tls.Server(sl, scfg)
	serverDone := make(chan error, 1)
	go func() {
		err := server.Handshake()
		if err == nil && up > 0 {
			_, err = io.ReadFull(server, make([]byte, up))
		}
		if err == nil && down > 0 {
			_, err = server.Write(bytes.Repeat([]byte{'x'}, down))
		}
		if err == nil {
			err = server.Close()
		}
		serverDone <- err
	}()
	err := client.Handshake()
	if err == nil && up > 0 {
		_, err = client.Write(bytes.Repeat([]byte{'y'}, up))
	}
	if err == nil {
		// Read to the server's close_notify: the tickets and the data.
		_, err = io.ReadAll(client)
	}
	if err == nil {
		err = client.Close()
	}
	if serr := <-serverDone; err != nil || serr != nil {
		t.Fatalf("transfer down %d up %d: client %v, server %v", down, up, err, serr)
	}
	cl.Close()
	sl.Close()
	return log.steps
}

// TestConnContentRealTLS runs crypto/tls connections that carry only the
// handshake, or a transfer of various sizes either way, and checks what
// Conn makes of their records: a transfer is never "handshake only", and
// the handshake alone is, wherever the rule on Conn can tell.
func TestConnContentRealTLS(t *testing.T) {
	sizes := []int{1, 2, 3, 100, 233, 1000, 20000}
	for _, tc := range []struct {
		name    string
		version uint16
		// clientAuth: the server asks for a client certificate, so
		// crypto/tls sends its one ticket after the client's Finished
		// (otherwise it sends it with its own flight).
		clientAuth bool
		// handshakeOnly: what the handshake alone reads as.
		handshakeOnly Content
	}{
		{"TLS 1.3", tls.VersionTLS13, false, ContentHandshakeOnly},
		// One ticket after the client's flight: a ticket or a small file,
		// which the rule leaves undecided.
		{"TLS 1.3 client certificate requested", tls.VersionTLS13, true, ContentUnknown},
		{"TLS 1.2", tls.VersionTLS12, false, ContentHandshakeOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ccfg, scfg := tlsConfigs(t, tc.version)
			if tc.clientAuth {
				scfg.ClientAuth = tls.RequestClientCert
			}
			check := func(what string, steps []connStep, ok func(Content) bool, want string) {
				t.Helper()
				for _, n := range []int{0, 7, 1448} {
					for _, clientDir := range []int{0, 1} {
						var c Conn
						feedConn(&c, steps, n, clientDir)
						v := c.Verdict()
						if v.Version != Version(tc.version) || v.Resumption != Full {
							t.Fatalf("%s: hellos read as %v %v (%v)", what, v.Version, v.Resumption, v.Reason)
						}
						if !ok(v.Content) {
							t.Errorf("%s, chunk %d: content %v, want %s", what, n, v.Content, want)
						}
					}
				}
			}
			check("handshake only", runTransfer(t, ccfg, scfg, 0, 0),
				func(c Content) bool { return c == tc.handshakeOnly }, tc.handshakeOnly.String())
			for _, n := range sizes {
				for _, dir := range []string{"download", "upload"} {
					down, up := n, 0
					if dir == "upload" {
						down, up = 0, n
					}
					steps := runTransfer(t, ccfg, scfg, down, up)
					check(dir+" of "+strconv.Itoa(n)+" bytes", steps,
						func(c Content) bool { return c != ContentHandshakeOnly }, "anything but handshake-only")
				}
			}
		})
	}
}
