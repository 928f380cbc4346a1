package diagnose

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// runPcapRange is runPcap with a firewall passive range.
func runPcapRange(t *testing.T, b *pcapBuilder, rs string) ([]*track.DataConn, []*Finding) {
	t.Helper()
	ranges, err := policy.ParsePortRanges(rs)
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.OpenReader("built", bytes.NewReader(b.buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := &collect{}
	var data dataSink
	trk := track.New(New(policy.Policy{Ranges: ranges}, &data, c), track.Options{})
	dec := decode.New(trk, decode.Options{})
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	return data, c.fs
}

// cutReply sends the server's line, the capture keeping only its first
// visible bytes (a snap length cutting the frame).
func (c *tcpConn) cutReply(line string, visible int) {
	snap := c.b.snap
	c.b.snap = 14 + 20 + 20 + visible
	c.b.write(c.data(false, line+"\r\n"))
	c.b.snap = snap
	c.ack(true)
	c.b.wait(time.Millisecond)
}

// TestUnreadAnnouncementRefusesContradictedSYN guards the connection
// taken for a PASV or EPSV whose reply the snap length cut: what shows of
// the reply must not name another address or port than the SYN's. A 227
// cut to "(192" names a host other than the server (10.0.0.1): the
// client's data SYNs went there, outside the capture, and its web
// request to 10.0.0.1:8080 two seconds later is not the data connection
// (it was taken, with a false port-outside-range warning, and the
// verdict told the admin to change the server's passive range).
func TestUnreadAnnouncementRefusesContradictedSYN(t *testing.T) {
	const cli, srv = "10.0.0.5:50001", "10.0.0.1:21"
	for _, tc := range []struct {
		name    string
		verb    string
		reply   string
		visible int
		to      string
	}{
		{"227 naming another host", "PASV", "227 Entering Passive Mode (192,168,7,1,156,65).", 30, "10.0.0.1:8080"},
		{"227 p1 naming another port", "PASV", "227 Entering Passive Mode (10,0,0,1,157,65).", 39, "10.0.0.1:40001"},
		{"229 malformed, naming another port", "EPSV", "229 Entering Extended Passive Mode (|||40002)", 45, "10.0.0.1:40001"},
		{"229 digits not the port's", "EPSV", "229 Entering Extended Passive Mode (|||40003|).", 41, "10.0.0.1:8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newPcapBuilder(t, 65535)
			k := b.loggedIn(cli, srv)
			k.send(true, tc.verb+"\r\n")
			k.cutReply(tc.reply, tc.visible)
			k.send(true, "LIST\r\n")
			b.wait(2 * time.Second)
			h := b.conn("10.0.0.5:50003", tc.to, 9000)
			h.handshake()
			h.send(true, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			h.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
			h.fin(true)
			b.wait(5 * time.Second)
			k.send(false, "425 Failed to establish connection.\r\n")
			k.exchange("QUIT", "221 Goodbye.")
			k.fin(false)
			data, findings := runPcapRange(t, b, "40000-41000")
			for _, dc := range data {
				if dc.SYNs > 0 || dc.Client.IsValid() {
					t.Errorf("data %v %v from %v: taken though the reply shows %q", dc.Announced, dc.Outcome, dc.Client, tc.reply[:tc.visible])
				}
			}
			for _, f := range findings {
				if f.Code == CodePortOutsideRange {
					t.Errorf("finding %s: %s", f.Code, f.Message)
				}
			}
		})
	}
}

// TestUnreadAnnouncementOfParallelSessions guards two sessions of one
// client to one server at once (FileZilla's pattern), both 227s cut by
// the snap length before their ports: a SYN to the server may be either
// session's, so none is taken. One session read "data: none" and the
// other got the first session's connection (a false shortfall, and
// --extract wrote a.txt's bytes under b.txt's name).
func TestUnreadAnnouncementOfParallelSessions(t *testing.T) {
	b := newPcapBuilder(t, 65535)
	ka := b.loggedIn("10.0.0.5:50001", "10.0.0.1:21")
	kb := b.conn("10.0.0.5:50002", "10.0.0.1:21", 9000)
	kb.handshake()
	kb.send(false, "220 (vsFTPd 3.0.5)\r\n")
	kb.exchange("USER bob", "331 Please specify the password.")
	kb.exchange("PASS pw", "230 Login successful.")
	ka.send(true, "PASV\r\n")
	kb.send(true, "PASV\r\n")
	ka.cutReply("227 Entering Passive Mode (10,0,0,1,156,65).", 30)
	kb.cutReply("227 Entering Passive Mode (10,0,0,1,156,66).", 30)
	da := b.conn("10.0.0.5:50011", "10.0.0.1:40001", 20000)
	db := b.conn("10.0.0.5:50012", "10.0.0.1:40002", 40000)
	da.handshake()
	ka.send(true, "RETR a.txt\r\n")
	db.handshake()
	kb.send(true, "RETR b.txt\r\n")
	ka.send(false, "150 Opening BINARY mode data connection for a.txt (100 bytes).\r\n")
	da.send(false, strings.Repeat("x", 100))
	da.fin(false)
	ka.send(false, "226 Transfer complete.\r\n")
	kb.send(false, "150 Opening BINARY mode data connection for b.txt (200 bytes).\r\n")
	db.send(false, strings.Repeat("y", 200))
	db.fin(false)
	kb.send(false, "226 Transfer complete.\r\n")
	ka.exchange("QUIT", "221 Goodbye.")
	ka.fin(false)
	kb.exchange("QUIT", "221 Goodbye.")
	kb.fin(false)
	data, _ := runPcap(t, b)
	for _, dc := range data {
		if dc.SYNs > 0 || dc.Client.IsValid() {
			t.Errorf("session %d's data %v from %v (%d bytes) taken: it may be either session's", dc.Session.ID, dc.Announced, dc.Client, dc.Bytes[1])
		}
	}
}

// TestPortSeenIsNotJudgedAgainstRange guards the connection taken for a
// 227 cut after its p1, which fits: it is marked PortSeen, and its port,
// never seen announced, raises no port-outside-range.
func TestPortSeenIsNotJudgedAgainstRange(t *testing.T) {
	b := newPcapBuilder(t, 65535)
	k := b.loggedIn("10.0.0.5:50001", "10.0.0.1:21")
	k.send(true, "PASV\r\n")
	k.cutReply("227 Entering Passive Mode (10,0,0,1,156,65).", 39)
	d := b.conn("10.0.0.5:50011", "10.0.0.1:40001", 20000)
	d.handshake()
	k.send(true, "RETR a.txt\r\n")
	k.send(false, "150 Opening BINARY mode data connection for a.txt (100 bytes).\r\n")
	d.send(false, strings.Repeat("x", 100))
	d.fin(false)
	k.send(false, "226 Transfer complete.\r\n")
	k.exchange("QUIT", "221 Goodbye.")
	k.fin(false)
	data, findings := runPcapRange(t, b, "30000-31000")
	if len(data) != 1 || !data[0].PortSeen || data[0].Announced.Port() != 40001 || data[0].Outcome != track.OutcomeTransferred {
		for _, dc := range data {
			t.Logf("data %v %v PortSeen %v", dc.Announced, dc.Outcome, dc.PortSeen)
		}
		t.Fatalf("%d data connections; want the one to 40001, transferred, PortSeen", len(data))
	}
	for _, f := range findings {
		if f.Code == CodePortOutsideRange {
			t.Errorf("finding %s: %s", f.Code, f.Message)
		}
	}
}

// TestUnreadAnnouncementTakesNoControlConnection guards a server whose
// control port is unprivileged (2121): the client's second control
// connection to it, right after a 227 cut before its port, is not the
// 227's data connection (it was taken: "data #1 PASV 10.0.0.1:2121
// transferred").
func TestUnreadAnnouncementTakesNoControlConnection(t *testing.T) {
	b := newPcapBuilder(t, 65535)
	k := b.loggedIn("10.0.0.5:50001", "10.0.0.1:2121")
	k.send(true, "PASV\r\n")
	k.cutReply("227 Entering Passive Mode (10,0,0,1,156,65).", 30)
	k.send(true, "LIST\r\n")
	b.wait(2 * time.Second)
	k2 := b.conn("10.0.0.5:50002", "10.0.0.1:2121", 9000)
	k2.handshake()
	k2.send(false, "220 (vsFTPd 3.0.5)\r\n")
	k2.exchange("QUIT", "221 Goodbye.")
	k2.fin(false)
	b.wait(5 * time.Second)
	k.send(false, "425 Failed to establish connection.\r\n")
	k.exchange("QUIT", "221 Goodbye.")
	k.fin(false)
	data, _ := runPcap(t, b)
	for _, dc := range data {
		if dc.SYNs > 0 || dc.Client.IsValid() {
			t.Errorf("data %v %v from %v: the second control connection taken for it", dc.Announced, dc.Outcome, dc.Client)
		}
	}
}
