package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// carveCaptures hold several sessions each, with data connections, RSTs
// and ICMP errors about them.
var carveCaptures = []string{
	"../../pcaps/synthetic/outcomes.pcap",
	"../../pcaps/real/login-brute-force.pcap",
	"../../pcaps/real/pasv-reject-icmp.pcap",
	"../../pcaps/real/active-ftplib-port.pcap",
	"../../pcaps/synthetic/nonstandard-port.pcap",
}

// carvedRecord is one JSON carvedRecord, decoded loosely.
type carvedRecord map[string]any

func carveRecords(t *testing.T, args ...string) []carvedRecord {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"read", "--json"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("read --json %v: exit %d: %s", args, code, stderr.String())
	}
	var out []carvedRecord
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r carvedRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// sessionView is what a session's records say, without the numbers that
// depend on what else the capture holds (session and data numbers, packet
// numbers) and without findings, some of which look across sessions.
func sessionView(recs []carvedRecord, id float64) []carvedRecord {
	var out []carvedRecord
	for _, r := range recs {
		switch r["type"] {
		case "command", "data":
			if r["session"] != id {
				continue
			}
		case "session":
			if r["id"] != id {
				continue
			}
		default:
			continue
		}
		c := carvedRecord{}
		for k, v := range r {
			switch k {
			case "session", "id", "packet", "packets", "index", "syn_packet", "data":
				continue
			}
			c[k] = v
		}
		out = append(out, c)
	}
	return out
}

// connsOf lists the control connection and the data connections of a
// session, from its records.
func connsOf(recs []carvedRecord, id float64) map[[2]netip.AddrPort]bool {
	conns := map[[2]netip.AddrPort]bool{}
	add := func(a, b any) {
		x, err1 := netip.ParseAddrPort(a.(string))
		y, err2 := netip.ParseAddrPort(b.(string))
		if err1 == nil && err2 == nil {
			conns[connPair(x, y)] = true
		}
	}
	for _, r := range recs {
		switch {
		case r["type"] == "session" && r["id"] == id:
			add(r["client"], r["server"])
		case r["type"] == "data" && r["session"] == id:
			add(r["client"], r["server"])
		}
	}
	return conns
}

func connPair(a, b netip.AddrPort) [2]netip.AddrPort {
	if a.Compare(b) > 0 {
		a, b = b, a
	}
	return [2]netip.AddrPort{a, b}
}

// packetsOf counts, independently of ftpsniff's decoder, the packets of
// a capture that carry one of conns: its TCP segments, and the ICMP
// errors that quote them.
func packetsOf(t *testing.T, name string, conns map[[2]netip.AddrPort]bool) int {
	t.Helper()
	src, err := capture.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := 0
	for {
		data, _, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		pkt := gopacket.NewPacket(data, link, gopacket.Default)
		var src, dst netip.Addr
		if ip, ok := pkt.NetworkLayer().(*layers.IPv4); ok {
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		} else if ip6, ok := pkt.NetworkLayer().(*layers.IPv6); ok {
			src, _ = netip.AddrFromSlice(ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(ip6.DstIP)
		}
		if tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			if conns[connPair(netip.AddrPortFrom(src.Unmap(), uint16(tcp.SrcPort)), netip.AddrPortFrom(dst.Unmap(), uint16(tcp.DstPort)))] {
				n++
			}
			continue
		}
		var quoted []byte
		if ic, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok && ic.TypeCode.Type() == layers.ICMPv4TypeDestinationUnreachable {
			quoted = ic.Payload
		} else if ic6, ok := pkt.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok && ic6.TypeCode.Type() == layers.ICMPv6TypeDestinationUnreachable && len(ic6.Payload) >= 4 {
			quoted = ic6.Payload[4:]
		}
		if a, b, ok := quotedPorts(quoted); ok && conns[connPair(a, b)] {
			n++
		}
	}
}

