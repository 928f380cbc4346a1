package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestLiveIntegration runs `ftpsniff live` on the server side of a real lab
// (network namespaces, vsftpd, curl; pcaps/record/netlab.sh) and checks
// the JSON records that come out while it runs: a passive transfer, an
// active transfer, and a passive transfer whose data port a firewall
// drops, reported unanswered after --unanswered-wait, before exit.
func TestLiveIntegration(t *testing.T) {
	needLab(t, "about 20 s of real traffic; skipped with -short", "ip", "nft", "vsftpd", "curl", "bash")

	dir := t.TempDir()
	bin := buildFtpsniff(t, dir)
	lab := startLab(t)

	pcapng := filepath.Join(dir, "live.pcapng")
	live := startLive(t, bin, lab["NETLAB_SERVER_NS"], false, "--json",
		"-i", lab["NETLAB_SERVER_IF"], "--duration", "50s", "--unanswered-wait", "3s", "-w", pcapng,
		"--pasv-range", "40000-40100")
	cmd, recs, exited := live.cmd, live.recs, live.exited

	client := func(args ...string) error {
		c := exec.Command("ip", append([]string{"netns", "exec", lab["NETLAB_CLIENT_NS"], "curl", "-sS", "-o", "/dev/null"}, args...)...)
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("curl %v: %v: %s", args, err, out)
		}
		return nil
	}
	url := "ftp://" + lab["NETLAB_SERVER_IP4"] + "/report.txt"

	// 1. A good passive transfer.
	if err := client("--connect-timeout", "3", "-m", "10", url); err != nil {
		t.Fatal(err)
	}
	passive := recs.waitFor(t, 5*time.Second, "passive transfer", func(r record) bool {
		return r.Type == "data" && isPassive(r.Via) && r.Outcome == "transferred"
	})
	if passive.Bytes < 4640 {
		t.Errorf("passive transfer moved %d bytes, want the 4640 of report.txt", passive.Bytes)
	}

	// 2. An active-mode transfer: the server connects back from port 20.
	if err := client("--connect-timeout", "3", "-m", "10", "-P", "-", url); err != nil {
		t.Fatal(err)
	}
	recs.waitFor(t, 5*time.Second, "active transfer", func(r record) bool {
		return r.Type == "data" && (r.Via == "PORT" || r.Via == "EPRT") && r.Outcome == "transferred"
	})

	// 3. The firewall drops SYNs to the passive range: curl gives up, and
	// ftpsniff reports the data connection unanswered while still running.
	nft := exec.Command("ip", "netns", "exec", lab["NETLAB_SERVER_NS"], "nft", "-f", "-")
	nft.Stdin = strings.NewReader("table inet ftpsniff_test {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 40000-40100 drop\n }\n}\n")
	if out, err := nft.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	// curl keeps retrying the SYN (at 0, 1, 3, 7 s) for longer than
	// --unanswered-wait, with its control connection open: the record must
	// come from the wait running out, not from the session ending.
	blockedCurl := exec.Command("ip", "netns", "exec", lab["NETLAB_CLIENT_NS"], "curl", "-sS", "-o", "/dev/null",
		"--connect-timeout", "12", "-m", "14", url)
	if err := blockedCurl.Start(); err != nil {
		t.Fatal(err)
	}
	curlDone := make(chan struct{})
	go func() { blockedCurl.Wait(); close(curlDone) }()
	defer func() { blockedCurl.Process.Kill(); <-curlDone }()
	blocked := recs.waitFor(t, 11*time.Second, "unanswered data connection", func(r record) bool {
		return r.Type == "data" && isPassive(r.Via) && r.Outcome == "unanswered"
	})
	select {
	case <-curlDone:
		t.Errorf("curl had already given up: the unanswered record may come from the session's end, not the wait")
	default:
	}
	blockedCurl.Process.Kill()
	<-curlDone
	if blocked.SYNs < 1 {
		t.Errorf("unanswered data record counts %d SYNs", blocked.SYNs)
	}
	// The diagnosis comes with it, as it happens: SYNs dropped.
	if !recs.seen(func(r record) bool { return r.Type == "finding" && r.Code == "data-unanswered" }) {
		t.Errorf("no data-unanswered finding came with the unanswered data connection")
	}
	if blocked.Bytes != 0 {
		t.Errorf("unanswered data record has %d bytes", blocked.Bytes)
	}
	select {
	case <-exited:
		t.Fatalf("ftpsniff exited early (%v): the unanswered record must come while it runs\n%s", live.err, live.stderr.String())
	default:
	}

	// 4. Ctrl-C: clean stop, summary and kernel counters.
	cmd.Process.Signal(os.Interrupt)
	recs.waitFor(t, 5*time.Second, "summary", func(r record) bool { return r.Type == "summary" })
	capRec := recs.waitFor(t, 5*time.Second, "capture counters", func(r record) bool { return r.Type == "capture" })
	select {
	case <-exited:
		if live.err != nil {
			t.Fatalf("ftpsniff live: %v\n%s", live.err, live.stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ftpsniff did not exit after SIGINT")
	}
	analysed, _ := strconv.ParseUint(string(capRec.Packets), 10, 64)
	if analysed == 0 || capRec.Received < analysed {
		t.Errorf("capture record: %d packets analysed, kernel received %d", analysed, capRec.Received)
	}
	sessions := 0
	for _, r := range recs.all() {
		if r.Type == "session" {
			sessions++
		}
	}
	if sessions != 3 {
		t.Errorf("%d session records, want 3", sessions)
	}

	// 5. The saved capture tells the same story when read back.
	out, err := exec.Command(bin, "read", "--json", pcapng).Output()
	if err != nil {
		t.Fatalf("ftpsniff read %s: %v", pcapng, err)
	}
	// curl falls back from EPSV to PASV when the data connection fails,
	// so the blocked transfer may announce a second endpoint.
	var outcomes []string
	count := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r record
		if json.Unmarshal([]byte(l), &r) == nil && r.Type == "data" {
			outcomes = append(outcomes, r.Via+" "+r.Outcome)
			count[r.Outcome]++
		}
	}
	if count["transferred"] != 2 || count["unanswered"] < 1 {
		t.Errorf("read of the --write file: data outcomes %q, want 2 transferred and an unanswered one", outcomes)
	}

	// 6. Two interfaces (one reader goroutine each) and the streaming
	// text output: an active transfer (the firewall drops only the
	// passive range) shows up as lines while it runs.
	text := startLive(t, bin, lab["NETLAB_SERVER_NS"], true, "--color", "never",
		"-i", "lo", "-i", lab["NETLAB_SERVER_IF"], "--duration", "20s")
	lines, textDone := text.recs, text.exited
	if err := client("--connect-timeout", "3", "-m", "10", "-P", "-", url); err != nil {
		t.Fatal(err)
	}
	has := func(sub ...string) func(record) bool {
		return func(r record) bool {
			for _, s := range sub {
				if !strings.Contains(r.raw, s) {
					return false
				}
			}
			return true
		}
	}
	lines.waitFor(t, 5*time.Second, "session start line", has("[1]", "session", lab["NETLAB_SERVER_IP4"]+":21"))
	lines.waitFor(t, 5*time.Second, "session end line", has("[1]", "end:", "data: 1 transferred"))
	// The data line comes when the data connection closes, before or
	// after the 226 depending on timing.
	for what, ok := range map[string]func(record) bool{
		"RETR line": has("[1]", "<-- RETR report.txt"),
		"226 line":  has("[1]", "--> 226 Transfer complete."),
		"data line": has("[1]", "data #1 EPRT", "transferred: 4640 bytes"),
	} {
		found := false
		for _, r := range lines.all() {
			found = found || ok(r)
		}
		if !found {
			t.Errorf("no %s in the text output", what)
		}
	}
	text.cmd.Process.Signal(os.Interrupt)
	lines.waitFor(t, 5*time.Second, "summary", has("summary: 1 session, 1 data connection"))
	lines.waitFor(t, 5*time.Second, "capture line", has("capture:", "received/dropped: lo ", lab["NETLAB_SERVER_IF"]+" "))
	select {
	case <-textDone:
		if text.err != nil {
			t.Fatalf("ftpsniff live (text): %v\n%s", text.err, text.stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ftpsniff (text) did not exit after SIGINT")
	}
}

func isPassive(via string) bool { return via == "PASV" || via == "EPSV" }

// record holds the fields the test looks at, of any record type.
type record struct {
	Type    string    `json:"type"`
	Code    codeField `json:"code"`
	Via     string    `json:"via"`
	Outcome string    `json:"outcome"`
	Bytes   int64     `json:"bytes"`
	SYNs    int       `json:"syns"`
	// Packets is a count in the capture record and a list of packet
	// numbers in finding records.
	Packets  json.RawMessage `json:"packets"`
	Received uint64          `json:"received"`
	Advice   string          `json:"advice"`
	raw      string
}

// codeField is a record's "code" (a finding's name), kept as its text; a
// number is read too (an event's reply code was "code" before it became
// "reply_code").
type codeField string

func (c *codeField) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = codeField(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = codeField(n.String())
	return nil
}

// recordReader collects JSON lines as the process writes them.
type recordReader struct {
	text bool // lines are text, not JSON
	mu   sync.Mutex
	recs []record
	next int
	more chan struct{}
	wg   sync.WaitGroup
}

func newRecordReader(r io.Reader, text bool) *recordReader {
	rr := &recordReader{text: text, more: make(chan struct{}, 1)}
	rr.wg.Add(1)
	go func() {
		defer rr.wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec record
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				rec = record{Type: "not-json"}
			}
			rec.raw = sc.Text()
			rr.mu.Lock()
			rr.recs = append(rr.recs, rec)
			rr.mu.Unlock()
			select {
			case rr.more <- struct{}{}:
			default:
			}
		}
	}()
	return rr
}

