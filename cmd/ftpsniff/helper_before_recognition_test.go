package main

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelperReadsBytesBeforeRecognitionWithWorkers guards --helper linux
// on a control connection to a port named by --helper-ports that decode
// finds FTP on by its content (reviewer's natport2 on 2121), read on two
// cores: the relay copied the payload of control segments only, so the
// segments before decode knew the connection for FTP (the 220, USER)
// reached the simulation without their bytes, taken for segments the
// snap length cut, and the verdict on the PORT after them said "this
// assumes packet N, which the capture cut at the snap length, ended a
// line" of a capture that cut nothing. On one core it never did: both
// must say the same.
func TestHelperReadsBytesBeforeRecognitionWithWorkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p2121.pcap")
	cli := netip.MustParseAddrPort("10.99.1.3:50083")
	writeHelperCapture(t, path, helperSession{client: cli, server: netip.MustParseAddrPort("10.99.2.2:2121"), handshake: true,
		exchange: [][2]string{{"USER a", "331 pw"}, {"PORT 10,99,1,3,195,130", "200 ok"}, {"RETR f", "150 go"}},
		dataFrom: netip.MustParseAddrPort("10.99.2.2:20"), dataTo: netip.MustParseAddrPort("10.99.1.3:50050")})
	for _, workers := range []string{"1", "2"} {
		fs := helperCodeFindings(t, path, "--helper-ports", "21,2121", "--workers", workers)
		op := findingsOf(fs, CodeHelperOpens)
		if len(op) != 1 || len(fs) != 1 {
			t.Fatalf("--workers %s: want one helper-opens alone, got %v", workers, fs)
		}
		if msg, _ := op[0]["message"].(string); strings.Contains(msg, "snap length") {
			t.Errorf("--workers %s: a cut where the capture cut nothing: %s", workers, msg)
		}
	}
}

// TestHelperNamesTheRefusedAnnouncementThatReplacedAnExpectation guards
// the reason a data connection to an EPSV's endpoint is not RELATED when a
// PORT the server refused came between (reviewer's epsvthenport: the
// kernel reads no reply, and the PORT's expectation evicted the 229's):
// it names that PORT's packet and the refusal, as the case of a later
// 227 names the 227, not "replaced by a later announcement or used by
// another connection first".
func TestHelperNamesTheRefusedAnnouncementThatReplacedAnExpectation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "epsvthenport.pcap")
	writeHelperCapture(t, path, helperSession{
		client: netip.MustParseAddrPort("10.99.1.2:59612"), server: netip.MustParseAddrPort("10.99.2.2:21"), handshake: true,
		exchange: [][2]string{{"USER a", "331 pw"}, {"EPSV", "229 ok (|||50020|)"}, {"PORT 10,99,1,2,195,101", "500 no"}, {"RETR f", "150 go"}},
		dataFrom: netip.MustParseAddrPort("10.99.1.2:33240"), dataTo: netip.MustParseAddrPort("10.99.2.2:50020"), noAnswer: true})
	bl := findingsOf(helperCodeFindings(t, path), CodeHelperBlocks)
	if len(bl) != 1 {
		t.Fatalf("want one helper-would-block, got %v", bl)
	}
	// The PORT is packet 9: SYN, SYN-ACK, ACK, 220, USER, 331, EPSV, 229.
	const want = `was replaced by the one for the later PORT (packet 9), which the server refused ("500 no"): the helper reads no replies`
	if msg, _ := bl[0]["message"].(string); !strings.Contains(msg, want) {
		t.Errorf("message %q, want %q", msg, want)
	}
}
