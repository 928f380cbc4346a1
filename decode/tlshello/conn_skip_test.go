package tlshello

import (
	"errors"
	"testing"
)

// TestConnSkip guards Skip: bytes the capture does not hold are passed
// over when they lie inside a record whose header was read, and the walk
// goes on to the next header; a span that reaches into a header (or the
// rest of one partly read) loses the direction.
func TestConnSkip(t *testing.T) {
	ch := records(recHandshake, clientHello(clientOpts{}), 0)
	sh := records(recHandshake, cat(serverHello(serverOpts{}), flight12()), 0)
	cert := records(recHandshake, handshakeMsg(msgCertificate, seq(1400, 3)), 0)
	srvFin := cat(ccsRecord(), records(recHandshake, seq(40, 0), 0))
	alert12 := records(recAlert, seq(26, 0), 0)

	tests := []struct {
		name string
		// before: the server's bytes fed, then skip of them left out,
		// then after fed (the client's hello and the server's hello come
		// first, whole).
		before []byte
		skip   int
		after  []byte
		wantOK bool
		want   Content
	}{
		{"inside a record's body", cert[:100], len(cert) - 100 - 30, cat(cert[len(cert)-30:], srvFin, alert12), true, ContentHandshakeOnly},
		{"to the end of a record's body", cert[:62], len(cert) - 62, cat(srvFin, alert12), true, ContentHandshakeOnly},
		{"nothing", cert, 0, cat(srvFin, alert12), true, ContentHandshakeOnly},
		{"the body, then application data", cert[:62], len(cert) - 62, prot(4664), true, ContentApplicationData},
		{"across the next record's header", cert[:62], len(cert) - 62 + 1, cat(srvFin[1:], alert12), false, ContentUnknown},
		{"a whole record", nil, len(cert), cat(srvFin, alert12), false, ContentUnknown},
		{"the rest of a header", cert[:3], len(cert) - 3, cat(srvFin, alert12), false, ContentUnknown},
		{"inside the last record, which ends unseen", cert[:62], 100, nil, true, ContentUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Conn
			c.Feed(0, ch)
			c.Feed(1, sh)
			c.Feed(1, tc.before)
			if ok := c.Skip(1, tc.skip); ok != tc.wantOK {
				t.Errorf("Skip(%d) = %v, want %v", tc.skip, ok, tc.wantOK)
			}
			if !tc.wantOK && c.Wants(1) {
				t.Errorf("the direction still wants bytes after a failed Skip")
			}
			c.Feed(1, tc.after)
			if got := c.Verdict().Content; got != tc.want {
				t.Errorf("content %v, want %v", got, tc.want)
			}
		})
	}
}

// TestConnSkipStopsUnfinishedHello guards the hello Scanner: bytes missing
// inside a hello leave it unread (ErrIncomplete), never parsed from the
// bytes after the gap; a hello read before the gap stays read.
func TestConnSkipStopsUnfinishedHello(t *testing.T) {
	ch := records(recHandshake, clientHello(clientOpts{sni: "ftp.example.net"}), 0)
	sh := records(recHandshake, cat(serverHello(serverOpts{}), flight12()), 0)

	var c Conn
	c.Feed(0, ch[:40])
	if !c.Skip(0, len(ch)-40) {
		t.Fatal("Skip inside the ClientHello's record refused")
	}
	c.Feed(1, sh)
	if c.Scanner(0).ClientHello() != nil {
		t.Error("a ClientHello read across missing bytes")
	}
	if sc := c.Scanner(0); !sc.Done() || sc.Err() != nil {
		t.Errorf("client scanner after the gap: done %v, error %v; want stopped without an error", sc.Done(), sc.Err())
	}
	if v := Decide(c.Scanner(0), nil); v.Resumption != Unknown || !errors.Is(v.Reason, ErrIncomplete) {
		t.Errorf("verdict %v (%v), want unknown, incomplete", v.Resumption, v.Reason)
	}

	var d Conn
	d.Feed(0, ch)
	d.Feed(1, sh[:len(sh)-2])
	d.Skip(1, 2)
	if d.Scanner(0).ClientHello() == nil || d.Scanner(1).ServerHello() == nil {
		t.Error("hellos read before the missing bytes were dropped")
	}
}

// TestConnSkipAfterStop: once the walk has stopped (application data),
// Skip changes nothing and reports that nothing is followed.
func TestConnSkipAfterStop(t *testing.T) {
	var c Conn
	c.Feed(0, records(recHandshake, clientHello(clientOpts{}), 0))
	c.Feed(1, cat(records(recHandshake, cat(serverHello(serverOpts{}), flight12()), 0), prot(100)))
	if c.Skip(1, 10) {
		t.Error("Skip reported the walk going on after it stopped")
	}
	if got := c.Verdict().Content; got != ContentApplicationData {
		t.Errorf("content %v after Skip, want application data", got)
	}
}

func TestConnSkipAllocationFree(t *testing.T) {
	ch := records(recHandshake, clientHello(clientOpts{}), 0)
	sh := records(recHandshake, cat(serverHello(serverOpts{}), flight12()), 0)
	cert := records(recHandshake, handshakeMsg(msgCertificate, seq(1400, 3)), 0)
	var c Conn
	allocs := testing.AllocsPerRun(100, func() {
		c = Conn{}
		c.Feed(0, ch)
		c.Feed(1, sh)
		c.Feed(1, cert[:62])
		c.Skip(1, len(cert)-62)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per connection", allocs)
	}
}
