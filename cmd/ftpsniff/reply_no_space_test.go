package main

import (
	"strings"
	"testing"
	"time"
)

// replyNoSpace writes the shape of rv-servers reply-no-space.pcap: a
// server that writes no space after its reply codes ("227Entering
// Passive Mode (...)"), whose passive data connection's SYNs go
// unanswered.
func replyNoSpace(t *testing.T) string {
	c, path := newWireCap(t)
	s := openWireSession(c)
	s.reply("220FTP server ready")
	s.cmd("USER bob")
	s.reply("331Password required")
	s.cmd("PASS secret")
	s.reply("230User logged in")
	s.cmd("PASV")
	s.reply("227Entering Passive Mode (10,0,0,1,156,64)")
	s.cmd("RETR a.bin")
	k := &s.data
	for i := range 4 {
		c.wait(time.Duration(1<<i) * time.Second)
		c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
	}
	c.wait(10 * time.Second)
	s.reply("425Can't open data connection")
	s.quit()
	return path
}

// TestReplyNoSpaceQuotedAndNoHelper: evidence quotes such a 227 as sent
// (no space added), and the advice never offers the Linux FTP helper,
// which matches "227 " with the space and so never sees this one: it
// says why and to fix the server or open the range; --helper linux's
// finding says why the helper found nothing.
func TestReplyNoSpaceQuotedAndNoHelper(t *testing.T) {
	path := replyNoSpace(t)
	const sent = `"227Entering Passive Mode (10,0,0,1,156,64)"`
	var saw int
	for _, helper := range []bool{false, true} {
		args := []string{"read", "--json", path}
		if helper {
			args = append(args, "--helper", "linux")
		}
		for _, r := range runJSONRecordsOK(t, args...) {
			if r["type"] != "finding" {
				continue
			}
			code, ev, adv, msg := r["code"], str(r["evidence"]), str(r["advice"]), str(r["message"])
			switch code {
			case "data-unanswered":
				saw++
				if !strings.Contains(ev, sent) || strings.Contains(ev, `"227 Entering`) {
					t.Errorf("evidence does not quote the 227 as sent (%s): %s", sent, ev)
				}
				if strings.Contains(adv, "relies on the FTP conntrack helper") || strings.Contains(adv, "--helper ftp") {
					t.Errorf("advice offers the helper, which cannot read this 227: %s", adv)
				}
				if !strings.Contains(adv, "has no space after its code") || !strings.Contains(adv, "write a space after its reply codes") {
					t.Errorf("advice does not say why no helper reads it and to fix the server: %s", adv)
				}
			case "helper-would-block":
				saw++
				if !strings.Contains(msg, "no space after its code") {
					t.Errorf("helper-would-block does not say why the helper found nothing: %s", msg)
				}
			}
		}
	}
	if saw != 3 {
		t.Errorf("saw %d data-unanswered and helper-would-block findings, want 3", saw)
	}
}

func str(v any) string { s, _ := v.(string); return s }

// TestTLSRequiredQuotesReplyAsSent: control-tls-required quotes IIS's
// multi-line 534 as the other findings quote replies (replyText): its
// terminator keeps its code ("534 End"), its lines joined on one line
// (rv-servers iis-534-policy.pcap gave "534 Policy requires SSL.\n ...
// \nEnd").
func TestTLSRequiredQuotesReplyAsSent(t *testing.T) {
	c, path := newWireCap(t)
	s := openWireSession(c)
	s.reply("220 Microsoft FTP Service")
	s.cmd("USER dave")
	s.reply("534-Policy requires SSL.\r\n Win32 error:   Access is denied.\r\n534 End")
	s.quit()
	const want = `"534-Policy requires SSL.  Win32 error:   Access is denied. 534 End"`
	saw := false
	for _, r := range runJSONRecordsOK(t, "read", "--json", path) {
		if r["type"] != "finding" || r["code"] != "control-tls-required" {
			continue
		}
		saw = true
		if msg, ev := str(r["message"]), str(r["evidence"]); !strings.Contains(msg, want) || !strings.Contains(ev, want) {
			t.Errorf("control-tls-required does not quote %s:\nmessage: %s\nevidence: %s", want, msg, ev)
		}
	}
	if !saw {
		t.Error("no control-tls-required finding")
	}
}
