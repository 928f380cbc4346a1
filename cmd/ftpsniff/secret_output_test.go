package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// secretShapes is a session holding every kind of secret the outputs
// mask besides a PASS: a reply that repeats a masked line, paired
// (echo-500.pcap) and unpaired, a SITE PSWD argument (site-pswd.pcap), and a
// line taken for a password that reads like a transfer, with a data
// connection naming it (secret-transfer-line.pcap; the tracker no longer
// links one, the JSON data record masks it all the same).
func secretShapes() (*track.Session, []*track.Command, *track.DataConn, *track.Event, []string) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.0.2.1:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21"), Start: t0, User: "bob"}
	reply := func(code int, text string, secret bool) track.Reply {
		return track.Reply{Code: code, Text: text, Lines: []string{fmt.Sprintf("%d %s", code, text)}, TS: t0, Secret: secret}
	}
	echo := &track.Command{Index: 2, TS: t0, Verb: "HUNTER2ECHO", Secret: true, Status: track.StatusAnswered,
		Replies: []track.Reply{reply(500, "HUNTER2ECHO: command not understood.", true)}}
	site := &track.Command{Index: 3, TS: t0, Verb: "SITE", Arg: "PSWD OldSecret1 NewSecret2", SecretArg: true, Status: track.StatusAnswered,
		Replies: []track.Reply{reply(230, "Password changed okay.", false)}}
	retr := &track.Command{Index: 4, TS: t0, Verb: "RETR", Arg: "SECRETD1", Secret: true, Status: track.StatusAnswered,
		Replies: []track.Reply{reply(226, "done", false)}}
	d := &track.DataConn{ID: 1, Session: s, Command: retr, ExpectedSize: -1}
	ev := &track.Event{Kind: track.EventReplyNoCommand, TS: t0, Code: 500, Text: "PASS\tTABSECRET9: command not understood.", Secret: true}
	return s, []*track.Command{echo, site, retr}, d, ev, []string{"HUNTER2ECHO", "TABSECRET9", "OldSecret1", "NewSecret2", "SECRETD1"}
}

// TestSecretsMaskedInOutputs: text, JSON and zeek mask a reply that
// repeats a password line, a SITE PSWD's passwords (keeping "SITE PSWD")
// and a password line's transfer-like verb and argument, unless
// --show-passwords.
func TestSecretsMaskedInOutputs(t *testing.T) {
	for _, show := range []bool{false, true} {
		outs := map[string]string{}
		{
			s, cs, _, ev, _ := secretShapes()
			var buf bytes.Buffer
			bw := bufio.NewWriter(&buf)
			o := newTextOutput(bw, newPalette(false), show)
			for _, c := range cs {
				o.command(s, c)
			}
			o.event(s, ev)
			bw.Flush()
			outs["text"] = buf.String()
		}
		{
			s, cs, d, ev, _ := secretShapes()
			var buf bytes.Buffer
			bw := bufio.NewWriter(&buf)
			o := newJSONOutput(bw, show)
			for _, c := range cs {
				o.Command(s, c)
			}
			o.Data(s, d)
			o.Event(s, ev)
			if err := o.Flush(); err != nil {
				t.Fatal(err)
			}
			outs["json"] = buf.String()
		}
		{
			s, cs, _, _, _ := secretShapes()
			var buf bytes.Buffer
			bw := bufio.NewWriter(&buf)
			o := newZeekOutput(bw, show, idOptions{})
			o.notes = io.Discard
			for _, c := range cs {
				o.Command(s, c)
			}
			o.SessionEnd(s)
			bw.Flush()
			outs["zeek"] = buf.String()
		}
		_, _, _, _, secrets := secretShapes()
		for name, out := range outs {
			for _, sec := range secrets {
				if name == "zeek" && sec == "TABSECRET9" {
					continue // zeek writes no events
				}
				if strings.Contains(strings.ToUpper(out), strings.ToUpper(sec)) != show {
					t.Errorf("%s --show-passwords=%v: %q shown %v:\n%s", name, show, sec, !show, out)
				}
			}
		}
		if show {
			continue
		}
		for name, want := range map[string][]string{
			"text": {"SITE PSWD ********", "500 ********" + echoNote, "--> 500 ******** (hidden"},
			"json": {`"arg":"PSWD ********"`, `"text":"********","masked":true`},
			"zeek": {`"arg":"PSWD <hidden>"`, `"reply_msg":"<hidden>"`},
		} {
			for _, w := range want {
				if !strings.Contains(outs[name], w) {
					t.Errorf("%s lacks %q:\n%s", name, w, outs[name])
				}
			}
		}
	}
}
