package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

// dialectSession is a control connection of a wireCap between client cli
// and server srv (port 21), logged in as user, whose passive transfers
// the test writes with transfer.
type dialectSession struct {
	c        *wireCap
	ctl      wireConn
	cli, srv netip.Addr
	port     uint16 // the client's next data port
}

func newDialectSession(c *wireCap, cli, srv, greeting, user string) *dialectSession {
	d := &dialectSession{c: c, cli: netip.MustParseAddr(cli), srv: netip.MustParseAddr(srv), port: 50001}
	d.ctl = wireConn{c: c, a: netip.AddrPortFrom(d.cli, 50000), b: netip.AddrPortFrom(d.srv, 21), aseq: 1000, bseq: 5000}
	d.ctl.handshake()
	d.reply(greeting)
	d.cmd("USER " + user)
	d.reply("331 Password required")
	d.cmd("PASS secret")
	d.reply("230 User logged in.")
	return d
}

func (d *dialectSession) cmd(line string)   { d.ctl.fromA([]byte(line + "\r\n")) }
func (d *dialectSession) reply(line string) { d.ctl.fromB([]byte(line + "\r\n")) }

// transfer answers verb with the announcement reply ann, then sends the
// transfer command: the client connects to the control address at port
// (whatever ann names), the server sends 200 bytes, and ends it with
// final.
func (d *dialectSession) transfer(verb, ann string, port uint16, command, final string) {
	d.cmd(verb)
	d.reply(ann)
	d.cmd(command)
	d.reply("150 Opening data connection.")
	data := wireConn{c: d.c, a: netip.AddrPortFrom(d.cli, d.port), b: netip.AddrPortFrom(d.srv, port), aseq: 70000 + uint32(d.port), bseq: 90000}
	d.port++
	data.handshake()
	data.fromB(wireBody(200))
	data.closeFromB()
	d.reply(final)
}

func (d *dialectSession) quit() {
	d.cmd("QUIT")
	d.reply("221 Goodbye.")
	d.ctl.closeFromB()
}

// TestUnusableAddressesEachWrittenOut: a busybox router's ftpd announces
// 0.0.0.0, then 127.0.0.1; the client ignores both and every transfer
// works. Each nat-mismatch is a warning (the capture has no error, so
// --fail-on error passes), and the second, naming another address, is
// written in full: it read "again, as above", pointing at text naming
// 0.0.0.0.
func TestUnusableAddressesEachWrittenOut(t *testing.T) {
	c, path := newWireCap(t)
	d := newDialectSession(c, "192.168.1.50", "192.168.1.1", "220 Operation successful", "admin")
	d.transfer("PASV", "227 PASV ok (0,0,0,0,156,65)", 40001, "RETR config.bin", "226 Operation successful")
	d.transfer("PASV", "227 Entering Passive Mode (127,0,0,1,156,66)", 40002, "RETR fw.img", "226 Transfer complete")
	d.quit()

	out, stderr, code := readText(t, "--fail-on", "error", path)
	if code != 0 {
		t.Errorf("--fail-on error: exit %d for a server whose every transfer worked: %s\n%s", code, stderr, out)
	}
	for _, want := range []string{
		"!! warning nat-mismatch: The server announces 0.0.0.0,",
		"!! warning nat-mismatch: The server announces 127.0.0.1,",
		"findings: 0 errors, 2 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "nat-mismatch: again, as above") {
		t.Errorf("the 127.0.0.1 announcement shown as a repeat of the 0.0.0.0 one:\n%s", out)
	}
}

// TestUserBackslashSameInEvidenceAndTranscript: a Windows domain user
// CONTOSO\alice is written with its backslash doubled in the session
// line and the USER line (everything from the wire is escaped); the
// cleartext-login evidence wrote it CONTOSO\alice.
func TestUserBackslashSameInEvidenceAndTranscript(t *testing.T) {
	c, path := newWireCap(t)
	d := newDialectSession(c, "192.168.50.20", "192.168.50.5", "220 Microsoft FTP Service", `CONTOSO\alice`)
	d.quit()
	out, _, _ := readText(t, path)
	for _, want := range []string{`user CONTOSO\\alice`, `<-- USER CONTOSO\\alice`, `evidence: USER CONTOSO\\alice,`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestEPSVReplyNamingAnAddressFlagged: a 229 that names an address,
// (|1|172.16.9.9|50104|), breaks RFC 2428 (the field must be empty): the
// JSON reply says so (anomaly epsv-fields), and the endpoint it
// announces is the control address at that port, where RFC 2428 and
// ftplib connect: the client's connection there matches it exactly (it
// matched by the control address before, the endpoint being the 229's
// address).
func TestEPSVReplyNamingAnAddressFlagged(t *testing.T) {
	c, path := newWireCap(t)
	d := newDialectSession(c, "10.40.0.10", "10.40.0.1", "220 FTP server ready.", "u")
	d.transfer("EPSV", "229 Entering Extended Passive Mode (|1|172.16.9.9|50104|)", 50104, "NLST", "226 Transfer complete.")
	d.transfer("EPSV", "229 Entering Extended Passive Mode (|||50105|)", 50105, "NLST", "226 Transfer complete.")
	d.quit()

	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	anomalies := map[string]string{}
	matches := map[float64]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var rec struct {
			Type    string `json:"type"`
			Command string `json:"command"`
			ID      float64
			Match   string `json:"match"`
			Outcome string `json:"outcome"`
			Replies []struct {
				Code    int    `json:"code"`
				Text    string `json:"text"`
				Anomaly string `json:"anomaly"`
			} `json:"replies"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		switch rec.Type {
		case "command":
			for _, r := range rec.Replies {
				if r.Code == 229 {
					anomalies[r.Text] = r.Anomaly
				}
			}
		case "data":
			matches[rec.ID] = rec.Match + " " + rec.Outcome
		}
	}
	if got := anomalies["Entering Extended Passive Mode (|1|172.16.9.9|50104|)"]; got != "epsv-fields" {
		t.Errorf("229 naming an address: anomaly %q, want epsv-fields", got)
	}
	if got := anomalies["Entering Extended Passive Mode (|||50105|)"]; got != "" {
		t.Errorf("229 as RFC 2428 writes it: anomaly %q, want none", got)
	}
	if matches[1] != "exact transferred" || matches[2] != "exact transferred" {
		t.Errorf("data connections: %v", matches)
	}
}