// quotedPorts reads the endpoints of the TCP segment an ICMP error quotes.
func quotedPorts(q []byte) (a, b netip.AddrPort, ok bool) {
	if len(q) < 1 {
		return a, b, false
	}
	var s, d netip.Addr
	var tcp []byte
	switch q[0] >> 4 {
	case 4:
		ihl := int(q[0]&0x0f) * 4
		if len(q) < ihl+4 || q[9] != 6 {
			return a, b, false
		}
		s, d, tcp = netip.AddrFrom4([4]byte(q[12:16])), netip.AddrFrom4([4]byte(q[16:20])), q[ihl:]
	case 6:
		if len(q) < 44 || q[6] != 6 {
			return a, b, false
		}
		s, d, tcp = netip.AddrFrom16([16]byte(q[8:24])), netip.AddrFrom16([16]byte(q[24:40])), q[40:]
	default:
		return a, b, false
	}
	return netip.AddrPortFrom(s, binary.BigEndian.Uint16(tcp)), netip.AddrPortFrom(d, binary.BigEndian.Uint16(tcp[2:])), true
}

// TestWriteCarvesExactlyOneSession: --session N --write holds exactly the
// packets of session N's control and data connections and the ICMP errors
// about them (counted without ftpsniff's decoder), and reading it shows
// the same session: its commands, replies, data connections and outcomes.
func TestWriteCarvesExactlyOneSession(t *testing.T) {
	dir := t.TempDir()
	for _, name := range carveCaptures {
		t.Run(filepath.Base(name), func(t *testing.T) {
			sessions := carveEachSession(t, name, dir)
			if sessions < 2 && filepath.Base(name) != "pasv-reject-icmp.pcap" && filepath.Base(name) != "active-ftplib-port.pcap" && filepath.Base(name) != "nonstandard-port.pcap" {
				t.Errorf("%s holds %d sessions: the test needs several", name, sessions)
			}
		})
	}
}

// carveEachSession carves every session of name with --session N --write
// into dir and checks the file against the capture and the session read
// from it against the session; it returns how many sessions there were.
func carveEachSession(t *testing.T, name, dir string) int {
	t.Helper()
	all := carveRecords(t, name)
	sessions := 0
	for _, r := range all {
		if r["type"] != "session" {
			continue
		}
		sessions++
		id := r["id"].(float64)
		out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))+"-"+formatID(id)+".pcapng")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"read", "--json", "--session", formatID(id), "--write", out, name}, &stdout, &stderr); code != 0 {
			t.Fatalf("--session %v --write: exit %d: %s", id, code, stderr.String())
		}
		want := packetsOf(t, name, connsOf(all, id))
		got := packetsOf(t, out, connsOf(all, id))
		total := countPackets(t, out)
		if got != want || total != want {
			t.Errorf("session %v: carved file holds %d packets (%d of the session's), the capture %d of the session's", id, total, got, want)
		}
		if !strings.Contains(stderr.String(), "wrote "+itoa(want)+" packets of 1 session to ") {
			t.Errorf("session %v: stderr %q does not say what was written", id, stderr.String())
		}
		carved := carveRecords(t, out)
		var ids []float64
		for _, c := range carved {
			if c["type"] == "session" {
				ids = append(ids, c["id"].(float64))
			}
		}
		if len(ids) != 1 {
			t.Fatalf("session %v: the carved file holds %d sessions", id, len(ids))
		}
		if g, w := sessionView(carved, ids[0]), sessionView(all, id); !reflect.DeepEqual(g, w) {
			t.Errorf("session %v read from the carved file differs:\n got %v\nwant %v", id, g, w)
		}
	}
	return sessions
}

