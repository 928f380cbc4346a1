package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	r := newLiveWorkers(opts, f, n, out)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { f.delivered.Wait(); cancel() }()
	if err := r.run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.finish(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), f
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
// become the session's endpoints and start, and what is numbered per
// decoder or per tracker (packet numbers, data connection numbers, the
// evidence and messages that quote them) is left out. It also checks that
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
