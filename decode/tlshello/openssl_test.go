package tlshello

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOpenSSLResumption cross-checks the parser against OpenSSL, the
// library behind vsftpd and most FTPS servers, and the only way here to
// produce TLS 1.2 session-ID resumption (crypto/tls does tickets only).
// openssl s_client talks to openssl s_server on 127.0.0.1 through a
// recording proxy; the second connection resumes with -sess_in. Skipped
// without an openssl binary, or with -short.
func TestOpenSSLResumption(t *testing.T) {
	if testing.Short() {
		t.Skip("starts openssl processes")
	}
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	certFile, keyFile := writeTestCert(t)
	tests := []struct {
		name    string
		args    []string // for both s_server and s_client
		mech    Mechanism
		version Version
	}{
		{"tls1.2 session id", []string{"-tls1_2", "-no_ticket"}, BySessionID, VersionTLS12},
		{"tls1.2 ticket", []string{"-tls1_2"}, ByTicket, VersionTLS12},
		{"tls1.3 psk", []string{"-tls1_3"}, ByPSK, VersionTLS13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			serverAddr := startSServer(t, ctx, bin, certFile, keyFile, tc.args)
			proxy := startRecordingProxy(t, serverAddr)
			sess := filepath.Join(t.TempDir(), "sess.pem")
			for i, want := range []Resumption{Full, Resumed} {
				args := append([]string{"s_client", "-connect", proxy.addr, "-servername", testServerName}, tc.args...)
				if i == 0 {
					args = append(args, "-sess_out", sess)
				} else {
					args = append(args, "-sess_in", sess)
				}
				cmd := exec.CommandContext(ctx, bin, args...)
				// Hold stdin open until the session is saved (a TLS 1.3
				// ticket comes after the handshake), or briefly on the
				// resuming run; s_client closes on EOF.
				eof := &slowEOF{d: 500 * time.Millisecond}
				if i == 0 {
					eof.waitFile = sess
				}
				cmd.Stdin = eof
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("s_client: %v\n%s", err, out)
				}
				reused := bytes.Contains(out, []byte("\nReused, "))
				if reused != (want == Resumed) {
					t.Fatalf("s_client run %d: Reused %v; the scenario is wrong\n%s", i, reused, out)
				}
				conn := proxy.next(t)
				var c, s Scanner
				feed(&c, conn.client, 0)
				feed(&s, conn.server, 0)
				v := Decide(&c, &s)
				wantV := Verdict{Resumption: want, Version: tc.version}
				if want == Resumed {
					wantV.Offered, wantV.Used = tc.mech, tc.mech
				}
				checkVerdict(t, v, wantV, nil)
				if h := c.ClientHello(); h == nil || string(h.ServerName()) != testServerName {
					t.Errorf("run %d: SNI not read", i)
				}
			}
		})
	}
}

func writeTestCert(t *testing.T) (certFile, keyFile string) {
	cert, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// startSServer starts openssl s_server on an ephemeral loopback port for two
// connections and returns its address; cleanup kills it by its PID.
func startSServer(t *testing.T, ctx context.Context, bin, certFile, keyFile string, args []string) string {
	all := append([]string{"s_server", "-accept", "127.0.0.1:0", "-naccept", "2", "-cert", certFile, "-key", keyFile}, args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("s_server stderr:\n%s", stderr.Bytes())
		}
	})
	// s_server ends a connection when its stdin reaches EOF: hold it open.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = stdinR
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdinR.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		stdinW.Close()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ACCEPT "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("s_server exited without listening")
		}
		return a
	case <-ctx.Done():
		t.Fatal("s_server did not start")
	}
	return ""
}

type recordingProxy struct {
	addr  string
	conns chan proxied
}

// proxied is one connection through the proxy: the bytes each way, and
// both ways in the order the proxy read them (a capture point's order).
type proxied struct {
	client, server []byte
	steps          []connStep
}

func startRecordingProxy(t *testing.T, upstream string) *recordingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &recordingProxy{addr: ln.Addr().String(), conns: make(chan proxied, 2)}
	go func() {
		for range 2 {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				down.Close()
				return
			}
			var wg sync.WaitGroup
			var c2s, s2c bytes.Buffer
			log := &wireLog{}
			pump := func(dst, src net.Conn, buf *bytes.Buffer, client bool) {
				defer wg.Done()
				b := make([]byte, 32<<10)
				for {
					n, err := src.Read(b)
					if n > 0 {
						// Logged before it is passed on: the peer's answer
						// comes after it in the log.
						log.add(client, b[:n])
						buf.Write(b[:n])
						if _, werr := dst.Write(b[:n]); werr != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				dst.(*net.TCPConn).CloseWrite()
			}
			wg.Add(2)
			go pump(up, down, &c2s, true)
			go pump(down, up, &s2c, false)
			wg.Wait()
			up.Close()
			down.Close()
			p.conns <- proxied{client: c2s.Bytes(), server: s2c.Bytes(), steps: log.steps}
		}
	}()
	return p
}

