package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestReplyCutOverLineBoundSaysSo: a reply whose line the line bound cut
// says by how much, as a cut command does: JSON `dropped_bytes` on the
// reply and on a reply event, text "[N bytes over the line limit
// dropped]", and the "(N more bytes)" shown cuts off says those are the
// kept bytes, not all the line held. Suricata's ftp-too-long-response
// 227 is 112,721 bytes, 4,096 kept: the reply used to carry nothing of
// the 108,625 others, its text saying "(3856 more bytes)" alone.
func TestReplyCutOverLineBoundSaysSo(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.0.2.1:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21"), Start: t0}
	line := "227 " + strings.Repeat("A", 4092)
	c := &track.Command{Index: 1, TS: t0, Verb: "PASV", Status: track.StatusAnswered,
		Replies: []track.Reply{{Code: 227, Text: line[4:], Lines: []string{line}, TS: t0, Dropped: 108625}}}
	ev := &track.Event{Kind: track.EventReplyNoCommand, TS: t0, Code: 200, Text: "ok" + strings.Repeat("B", 4090), Dropped: 777}

	var tb bytes.Buffer
	bw := bufio.NewWriter(&tb)
	o := newTextOutput(bw, newPalette(false), false)
	o.command(s, c)
	o.event(s, ev)
	bw.Flush()
	text := tb.String()
	for _, want := range []string{"(3856 more bytes kept)  [108625 bytes over the line limit dropped]", "[777 bytes over the line limit dropped]"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}

	var jb bytes.Buffer
	bw = bufio.NewWriter(&jb)
	j := newJSONOutput(bw, false)
	j.Command(s, c)
	j.Event(s, ev)
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	var cmd struct {
		Replies []struct {
			Code         int `json:"code"`
			DroppedBytes int `json:"dropped_bytes"`
		} `json:"replies"`
		DroppedBytes *int `json:"dropped_bytes"`
	}
	var evr struct {
		DroppedBytes int `json:"dropped_bytes"`
	}
	recs := bytes.Split(bytes.TrimSpace(jb.Bytes()), []byte("\n"))
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2:\n%s", len(recs), jb.String())
	}
	if err := json.Unmarshal(recs[0], &cmd); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(recs[1], &evr); err != nil {
		t.Fatal(err)
	}
	if len(cmd.Replies) != 1 || cmd.Replies[0].DroppedBytes != 108625 {
		t.Errorf("reply: %+v, want dropped_bytes 108625", cmd.Replies)
	}
	if cmd.DroppedBytes != nil {
		t.Errorf("the command's own line was whole, yet dropped_bytes %d", *cmd.DroppedBytes)
	}
	if evr.DroppedBytes != 777 {
		t.Errorf("reply event: dropped_bytes %d, want 777", evr.DroppedBytes)
	}
}

// TestTooLongResponseCorpus runs Suricata's ftp-too-long-response.pcap:
// its 227 is 112,721 bytes before CR LF (4,096 kept by the default
// --max-line), the same count the summary gives as line_bytes_dropped.
func TestTooLongResponseCorpus(t *testing.T) {
	const f = "../../../shared/corpus/suricata-verify/ftp-too-long-response.pcap"
	if _, err := os.Stat(f); err != nil {
		t.Skip("../shared/corpus is absent")
	}
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--json", f}, &stdout, &stderr)
	found := false
	for _, rec := range bytes.Split(stdout.Bytes(), []byte("\n")) {
		var r struct {
			Type    string `json:"type"`
			Command string `json:"command"`
			Replies []struct {
				Code         int `json:"code"`
				DroppedBytes int `json:"dropped_bytes"`
			} `json:"replies"`
		}
		if json.Unmarshal(rec, &r) != nil || r.Type != "command" || r.Command != "PASV" {
			continue
		}
		found = true
		if len(r.Replies) != 1 || r.Replies[0].Code != 227 || r.Replies[0].DroppedBytes != 112721-4096 {
			t.Errorf("PASV replies %+v, want one 227 with dropped_bytes %d", r.Replies, 112721-4096)
		}
	}
	if !found {
		t.Fatalf("no PASV record:\n%s%s", stdout.String(), stderr.String())
	}
	stdout.Reset()
	run([]string{"read", "--color", "never", f}, &stdout, &stderr)
	if want := "(3856 more bytes kept)  [malformed: ftp: no data endpoint found]  [108625 bytes over the line limit dropped]"; !strings.Contains(stdout.String(), want) {
		t.Errorf("text lacks %q:\n%s", want, stdout.String())
	}
}