// TestWriteCarvesSessionsAfterGapsAndNeverOpened: every session printed
// is carved whole, also one whose packets come after a silence of more
// than 30 s (the decoder decodes such a packet only with the next one, as
// a possible clock outlier: its command and the reset after it were left
// out) and a control connection that never opened (its session opens at
// its end, after the SYNs, RSTs and ICMP errors: 0 packets were written).
// Reading from a pipe (one pass) writes the same packets, but for those
// it counts as gone by before their session was known.
func TestWriteCarvesSessionsAfterGapsAndNeverOpened(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"../../pcaps/synthetic/nat-idle-cmd-reset.pcap",             // 2400 s idle, then CWD and the RST
		"../../pcaps/synthetic/ctlrst-silent-cmd-reset.pcap",        // a transfer, then 1500 s
		"../../pcaps/synthetic/server-closed-cmd-reset.pcap",        // idle, then a command reset
		"../../pcaps/synthetic/ctlrst-fw-rst-server-late-once.pcap", // the server goes on after a box's reset
		"../../pcaps/real/control-refused.pcap",                     // port 21 refused by RST
		"../../pcaps/real/control-reject-icmp.pcap",                 // port 21 rejected by ICMP
		"../../pcaps/real/control-drop.pcap",                        // SYNs unanswered
		"../../pcaps/real/implicit-ftps-fail.pcap",                  // sessions, then a refused and an unanswered one
	} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			n := carveEachSession(t, name, dir)
			if n == 0 {
				t.Fatalf("%s: no session", name)
			}
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for id := 1; id <= n; id++ {
				fromFile := filepath.Join(dir, strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))+"-"+itoa(id)+".pcapng")
				fromPipe := filepath.Join(dir, "pipe.pcapng")
				pipeStdin(t, raw)
				var stdout, stderr bytes.Buffer
				if code := run([]string{"read", "--json", "--session", itoa(id), "--write", fromPipe, "-"}, &stdout, &stderr); code != 0 {
					t.Fatalf("from a pipe: exit %d: %s", code, stderr.String())
				}
				// Read once, what went by before its session was known
				// (beyond the few handshake packets kept) is counted.
				a, b := packetBytes(t, fromFile), packetBytes(t, fromPipe)
				early := 0
				if _, after, ok := strings.Cut(stderr.String(), "; "); ok {
					fmt.Sscanf(after, "%d packet", &early)
				}
				if !isSubsequence(b, a) || len(a)-len(b) != early {
					t.Errorf("session %d: from the file %d packets, from a pipe %d, not the same (%s)", id, len(a), len(b), strings.TrimSpace(stderr.String()))
				}
			}
		})
	}
}

// isSubsequence tells whether every packet of sub is in all, in order.
func isSubsequence(sub, all [][]byte) bool {
	i := 0
	for _, p := range all {
		if i < len(sub) && bytes.Equal(sub[i], p) {
			i++
		}
	}
	return i == len(sub)
}

func formatID(id float64) string { return itoa(int(id)) }

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func countPackets(t *testing.T, name string) int {
	t.Helper()
	return len(packetBytes(t, name))
}

// TestWriteOnlyFailed: --only-failed writes the sessions the summary lists
// as failed or warned, whole, and nothing of the others.
func TestWriteOnlyFailed(t *testing.T) {
	name := "../../pcaps/synthetic/outcomes.pcap"
	all := carveRecords(t, name)
	out := filepath.Join(t.TempDir(), "failed.pcapng")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--summary", "--color", "never", "--only-failed", "--write", out, name}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	// The summary view names each failed session by its flag.
	failed := map[float64]bool{}
	for _, r := range all {
		if r["type"] == "session" && strings.Contains(stdout.String(), "--session "+formatID(r["id"].(float64))) {
			failed[r["id"].(float64)] = true
		}
	}
	if len(failed) == 0 || len(failed) == 3 {
		t.Fatalf("the summary lists %d of 3 sessions as failed: the test needs some of each", len(failed))
	}
	want := 0
	conns := map[[2]netip.AddrPort]bool{}
	for id := range failed {
		for c := range connsOf(all, id) {
			conns[c] = true
		}
	}
	want = packetsOf(t, name, conns)
	if got := countPackets(t, out); got != want {
		t.Errorf("carved %d packets, the failed sessions have %d", got, want)
	}
	carved := carveRecords(t, out)
	n := 0
	for _, r := range carved {
		if r["type"] == "session" {
			n++
		}
	}
	if n != len(failed) {
		t.Errorf("the carved file holds %d sessions, want the %d failed", n, len(failed))
	}
}