func (p *recordingProxy) next(t *testing.T) proxied {
	select {
	case c := <-p.conns:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("proxied connection did not finish")
	}
	return proxied{}
}

// slowEOF is a stdin that reaches EOF after a delay, or once waitFile
// exists (polled for at most 15 s).
type slowEOF struct {
	d        time.Duration
	waitFile string
}

func (s *slowEOF) Read([]byte) (int, error) {
	if s.waitFile == "" {
		time.Sleep(s.d)
		return 0, io.EOF
	}
	for range 300 {
		if fi, err := os.Stat(s.waitFile); err == nil && fi.Size() > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let s_client finish writing it
	return 0, io.EOF
}

// TestOpenSSLContent cross-checks Conn's content rule against OpenSSL,
// the library of vsftpd, ProFTPD and Pure-FTPd: a TLS 1.3 server that
// sends its two session tickets after the client's Finished. A connection
// that carries only the handshake (s_client closing at once, as a client
// whose data connection the server refuses) reads as handshake only; one
// that carries a line reads as application data. Skipped without an
// openssl binary, or with -short.
func TestOpenSSLContent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts openssl processes")
	}
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	certFile, keyFile := writeTestCert(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"tls1.3", []string{"-tls1_3"}},
		{"tls1.3 client certificate requested", []string{"-tls1_3", "-verify", "1"}},
		{"tls1.2", []string{"-tls1_2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			serverArgs := tc.args
			clientArgs := []string{"-tls1_3"}
			if tc.name == "tls1.2" {
				clientArgs = []string{"-tls1_2"}
			}
			serverAddr := startSServer(t, ctx, bin, certFile, keyFile, serverArgs)
			proxy := startRecordingProxy(t, serverAddr)
			for _, line := range []string{"", "STOR of one line\n"} {
				args := append([]string{"s_client", "-connect", proxy.addr, "-servername", testServerName}, clientArgs...)
				cmd := exec.CommandContext(ctx, bin, args...)
				// The line, then EOF after a pause in which the tickets
				// arrive: s_client then sends close_notify and closes.
				cmd.Stdin = io.MultiReader(strings.NewReader(line), &slowEOF{d: 300 * time.Millisecond})
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("s_client: %v\n%s", err, out)
				}
				conn := proxy.next(t)
				var c Conn
				feedConn(&c, conn.steps, 0, 0)
				v := c.Verdict()
				want := ContentHandshakeOnly
				switch {
				case line != "":
					want = ContentApplicationData
				case tc.name != "tls1.2" && !equalTickets(conn.steps):
					// OpenSSL's two tickets can differ by a cipher block
					// (the session's encoding varies): the rule's limit
					// reads that as data, never the other way round.
					want = ContentApplicationData
				}
				if v.Resumption != Full || v.Content != want {
					t.Errorf("line %q: %v handshake, content %v; want full, %v\nrecords: %s", line, v.Resumption, v.Content, want, recordShapes(conn.steps))
				}
			}
		})
	}
}

// equalTickets reports whether the server's protected records after the
// client's first protected record, bar alert-sized ones (19 bytes under
// every suite OpenSSL offers by default), are of one length: its tickets.
func equalTickets(steps []connStep) bool {
	clientProtected := false
	var lens []int
	for _, st := range steps {
		for b := st.b; len(b) >= 5; {
			n := int(b[3])<<8 | int(b[4])
			if b[0] == recApplicationData {
				if st.client {
					clientProtected = true
				} else if clientProtected && n != alert13 {
					lens = append(lens, n)
				}
			}
			b = b[min(len(b), 5+n):]
		}
	}
	for _, n := range lens {
		if n != lens[0] {
			return false
		}
	}
	return true
}

// recordShapes lists each step's records as direction, type and length.
func recordShapes(steps []connStep) string {
	var out []string
	for _, st := range steps {
		who := "S"
		if st.client {
			who = "C"
		}
		for b := st.b; len(b) >= 5; {
			n := int(b[3])<<8 | int(b[4])
			out = append(out, who+strconv.Itoa(int(b[0]))+":"+strconv.Itoa(n))
			b = b[min(len(b), 5+n):]
		}
	}
	return strings.Join(out, " ")
}