// seen tells whether any record so far satisfies ok.
func (rr *recordReader) seen(ok func(record) bool) bool {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for _, r := range rr.recs {
		if ok(r) {
			return true
		}
	}
	return false
}

// waitFor returns the first record after the previous match that satisfies
// ok, failing the test after timeout.
func (rr *recordReader) waitFor(t *testing.T, timeout time.Duration, what string, ok func(record) bool) record {
	t.Helper()
	deadline := time.After(timeout)
	for {
		rr.mu.Lock()
		for ; rr.next < len(rr.recs); rr.next++ {
			if r := rr.recs[rr.next]; r.Type == "not-json" && !rr.text {
				rr.mu.Unlock()
				t.Fatalf("output line is not JSON: %q", r.raw)
			} else if ok(r) {
				rr.next++
				rr.mu.Unlock()
				return r
			}
		}
		rr.mu.Unlock()
		select {
		case <-rr.more:
		case <-deadline:
			var lines []string
			for _, r := range rr.all() {
				lines = append(lines, r.raw)
			}
			t.Fatalf("no %s record within %s; output so far:\n%s", what, timeout, strings.Join(lines, "\n"))
		}
	}
}

func (rr *recordReader) all() []record {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]record(nil), rr.recs...)
}

// waitDropped waits until the process no longer runs as root.
func waitDropped(t *testing.T, pid int, exited <-chan struct{}, stderr *strings.Builder) {
	t.Helper()
	for i := 0; i < 100; i++ {
		select {
		case <-exited:
			t.Fatalf("ftpsniff live exited at start\n%s", stderr.String())
		default:
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.Fields(l); len(f) >= 3 && f[0] == "Uid:" && f[2] != "0" {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("ftpsniff live still runs as root after 5 s\n%s", stderr.String())
}

// liveProc is a running `ftpsniff live` in a lab namespace: its records
// (JSON, or text lines), its standard error, and its exit.
type liveProc struct {
	cmd    *exec.Cmd
	recs   *recordReader
	stderr strings.Builder
	exited chan struct{} // closed once err is set
	err    error
}

// startLive runs `ftpsniff live ARGS...` in namespace ns and returns once
// it captures: once it has given up root, which happens after its sockets
// are open with their filters. It is killed when the test ends unless it
// has exited. Not exec.CommandContext: tests stop it with SIGINT, as a
// user would.
func startLive(t *testing.T, bin, ns string, text bool, args ...string) *liveProc {
	t.Helper()
	p := &liveProc{exited: make(chan struct{})}
	p.cmd = exec.Command("ip", append([]string{"netns", "exec", ns, bin, "live"}, args...)...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.recs = newRecordReader(stdout, text)
	go func() { p.recs.wg.Wait(); p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	waitDropped(t, p.cmd.Process.Pid, p.exited, &p.stderr)
	return p
}

// startLab starts `netlab.sh serve direct` and returns its variables. The
// lab is torn down when the test ends (its stdin closes).
// needLab skips a test of real traffic where it cannot run: not Linux,
// not root, -short (why says what it costs), or a tool missing.
func needLab(t *testing.T, short string, tools ...string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("live capture needs Linux (AF_PACKET) and network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: network namespaces, vsftpd and packet sockets")
	}
	if testing.Short() {
		t.Skip(short)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install -y $(grep -v '^#' pcaps/record/APT_PACKAGES))", tool)
		}
	}
}

// buildFtpsniff builds the program into dir and returns its path.
func buildFtpsniff(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ftpsniff")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startLab(t *testing.T) map[string]string {
	t.Helper()
	return startLabServing(t, "pcaps/record/conf/anon.conf")
}

// startLabServing is startLab with the server netlab.sh serve picks for
// server: a vsftpd or ProFTPD config (a path under the repository), or
// "pure-ftpd", then its arguments.
func startLabServing(t *testing.T, server string, args ...string) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if server != "pure-ftpd" {
		server = filepath.Join(root, server)
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "pcaps/record/netlab.sh"), "serve", "direct", server}, args...)...)
	cmd.Env = append(os.Environ(), "NETLAB_MAX_SECONDS=120")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
			return
		case <-time.After(20 * time.Second):
		}
		// Still setting up (a lab not ready in time): TERM runs
		// netlab.sh's teardown trap, which removes its namespaces; a
		// KILL alone left them behind.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	vars := map[string]string{}
	sc := bufio.NewScanner(out)
	ready := make(chan bool, 1)
	go func() {
		for sc.Scan() {
			l := sc.Text()
			if l == "READY" {
				ready <- true
				io.Copy(io.Discard, out)
				return
			}
			if k, v, ok := strings.Cut(l, "="); ok {
				if v == "''" {
					v = ""
				}
				vars[k] = v
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("lab did not start:\n%s", logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("lab not ready after 30 s:\n%s", logs.String())
	}
	for _, k := range []string{"NETLAB_CLIENT_NS", "NETLAB_SERVER_NS", "NETLAB_SERVER_IF", "NETLAB_SERVER_IP4"} {
		if vars[k] == "" {
			t.Fatalf("lab did not report %s", k)
		}
	}
	return vars
}