// TestWriteFromStandardInput: a pipe is read once; the packets of a session
// chosen at its start are written as they go by, the same as from the
// file.
func TestWriteFromStandardInput(t *testing.T) {
	name := "../../pcaps/synthetic/outcomes.pcap"
	dir := t.TempDir()
	fromFile, fromPipe := filepath.Join(dir, "file.pcapng"), filepath.Join(dir, "pipe.pcapng")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", "--session", "2", "--write", fromFile, name}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	pipeStdin(t, raw)
	stderr.Reset()
	if code := run([]string{"read", "--json", "--session", "2", "--write", fromPipe, "-"}, &stdout, &stderr); code != 0 {
		t.Fatalf("from a pipe: exit %d: %s", code, stderr.String())
	}
	a, b := packetBytes(t, fromFile), packetBytes(t, fromPipe)
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Errorf("from the file %d packets, from the pipe %d; they differ", len(a), len(b))
	}
}

// pipeStdin makes raw the test's standard input, through a pipe (read
// once, as a stream), until the test ends.
func pipeStdin(t *testing.T, raw []byte) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(raw)
		w.Close()
	}()
	saved := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = saved; r.Close() })
}

func packetBytes(t *testing.T, name string) [][]byte {
	t.Helper()
	src, err := capture.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out [][]byte
	for {
		data, _, _, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(data))
	}
}

// TestWriteNothingChosen: a selection that matches nothing still leaves a
// capture file that opens (one interface, no packets).
func TestWriteNothingChosen(t *testing.T) {
	out := filepath.Join(t.TempDir(), "none.pcapng")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", "--session", "99", "--write", out, "../../pcaps/synthetic/outcomes.pcap"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := countPackets(t, out); n != 0 {
		t.Errorf("%d packets written for no session", n)
	}
	if !strings.Contains(stderr.String(), "wrote 0 packets of 0 sessions") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// TestWriteRefusals: what --write cannot do is one usage line, and the
// input is never overwritten.
func TestWriteRefusals(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	raw, err := os.ReadFile("../../pcaps/synthetic/outcomes.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"only-failed alone", []string{"read", "--only-failed", in}, "--only-failed chooses what --write writes"},
		{"write over the input", []string{"read", "--write", in, in}, "is one of the capture files read"},
		{"write to stdout", []string{"read", "--write", "-", in}, "--write needs a file name"},
		{"only-failed from stdin", []string{"read", "--write", filepath.Join(dir, "o.pcapng"), "--only-failed", "-"}, "reads the capture twice"},
		{"with vantage", []string{"read", "--write", filepath.Join(dir, "o.pcapng"), "--vantage", "a=" + in}, "not with --vantage"},
		{"a directory", []string{"read", "--write", dir, in}, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if tt.name == "only-failed from stdin" {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				w.Close()
				saved := os.Stdin
				os.Stdin = r
				defer func() { os.Stdin = saved; r.Close() }()
			}
			if code := run(tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr %q, want one line with %q", stderr.String(), tt.want)
			}
		})
	}
	if got, _ := os.ReadFile(in); !bytes.Equal(got, raw) {
		t.Error("the input was changed")
	}
}

// splitCapture writes the packets of name into parts files of about equal
// count, as a capture rotated by tcpdump -C would be.
func splitCapture(t *testing.T, name, dir string, parts int) []string {
	t.Helper()
	src, err := capture.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	type pkt struct {
		data []byte
		ci   gopacket.CaptureInfo
		link layers.LinkType
	}
	var all []pkt
	for {
		data, ci, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pkt{bytes.Clone(data), ci, link})
	}
	var names []string
	per := (len(all) + parts - 1) / parts
	for i := 0; i < len(all); i += per {
		out := filepath.Join(dir, "part"+itoa(len(names))+".pcap")
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		w := pcapgo.NewWriterNanos(f)
		if err := w.WriteFileHeader(65535, all[0].link); err != nil {
			t.Fatal(err)
		}
		for _, p := range all[i:min(i+per, len(all))] {
			if err := w.WritePacket(p.ci, p.data); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		names = append(names, out)
	}
	return names
}

