package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/pcaps/bench"
	"github.com/ftpsniff/ftpsniff/track"
)

// pcapWorkers stands in for capture.Live with several workers: it hands
// each packet of a capture to the worker the fanout program names
// (capture.FanoutSelector, the program the kernel runs), in capture order.
// As in a live capture, where every worker reads its socket as packets
// arrive, the workers keep pace with each other: they take the capture in
// steps of 20 ms of packet time, each waiting for the others at the end
// of a step. A worker that has had no packet for 200 ms of packet time is
// called idle with the packet clock, as live's poll timeout calls it with
// the wall clock; at the end every worker is idle at the last packet's
// time.
type pcapWorkers struct {
	pkts      []fakePacket
	steps     []int // index in pkts where each step starts
	n         int
	delivered sync.WaitGroup // Done when a worker has had all its packets

	mu      sync.Mutex
	cond    *sync.Cond
	arrived int // workers at the end of the current step
	step    int // steps every worker has finished
}

const fakeStep = 20 * time.Millisecond

type fakePacket struct {
	data   []byte
	ci     gopacket.CaptureInfo
	link   layers.LinkType
	worker int
}

func newPcapWorkers(t testing.TB, data []byte, n int) *pcapWorkers {
	t.Helper()
	src, err := capture.OpenReader("test", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	eth, err := capture.NewFanoutSelector(capture.FrameEthernet)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := capture.NewFanoutSelector(capture.FrameIP)
	if err != nil {
		t.Fatal(err)
	}
	f := &pcapWorkers{n: n}
	f.cond = sync.NewCond(&f.mu)
	var stepStart time.Time
	for {
		d, ci, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := fakePacket{data: append([]byte(nil), d...), ci: ci, link: link}
		switch link {
		case layers.LinkTypeEthernet:
			p.worker = eth.Worker(p.data, n)
		case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
			p.worker = ip.Worker(p.data, n)
		}
		// Other link types never come from a packet socket; the program
		// would not parse them, as worker 0 stands for.
		if len(f.steps) == 0 || ci.Timestamp.Sub(stepStart) >= fakeStep || ci.Timestamp.Before(stepStart) {
			f.steps = append(f.steps, len(f.pkts))
			stepStart = ci.Timestamp
		}
		f.pkts = append(f.pkts, p)
	}
	f.delivered.Add(n)
	return f
}

// endStep waits until every worker has finished step k.
func (f *pcapWorkers) endStep(k int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arrived++
	if f.arrived == f.n {
		f.arrived = 0
		f.step = k + 1
		f.cond.Broadcast()
		return
	}
	for f.step <= k {
		f.cond.Wait()
	}
}

func (f *pcapWorkers) RunWorker(ctx context.Context, w int, pkt capture.PacketFunc, idle capture.IdleFunc) error {
	var last time.Time
	stopped := false
	for k, start := range f.steps {
		end := len(f.pkts)
		if k+1 < len(f.steps) {
			end = f.steps[k+1]
		}
		for _, p := range f.pkts[start:end] {
			if stopped {
				break
			}
			if p.worker == w {
				stopped = pkt(p.data, p.ci, p.link, w)
				last = p.ci.Timestamp
			} else if p.ci.Timestamp.Sub(last) >= 200*time.Millisecond {
				idle(p.ci.Timestamp)
				last = p.ci.Timestamp
			}
		}
		f.endStep(k) // a stopped worker keeps the others company
	}
	if !stopped && len(f.pkts) > 0 {
		idle(f.pkts[len(f.pkts)-1].ci.Timestamp)
	}
	f.delivered.Done()
	if stopped {
		return nil
	}
	<-ctx.Done()
	return nil
}

func (f *pcapWorkers) Stats() ([]capture.IfaceStats, error) { return nil, nil }

func (f *pcapWorkers) perWorker() []int {
	c := make([]int, f.n)
	for _, p := range f.pkts {
		c[p.worker]++
	}
	return c
}

func workerOpts(t testing.TB, format string) *liveOptions {
	t.Helper()
	o := &liveOptions{UnansweredWait: 10 * time.Second}
	o.analysisOptions = analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never", Format: format}
	if err := o.analysisOptions.validate(); err != nil {
		t.Fatal(err)
	}
	return o
}

// runWorkersOn runs n workers over the capture and returns the output.
func runWorkersOn(t testing.TB, data []byte, n int, opts *liveOptions, wrap func(output) output) (string, *pcapWorkers) {
	t.Helper()
	f := newPcapWorkers(t, data, n)
	var buf bytes.Buffer
	var out output = newLiveOutputFor(&opts.analysisOptions, &buf, io.Discard, nil)
	if wrap != nil {
		out = wrap(out)
	}
	runUntilDelivered(t, f, newLiveWorkers(opts, f, n, out))
	return buf.String(), f
}

// runUntilDelivered runs r until f has handed every worker its packets,
// then finishes it.
func runUntilDelivered(t testing.TB, f *pcapWorkers, r *liveWorkers) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { f.delivered.Wait(); cancel() }()
	if err := r.run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.finish(); err != nil {
		t.Fatal(err)
	}
}

// runOneOn is `live` with one worker (newPipelineWith, as runLive does),
// over the same capture.
func runOneOn(t testing.TB, data []byte, opts *liveOptions) string {
	t.Helper()
	var buf bytes.Buffer
	p := newPipelineWith(&opts.analysisOptions, newLiveOutputFor(&opts.analysisOptions, &buf, io.Discard, nil), track.Options{UnansweredWait: opts.UnansweredWait})
	src, err := capture.OpenReader("test", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for {
		d, ci, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p.dec.Decode(d, ci, link)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// normalised turns JSON Lines into comparable strings: session numbers
// become the session's endpoints and start, and what is numbered in the
// order the workers happen to take packets (packet numbers;
// TestLiveWorkersPacketNumbersNameWrittenPackets checks them) or report
// (data connection numbers; TestLiveWorkersDataIDs checks them), with the
// evidence and messages that quote them, is left out. It also checks that
// every line is one whole JSON record and that session numbers are 1..K,
// each once.
func normalised(t *testing.T, out string) []string {
	t.Helper()
	var recs []map[string]any
	key := map[float64]string{}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d is not one JSON record (%v): %q", i+1, err, l)
		}
		recs = append(recs, r)
		if r["type"] == "session" {
			id := r["id"].(float64)
			if _, dup := key[id]; dup {
				t.Errorf("session number %v used twice", id)
			}
			key[id] = fmt.Sprintf("%v>%v@%v", r["client"], r["server"], r["start"])
		}
	}
	for id := 1; id <= len(key); id++ {
		if _, ok := key[float64(id)]; !ok {
			t.Errorf("session numbers are not 1..%d: %d missing", len(key), id)
		}
	}
	var norm []string
	for _, r := range recs {
		if s, ok := r["session"].(float64); ok {
			k, found := key[s]
			if !found {
				t.Errorf("record names session %v, which has no session record: %v", s, r)
			}
			r["session"] = k
		}
		delete(r, "packet")
		delete(r, "packets")
		delete(r, "evidence")
		delete(r, "message")
		delete(r, "advice")
		switch r["type"] {
		case "session", "data":
			delete(r, "id")
		case "command", "finding":
			delete(r, "data")
		}
		b, _ := json.Marshal(r)
		norm = append(norm, string(b))
	}
	slices.Sort(norm)
	return norm
}

// TestLiveWorkersAsOne: the records of several workers, fed the packets
// the kernel's fanout would give each, are those of one worker, each
// session once with its data connections; the summary adds up.
func TestLiveWorkersAsOne(t *testing.T) {
	sessions, err := generated(t, 300)
	if err != nil {
		t.Fatal(err)
	}
	captures := map[string][]byte{"generated-300-sessions": sessions}
	for _, name := range []string{"walkthrough.pcap", "outcomes.pcap", "range-exhausted.pcap", "tunnels.pcapng",
		"linktypes-vlan.pcap", "linktypes-qinq.pcap", "linktypes-raw.pcap", "fragments.pcap", "reordered.pcap", "epsv-forms.pcap"} {
		captures[name] = readTestFile(t, filepath.Join("../../pcaps/synthetic", name))
	}
	opts := workerOpts(t, "json")
	for name, data := range captures {
		want := normalised(t, runOneOn(t, data, opts))
		for _, n := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				out, f := runWorkersOn(t, data, n, opts, nil)
				got := normalised(t, out)
				if !slices.Equal(got, want) {
					t.Errorf("%d workers differ from one:\n%s", n, diffLines(want, got))
				}
				if name == "generated-300-sessions" {
					for w, c := range f.perWorker() {
						if c == 0 {
							t.Errorf("worker %d had no packet: %v", w, f.perWorker())
						}
					}
				}
			})
		}
	}
}