// TestWriteAcrossSplitFiles: a capture rotated into several files is one
// capture; a session whose connections go on in the next file is carved
// whole from all of them.
func TestWriteAcrossSplitFiles(t *testing.T) {
	name := "../../pcaps/real/passive-curl.pcap"
	dir := t.TempDir()
	parts := splitCapture(t, name, dir, 3)
	whole, split := filepath.Join(dir, "whole.pcapng"), filepath.Join(dir, "split.pcapng")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", "--session", "1", "--write", whole, name}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if code := run(append([]string{"read", "--json", "--session", "1", "--write", split}, parts...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	a, b := packetBytes(t, whole), packetBytes(t, split)
	if len(a) < 20 || !reflect.DeepEqual(a, b) {
		t.Errorf("from the whole capture %d packets, from its 3 parts %d", len(a), len(b))
	}
}

// TestWriteStdinRedirectedFromFile: standard input is read once even when
// a file is redirected into it, and --write never names that file.
func TestWriteStdinRedirectedFromFile(t *testing.T) {
	name := "../../pcaps/synthetic/outcomes.pcap"
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	redirect := func() func() {
		f, err := os.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		saved := os.Stdin
		os.Stdin = f
		return func() { os.Stdin = saved; f.Close() }
	}
	var stdout, stderr bytes.Buffer
	restore := redirect()
	code := run([]string{"read", "--json", "--session", "2", "--write", filepath.Join(dir, "o.pcapng"), "-"}, &stdout, &stderr)
	restore()
	if code != 0 {
		t.Fatalf("- < file: exit %d: %s", code, stderr.String())
	}
	fromFile := filepath.Join(dir, "f.pcapng")
	if code := run([]string{"read", "--json", "--session", "2", "--write", fromFile, in}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	if a, b := packetBytes(t, filepath.Join(dir, "o.pcapng")), packetBytes(t, fromFile); len(a) == 0 || len(a) != len(b) {
		t.Errorf("- < file wrote %d packets, the file %d", len(a), len(b))
	}
	stderr.Reset()
	restore = redirect()
	code = run([]string{"read", "--write", in, "-"}, &stdout, &stderr)
	restore()
	if code != 2 || !strings.Contains(stderr.String(), "is one of the capture files read") {
		t.Errorf("--write over the file redirected into stdin: exit %d, %q", code, stderr.String())
	}
	if got, _ := os.ReadFile(in); !bytes.Equal(got, raw) {
		t.Error("the file redirected into standard input was changed")
	}
}

// TestCarverBoundsStayCheap: a SYN scan fills the table of connection
// starts; once full, new connections are counted, not remembered, and
// the table is walked only by the periodic sweep, never per packet.
func TestCarverBoundsStayCheap(t *testing.T) {
	c := newCarver(nil, false, 0, false)
	c.trk = track.New(nopSink{}, track.Options{})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := netip.MustParseAddrPort("192.0.2.1:21")
	n := maxFirstSeen + 20000
	for i := range n {
		ts := t0.Add(time.Duration(i) * time.Microsecond) // all within one sweep period
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 40000)
		c.segment(cli, srv, uint64(i+1), ts, true, uint32(i), false, false, nil, 0)
		c.endPacket(nil, gopacket.CaptureInfo{Timestamp: ts}, layers.LinkTypeEthernet)
		c.tick(ts)
	}
	if len(c.seen) > maxFirstSeen {
		t.Errorf("%d connection starts remembered, bound %d", len(c.seen), maxFirstSeen)
	}
	if c.limits.FirstSeenFull != n-maxFirstSeen {
		t.Errorf("%d starts counted as not remembered, want %d", c.limits.FirstSeenFull, n-maxFirstSeen)
	}
	if c.sweeps > 1 {
		t.Errorf("the tables were walked %d times in %v of packet time: a walk per packet once full", c.sweeps, time.Duration(n)*time.Microsecond)
	}
}

type nopSink struct{}

func (nopSink) SessionStart(*track.Session)            {}
func (nopSink) Command(*track.Session, *track.Command) {}
func (nopSink) Data(*track.Session, *track.DataConn)   {}
func (nopSink) Event(*track.Session, *track.Event)     {}
func (nopSink) SessionEnd(*track.Session)              {}