// diffLines lists the lines only in a and only in b.
func diffLines(a, b []string) string {
	var s strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || i < len(a) && a[i] < b[j]:
			fmt.Fprintf(&s, "- %s\n", a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			fmt.Fprintf(&s, "+ %s\n", b[j])
			j++
		default:
			i++
			j++
		}
	}
	return s.String()
}

func generated(t testing.TB, n int) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	_, err := bench.GenerateSessions(&buf, bench.SessionsConfig{Sessions: n, Seed: 3, Concurrency: 24, Gap: 50 * time.Millisecond})
	return buf.Bytes(), err
}

func readTestFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLiveWorkersText: the streaming text of several workers has every
// line whole, each session's lines under its own number, and a summary
// that counts every worker's sessions.
func TestLiveWorkersText(t *testing.T) {
	data, err := generated(t, 120)
	if err != nil {
		t.Fatal(err)
	}
	opts := workerOpts(t, "text")
	out, _ := runWorkersOn(t, data, 3, opts, nil)
	starts, ends := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "[") {
			continue
		}
		num, rest, ok := strings.Cut(l[1:], "]")
		if !ok {
			t.Fatalf("line with a broken session prefix: %q", l)
		}
		switch {
		case strings.HasPrefix(rest, " session "):
			if starts[num] {
				t.Errorf("session [%s] starts twice", num)
			}
			starts[num] = true
		case strings.HasPrefix(rest, " end: "):
			if !starts[num] || ends[num] {
				t.Errorf("session [%s] ends before it starts, or twice", num)
			}
			ends[num] = true
		default:
			if !starts[num] || ends[num] {
				t.Errorf("line of session [%s] outside its start and end: %q", num, l)
			}
		}
	}
	if len(starts) != 120 || len(ends) != 120 {
		t.Errorf("%d sessions started and %d ended, want 120", len(starts), len(ends))
	}
	if !strings.Contains(out, "summary: 120 sessions") {
		t.Errorf("summary does not count 120 sessions:\n%s", out[max(0, len(out)-600):])
	}
}

// TestLiveWorkersCount: --count stops after exactly that many packets over
// all workers.
func TestLiveWorkersCount(t *testing.T) {
	data, err := generated(t, 40)
	if err != nil {
		t.Fatal(err)
	}
	opts := workerOpts(t, "json")
	opts.Count = 500
	out, _ := runWorkersOn(t, data, 3, opts, nil)
	var sum struct {
		Type   string       `json:"type"`
		Decode decode.Stats `json:"decode"`
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"type":"summary"`) {
			if err := json.Unmarshal([]byte(l), &sum); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sum.Decode.Packets != 500 {
		t.Errorf("summary counts %d packets, want 500", sum.Decode.Packets)
	}
}

// TestLiveWorkersMetrics: one metrics wrapper for every worker counts every
// session, and the bound on server labels holds over all of them.
func TestLiveWorkersMetrics(t *testing.T) {
	data := readTestFile(t, "../../pcaps/synthetic/tunnels.pcapng")
	opts := workerOpts(t, "json")
	m := newMetricsFor(2, 3)
	out, _ := runWorkersOn(t, data, 3, opts, func(o output) output { return &metricsOutput{out: o, m: m} })
	sessions := strings.Count(out, `"type":"session"`)
	got := gathered(t, m.reg)
	started, servers := 0.0, map[string]bool{}
	for name, v := range got {
		if strings.HasPrefix(name, "ftpsniff_sessions_started_total{") {
			started += v
			servers[name] = true
		}
	}
	if started != float64(sessions) || sessions == 0 {
		t.Errorf("sessions_started_total adds up to %v, %d sessions written", started, sessions)
	}
	if len(servers) > 3 {
		t.Errorf("%d server labels on sessions_started_total, want at most 2 and other: %v", len(servers), servers)
	}
	// Each socket's kernel counters: one series per interface and worker.
	m.snap.update(snapshot{Kernel: []capture.IfaceStats{{Name: "eth0", Worker: 0, Drops: 3}, {Name: "eth0", Worker: 1, Drops: 5}}})
	got = gathered(t, m.reg)
	for name, want := range map[string]float64{
		`ftpsniff_capture_dropped_packets_total{interface="eth0",worker="0"}`: 3,
		`ftpsniff_capture_dropped_packets_total{interface="eth0",worker="1"}`: 5,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}

// TestWriteCaptureSummaryWorkers: with several workers every socket names
// its worker; with one, the record and the line are as before workers.
func TestWriteCaptureSummaryWorkers(t *testing.T) {
	two := []capture.IfaceStats{{Name: "eth0", Worker: 0, Received: 10, Drops: 1}, {Name: "eth0", Worker: 1, Received: 20, Drops: 2}}
	var j, txt bytes.Buffer
	if err := writeCaptureSummary(&j, true, "", nil, two, 27, time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j.String(), `"interfaces":[{"name":"eth0","worker":0,"received":10,"dropped":1,"queue_freezes":0},{"name":"eth0","worker":1,"received":20,"dropped":2,"queue_freezes":0}]`) ||
		!strings.Contains(j.String(), `"received":30,"dropped":3`) {
		t.Errorf("capture record: %s", j.String())
	}
	if err := writeCaptureSummary(&txt, false, "", nil, two, 27, time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "(received/dropped: eth0#0 10/1, eth0#1 20/2)") {
		t.Errorf("capture line: %s", txt.String())
	}
	j.Reset()
	if err := writeCaptureSummary(&j, true, "", nil, []capture.IfaceStats{{Name: "eth0", Received: 4}}, 4, time.Second); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(j.String(), "worker") {
		t.Errorf("one worker: the record names it: %s", j.String())
	}
}

// TestAddCounters: every field of the counters added over workers is an
// integer, which addCounters adds; a field of another kind would be left
// out of the sums silently.
func TestAddCounters(t *testing.T) {
	for _, v := range []any{decode.Stats{}, track.Limits{}} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			switch rt.Field(i).Type.Kind() {
			case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
			default:
				t.Errorf("%s.%s is a %s: addCounters does not add it", rt, rt.Field(i).Name, rt.Field(i).Type)
			}
		}
	}
	a := decode.Stats{Packets: 2, ControlGaps: 1}
	addCounters(&a, decode.Stats{Packets: 3, LineBytesDropped: 7})
	if a.Packets != 5 || a.ControlGaps != 1 || a.LineBytesDropped != 7 {
		t.Errorf("sum %+v", a)
	}
	l := track.Limits{SessionsDropped: 1}
	addCounters(&l, track.Limits{SessionsDropped: 2, ReplyLinesDropped: 4})
	if l.SessionsDropped != 3 || l.ReplyLinesDropped != 4 {
		t.Errorf("sum %+v", l)
	}
}

// TestLiveWorkersFlag: --workers out of range is a usage error of one
// line, before any socket is opened.
func TestLiveWorkersFlag(t *testing.T) {
	for _, n := range []string{"0", "-1", "65", "x"} {
		var stdout, stderr bytes.Buffer
		args := []string{"live", "-i", "lo", "--workers", n}
		if code := run(args, &stdout, &stderr); code != 2 || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
			t.Errorf("%q: exit %d, stderr %q: want 2 and one line", args, code, stderr.String())
		}
	}
}

// TestLiveWorkersDataIDs: with several workers, every data connection has
// a number of its own over the whole output (JSON and text), numbered
// 1..D, and what names one (the announcing command's "data", a finding's
// "data") names that session's data connection with that endpoint.
// Regression: each worker's tracker numbered its data connections from 1,
// so two workers' data connections shared numbers, and a command or a
// finding pointed at another session's data record.
func TestLiveWorkersDataIDs(t *testing.T) {
	sessions, err := generated(t, 80)
	if err != nil {
		t.Fatal(err)
	}
	// Captures whose data connections both workers see, with findings
	// that name data connections.
	captures := map[string][]byte{"generated-80-sessions": sessions}
	for _, name := range []string{"range-exhausted.pcap", "epsv-forms.pcap"} {
		captures[name] = readTestFile(t, filepath.Join("../../pcaps/synthetic", name))
	}
	for name, data := range captures {
		t.Run(name, func(t *testing.T) {
			out, f := runWorkersOn(t, data, 2, workerOpts(t, "json"), nil)
			if n := f.dataPerWorker(t, out); slices.Contains(n, 0) {
				t.Fatalf("data connections per worker %v: the test needs some on each", n)
			}
			checkDataIDs(t, out)
			text, _ := runWorkersOn(t, data, 2, workerOpts(t, "text"), nil)
			checkTextDataIDs(t, text)
		})
	}
}

// dataPerWorker counts the data records of JSON Lines output per worker:
// the worker of the packet at the first SYN's time, when only one worker
// had a packet at that time.
func (f *pcapWorkers) dataPerWorker(t *testing.T, out string) []int {
	t.Helper()
	n := make([]int, f.n)
	for _, l := range strings.Split(out, "\n") {
		var r struct {
			Type     string `json:"type"`
			FirstSYN string `json:"first_syn"`
		}
		if json.Unmarshal([]byte(l), &r) != nil || r.Type != "data" || r.FirstSYN == "" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, r.FirstSYN)
		if err != nil {
			t.Fatalf("first_syn %q: %v", r.FirstSYN, err)
		}
		w := -1
		for _, p := range f.pkts {
			if p.ci.Timestamp.Equal(ts) {
				if w >= 0 && w != p.worker {
					w = -1
					break
				}
				w = p.worker
			}
		}
		if w >= 0 {
			n[w]++
		}
	}
	return n
}

// checkDataIDs checks the data connection numbers of JSON Lines output.
func checkDataIDs(t *testing.T, out string) {
	t.Helper()
	type dataRec struct {
		session   float64
		announced string
	}
	byID := map[float64]dataRec{}
	var refs []map[string]any // commands and findings that name a data connection
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d is not one JSON record (%v): %q", i+1, err, l)
		}
		switch r["type"] {
		case "data":
			id := r["id"].(float64)
			if old, dup := byID[id]; dup {
				t.Errorf("data connection number %v used twice: session %v (%s) and session %v (%s)",
					id, old.session, old.announced, r["session"], r["announced"])
			}
			byID[id] = dataRec{session: r["session"].(float64), announced: r["announced"].(string)}
		case "command", "finding":
			if _, ok := r["data"]; ok {
				refs = append(refs, r)
			}
		}
	}
	if len(byID) < 2 {
		t.Fatalf("%d data records: the test needs data connections", len(byID))
	}
	for id := 1; id <= len(byID); id++ {
		if _, ok := byID[float64(id)]; !ok {
			t.Errorf("data connection numbers are not 1..%d: %d missing", len(byID), id)
		}
	}
	commands := 0
	for _, r := range refs {
		d, ok := byID[r["data"].(float64)]
		switch {
		case !ok:
			t.Errorf("%s names data connection %v, which has no data record: %v", r["type"], r["data"], r)
		case d.session != r["session"].(float64):
			t.Errorf("%s of session %v names data connection %v, which is session %v's: %v", r["type"], r["session"], r["data"], d.session, r)
		case r["type"] == "command" && d.announced != r["endpoint"]:
			t.Errorf("command announcing %v names data connection %v, announced as %s: %v", r["endpoint"], r["data"], d.announced, r)
		}
		if r["type"] == "command" {
			commands++
		}
	}
	if commands == 0 {
		t.Errorf("no command names a data connection: the test checks nothing of them")
	}
}

// checkTextDataIDs checks that no two "data #N" lines of the streaming
// text have the same N.
func checkTextDataIDs(t *testing.T, out string) {
	t.Helper()
	seen := map[string]string{} // number -> the session's prefix
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "[") {
			continue
		}
		sess, rest, _ := strings.Cut(l, "]")
		_, after, ok := strings.Cut(rest, " data #")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(after, " ")
		if old, dup := seen[num]; dup {
			t.Errorf("data #%s shown twice, in session %s] and in session %s]", num, old, sess)
		}
		seen[num] = sess
	}
	if len(seen) < 2 {
		t.Errorf("%d data lines in the text: the test needs data connections", len(seen))
	}
}

// TestLiveWorkersPacketNumbersNameWrittenPackets guards the numbering of
// packets over all workers: with --write, the packet a command record
// names is, in the file written, a packet of that session's control
// connection, and no two workers give one number twice.
func TestLiveWorkersPacketNumbersNameWrittenPackets(t *testing.T) {
	data, err := generated(t, 80)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2
	opts := workerOpts(t, "json")
	f := newPcapWorkers(t, data, n)
	for w, c := range f.perWorker() {
		if c == 0 {
			t.Fatalf("worker %d has no packet: %v", w, f.perWorker())
		}
	}
	path := filepath.Join(t.TempDir(), "written.pcapng")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ifaces := make([]capture.Interface, n)
	for w := range ifaces {
		ifaces[w] = capture.Interface{Name: "test", Link: layers.LinkTypeEthernet, Kind: capture.FrameEthernet, Worker: w}
	}
	pw, err := capture.NewPcapngWriter(file, ifaces)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	r := newLiveWorkers(opts, f, n, newLiveOutputFor(&opts.analysisOptions, &buf, io.Discard, nil))
	r.cf = &captureFile{name: path, path: path, f: file, pw: pw, ifaces: ifaces, stderr: io.Discard}
	runUntilDelivered(t, f, r)
	if err := r.cf.close(nil, false, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}

	// The file's packets, by number, as address pairs.
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var pairs []string // pairs[k-1] is packet k's "a b", ordered
	for {
		d, _, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, endpointsOf(gopacket.NewPacket(d, link, gopacket.NoCopy)))
	}
	if len(pairs) != len(f.pkts) {
		t.Fatalf("the file holds %d packets, the capture %d", len(pairs), len(f.pkts))
	}

	var recs []map[string]any
	control := map[float64]string{} // session -> its control connection's pair
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%v: %q", err, l)
		}
		recs = append(recs, rec)
		if rec["type"] == "session" {
			control[rec["id"].(float64)] = orderedPair(rec["client"].(string), rec["server"].(string))
		}
	}
	checked := 0
	for _, rec := range recs {
		if rec["type"] != "command" {
			continue
		}
		k, ok := rec["packet"].(float64)
		if !ok || k < 1 || int(k) > len(pairs) {
			t.Errorf("command record names packet %v of %d: %v", rec["packet"], len(pairs), rec)
			continue
		}
		want := control[rec["session"].(float64)]
		if got := pairs[int(k)-1]; got != want {
			t.Errorf("command of session %v names packet %v, which in the file is %s, not its control connection %s", rec["session"], k, got, want)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d command records checked", checked)
	}
}

// endpointsOf is a TCP packet's "addr:port addr:port", ordered.
func endpointsOf(p gopacket.Packet) string {
	nl, tl := p.NetworkLayer(), p.TransportLayer()
	if nl == nil || tl == nil {
		return ""
	}
	src := netip.AddrPortFrom(netipAddr(nl.NetworkFlow().Src().Raw()), binaryPort(tl.TransportFlow().Src().Raw()))
	dst := netip.AddrPortFrom(netipAddr(nl.NetworkFlow().Dst().Raw()), binaryPort(tl.TransportFlow().Dst().Raw()))
	return orderedPair(src.String(), dst.String())
}

func netipAddr(b []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a.Unmap()
}

func binaryPort(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

func orderedPair(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + " " + b
}

// TestCaptureRecordSecondsInMilliseconds: the capture record's seconds
// is the duration to the millisecond as a short decimal (3.587), not a
// float sum's tail (3.5869999999999997).
func TestCaptureRecordSecondsInMilliseconds(t *testing.T) {
	var j bytes.Buffer
	if err := writeCaptureSummary(&j, true, "", nil, nil, 1, 3587*time.Millisecond+200*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j.String(), `"seconds":3.587,`) {
		t.Errorf("capture record: %s", j.String())
	}
}
