package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// metrics is what `live --metrics ADDR` serves (docs/monitoring.md names
// every series). Two sources feed it, neither on the per-packet path:
//
//   - metricsOutput, a wrapper around the live output, counts each record
//     (session, command, data connection, finding) as it is written;
//   - the capture loop's once-a-second tick hands over a snapshot of the
//     decoder's and tracker's counters and the kernel's socket counters
//     (with --workers, a ticker adds up what each worker published, and
//     the kernel's counters are per socket: interface and worker).
//
// With --workers, one metricsOutput serves every worker, called under the
// lock of their shared analysis (live_workers.go): the server-label bound
// is one bound over all of them.
//
// The HTTP handler runs in its own goroutine: the counters of client_golang
// are atomic, and the snapshot is behind a mutex.
type metrics struct {
	reg *prometheus.Registry

	sessionsStarted *prometheus.CounterVec
	sessionsEnded   *prometheus.CounterVec
	logins          *prometheus.CounterVec
	commands        *prometheus.CounterVec
	data            *prometheus.CounterVec
	dataBytes       *prometheus.CounterVec
	findings        *prometheus.CounterVec

	servers *serverLabels
	snap    *snapshotCollector
	// errLog: where handler says that gathering failed (a collector's
	// series left out of a scrape); nil says nothing.
	errLog *gatherLog
}

func newMetrics(maxServers int) *metrics { return newMetricsFor(maxServers, 1) }

// newMetricsFor is newMetrics for a capture with the given number of
// workers: with more than one, the kernel's counters of each socket carry
// a worker label besides the interface.
func newMetricsFor(maxServers, workers int) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "ftpsniff", Name: name, Help: help}, labels)
		m.reg.MustRegister(v)
		return v
	}
	m.sessionsStarted = counter("sessions_started_total", "FTP control sessions seen starting.", "server")
	m.sessionsEnded = counter("sessions_ended_total", "FTP control sessions reported ended, by how they ended (fin, rst, idle, capture-end, evicted, open).", "server", "reason")
	m.logins = counter("logins_total", "Logins: result ok counts each session that logged in once (its first 230/202 to USER, PASS or ACCT); result failed counts every 4yz/5yz answer to USER, PASS or ACCT (each refused attempt).", "server", "result")
	m.commands = counter("commands_total", "Client commands with their final reply (or none), by verb; verbs outside RFC 959 and its extensions count as OTHER.", "command")
	m.data = counter("data_connections_total", "Data connections with a final outcome, by the announcement (PASV, EPSV, LPSV, PORT, EPRT, LPRT, unknown) and the outcome.", "server", "via", "outcome")
	m.dataBytes = counter("data_bytes_total", "Payload bytes of finished data connections, by direction (upload: to the FTP server; download: to the client).", "server", "direction")
	m.findings = counter("findings_total", "Diagnosis findings, by code and severity (docs/troubleshooting.md).", "server", "code", "severity")
	m.servers = newServerLabels(maxServers, nil) // a retired label's series stay
	// The start time lets an alert tell a counter that is new within its
	// window from one Prometheus has not seen before (docs/monitoring.md):
	// every event of a process started within the window is within it.
	// process_start_time_seconds says the same but needs /proc/self,
	// which may not be readable once privileges are dropped.
	start := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "ftpsniff", Name: "start_time_seconds", Help: "When ftpsniff started counting, seconds since the epoch."})
	start.Set(float64(time.Now().UnixNano()) / 1e9)
	m.reg.MustRegister(start)
	m.snap = newSnapshotCollector(workers > 1)
	m.reg.MustRegister(m.snap)
	m.reg.MustRegister(collectors.NewGoCollector())
	m.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry. A series that cannot be made, or a
// collector that panics, leaves out what failed instead of failing the
// scrape, but not silently: it is counted in
// promhttp_metric_handler_errors_total{cause="gathering"} and said on
// standard error (errLog). (The process collector leaves out what it
// cannot read, /proc/self/fd once privileges are dropped on some kernels,
// without an error.)
func (m *metrics) handler() http.Handler {
	opts := promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: m.reg}
	if m.errLog != nil {
		opts.ErrorLog = m.errLog
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, opts))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "ftpsniff: metrics at /metrics")
	})
	return mux
}

// metricsServer listens on addr (before privileges are dropped, so a port
// below 1024 works) and serves until stop is called; what fails to be
// gathered is said on stderr.
func startMetricsServer(addr string, m *metrics, stderr io.Writer) (stop func(), err error) {
	m.errLog = newGatherLog(stderr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: %w", addr, err)
	}
	srv := &http.Server{Handler: m.handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener failed: nothing to serve any more
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, nil
}

// gatherLogEvery: the registry's errors are said at most this often on
// standard error (a failing series fails every scrape); the errors
// counter counts every one.
const gatherLogEvery = 10 * time.Minute

// gatherLog is promhttp's ErrorLog: it says on standard error that
// gathering failed, the first time and then at most every
// gatherLogEvery, with how many errors it did not say since.
type gatherLog struct {
	mu      sync.Mutex
	w       io.Writer
	next    time.Time
	skipped int
	now     func() time.Time
}

func newGatherLog(w io.Writer) *gatherLog { return &gatherLog{w: w, now: time.Now} }

// maxGatherLog bounds one line: an error from a collector's panic
// carries a stack trace of up to 64 KiB.
const maxGatherLog = 1000

func (l *gatherLog) Println(v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Before(l.next) {
		l.skipped++
		return
	}
	l.next = now.Add(gatherLogEvery)
	msg := strings.Join(strings.Fields(fmt.Sprintln(v...)), " ") // Println's spaces
	if len(msg) > maxGatherLog {
		cut := maxGatherLog
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	if l.skipped > 0 {
		msg += " (and " + counted(int64(l.skipped), "such error{s} since the last one said") + ")"
		l.skipped = 0
	}
	fmt.Fprintf(l.w, "ftpsniff: --metrics: %s; the scrape left out what failed (promhttp_metric_handler_errors_total)\n", sentence(msg))
}

// labelValue is s as a label value: valid UTF-8, as client_golang requires
// (it refuses the series otherwise), each byte that is not UTF-8 taken for
// U+FFFD as encoding/json writes it, so a label reads as the JSON records'
// field (an interface's "name" in the capture record; "name_raw" there
// has the bytes). Linux allows any byte but '/', ':' and white space in
// an interface name.
func labelValue(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// snapshot is what the capture loop hands over once a second.
type snapshot struct {
	Decode           decode.Stats
	Limits           track.Limits
	Omitted          diagnose.Omitted
	Kernel           []capture.IfaceStats
	Packets          uint64
	LastPacket       time.Time
	OpenSessions     int
	OpenExpectations int
	OutputLost       uint64 // records the output could not write
	Files            fileCounts
	Extract          *extractCounters // --extract; nil without
}

// snapshotCollector exports the latest snapshot. Counters of the decoder
// and the tracker are taken field by field from their structs (by their
// JSON names), so a counter added there is exported without a change here.
type snapshotCollector struct {
	mu   sync.Mutex
	snap snapshot
	set  bool

	perWorker    bool               // kernel counters labelled by worker too
	decodeDescs  []*prometheus.Desc // per decode.Stats field
	limitHits    *prometheus.Desc
	rstIgnored   *prometheus.Desc
	bytesCut     *prometheus.Desc
	beyondWin    *prometheus.Desc
	afterExpiry  *prometheus.Desc
	afterQuit    *prometheus.Desc
	toTaken      *prometheus.Desc
	raceUnplaced *prometheus.Desc
	received     *prometheus.Desc
	dropped      *prometheus.Desc
	freezes      *prometheus.Desc
	packets      *prometheus.Desc
	lastPacket   *prometheus.Desc
	openSess     *prometheus.Desc
	openExp      *prometheus.Desc
	outputLost   *prometheus.Desc
	reopenFail   *prometheus.Desc
	notWritten   *prometheus.Desc
	newFiles     *prometheus.Desc
	// --extract's, exported only with it
	exFiles, exBytes, exHeld, exNotWritten, exCut, exReclaimed, exRaceGuessed *prometheus.Desc
}

// decodeLimits are the decode.Stats fields that count a bound being hit;
// they are also reported as ftpsniff_limit_hits_total{stage="decode"}.
var decodeLimits = map[string]bool{
	"lines_truncated": true, "candidates_full": true, "control_conns_full": true, "fragments_full": true,
	"sessions_evicted": true, "silent_conns_evicted": true, "control_holes_given_up": true,
	"tombstones_forgotten": true, "evicted_late_dropped": true, "early_icmp_overwritten": true,
}

// trackNotBounds are the track.Limits fields that do not count hits of a
// bound of ftpsniff's. Five count what the wire did: RSTs and data a
// receiver would drop, SYNs to an announcement that had expired unused,
// SYNs to a data endpoint another connection had taken (a client's retry
// from a new port, a scan), SYNs to an endpoint after its session's QUIT.
// They have metrics of their own, not ftpsniff_limit_hits_total (an alert
// on a bound would fire on one stray RST, late SYN or retry), and
// data_beyond_window, data_after_expiry, data_endpoint_taken and
// data_after_quit are gauges: a run later acknowledged, a SYN a new
// announcement of the same endpoint claims, is taken back. The sixth,
// bytes_cut_budget, counts the bytes the transcript budget cut (its hits
// are replies_cut_budget, args_cut_budget and replies_omitted_budget): a
// bytes counter of its own. The seventh, data_race_unplaced, counts data
// connections recorded under a guess of their session (what the wire
// did too): a counter of its own.
var trackNotBounds = map[string]bool{"data_rst_ignored": true, "data_beyond_window": true, "data_after_expiry": true,
	"data_endpoint_taken": true, "data_after_quit": true, "bytes_cut_budget": true, "data_race_unplaced": true}

// newSnapshotCollector: perWorker labels the kernel's counters with the
// socket's worker too (live --workers), since each interface then has a
// socket per worker.
func newSnapshotCollector(perWorker bool) *snapshotCollector {
	socket := []string{"interface"}
	if perWorker {
		socket = append(socket, "worker")
	}
	c := &snapshotCollector{
		perWorker:  perWorker,
		limitHits:  prometheus.NewDesc("ftpsniff_limit_hits_total", "Times a bound of ftpsniff's tables was hit, by stage (decode, track, diagnose) and limit (the name in the JSON summary).", []string{"stage", "limit"}, nil),
		rstIgnored: prometheus.NewDesc("ftpsniff_data_rsts_ignored_total", "RSTs on data connections their receiver would drop (forged or stale): they ended nothing.", nil, nil),
		beyondWin:  prometheus.NewDesc("ftpsniff_data_beyond_window", "Runs of data segments past a hole and beyond the window their receiver advertised, not acknowledged so far: set aside as forged or stale (a gauge: a run acknowledged later is taken back).", nil, nil),
		received:   prometheus.NewDesc("ftpsniff_capture_received_packets_total", "Packets the kernel filter accepted on the socket, including the dropped ones (libpcap's ps_recv).", socket, nil),
		dropped:    prometheus.NewDesc("ftpsniff_capture_dropped_packets_total", "Accepted packets the socket's ring had no room for (kernel drops).", socket, nil),
		freezes:    prometheus.NewDesc("ftpsniff_capture_queue_freezes_total", "Times the socket's ring was full.", socket, nil),
		packets:    prometheus.NewDesc("ftpsniff_packets_total", "Packets handed to the decoder.", nil, nil),
		lastPacket: prometheus.NewDesc("ftpsniff_capture_last_packet_timestamp_seconds", "Capture time of the last packet read (0 before the first): the capture's health.", nil, nil),
		openSess:   prometheus.NewDesc("ftpsniff_sessions_open", "FTP control sessions open now.", nil, nil),
		openExp:    prometheus.NewDesc("ftpsniff_expectations_open", "Announced data endpoints armed or connected, not yet final.", nil, nil),
		outputLost: prometheus.NewDesc("ftpsniff_output_records_lost_total", "Records (lines) the output could not write (a full disk, a failing file system): each dropped, not retried.", nil, nil),
	}
	c.bytesCut = prometheus.NewDesc("ftpsniff_transcript_bytes_cut_total", "Bytes of replies, reply lines and command arguments not kept in transcripts because the open sessions held all the bytes theirs may take (the summary's limits.bytes_cut_budget); the hits are ftpsniff_limit_hits_total{limit=~\"replies_cut_budget|args_cut_budget|replies_omitted_budget\"}.", nil, nil)
	c.reopenFail = prometheus.NewDesc("ftpsniff_output_reopen_failures_total", "Reopens of the -o file after SIGHUP that failed: the records went on to the file open before (moved away by logrotate), not to the name a shipper tails.", nil, nil)
	c.notWritten = prometheus.NewDesc("ftpsniff_write_packets_not_written_total", "Packets not saved to the --write file (a write failed, a full disk, until SIGHUP opens a new file); analysed all the same.", nil, nil)
	c.newFiles = prometheus.NewDesc("ftpsniff_write_files_reopened_total", "--write files opened after SIGHUP (rotation), the first not counted.", nil, nil)
	c.exFiles = prometheus.NewDesc("ftpsniff_extract_files_total", "Files --extract created.", nil, nil)
	c.exBytes = prometheus.NewDesc("ftpsniff_extract_bytes_total", "Bytes --extract wrote to its files, counted as they reach the disk (holes not included).", nil, nil)
	c.exHeld = prometheus.NewDesc("ftpsniff_extract_folder_bytes", "Bytes (holes included) of the files this run wrote and still has in the --extract folder, as counted against --extract-max-total.", nil, nil)
	c.exNotWritten = prometheus.NewDesc("ftpsniff_extract_files_not_written_total", "Transfers whose file --extract did not write, by reason: open (--extract-max-open), files (the files bound), full (--extract-max-total), name (every name taken), error (the file could not be created), encrypted, no_command, not_reassembled, not_delivered (no byte reached the receiver), not_captured (the capture holds none of its bytes: the snap length, capture loss).", []string{"reason"}, nil)
	c.exCut = prometheus.NewDesc("ftpsniff_extract_files_cut_total", "Files --extract cut short at a bound: file (--extract-max-file), full (--extract-max-total).", []string{"limit"}, nil)
	c.exRaceGuessed = prometheus.NewDesc("ftpsniff_extract_files_race_guessed_total", "Files --extract wrote under a guess of their session: a data connection to an endpoint several sessions of one client were told, whose bytes passed the 8 MiB hold before a reply told whose it was (a reply after renames the file; one never settled says so in its record).", nil, nil)
	c.raceUnplaced = prometheus.NewDesc("ftpsniff_data_race_unplaced_total", "Data connections to an endpoint several sessions of one client were told that found every announcement of it used while a connection to it was still a guess of its session: recorded under that guess's session, their session a guess too.", nil, nil)
	c.exReclaimed = prometheus.NewDesc("ftpsniff_extract_files_reclaimed_total", "Files this run wrote that were removed from the --extract folder since: no longer counted against its bounds.", nil, nil)
	c.afterQuit = prometheus.NewDesc("ftpsniff_data_syns_after_quit", "SYNs from a session's peer that was to connect to the endpoint of its latest unused announcement, within 2 minutes after a 221 answered its QUIT: another session's or an old endpoint reused, not followed (a gauge: a SYN that a new announcement of the same endpoint claims is taken back).", nil, nil)
	c.afterExpiry = prometheus.NewDesc("ftpsniff_data_syns_after_expiry", "SYNs to the endpoint of an announcement that had expired unused, from the peer that was to connect: nothing waited for them any more, not followed (a gauge: a SYN that a new announcement of the same endpoint claims is taken back).", nil, nil)
	c.toTaken = prometheus.NewDesc("ftpsniff_data_syns_to_taken_endpoint", "SYNs to a data endpoint another connection had taken within the expectation timeout, from another source: a client's retry from a new port, or other hosts trying the port; not followed (a gauge: a SYN that a new announcement of the same endpoint claims is taken back).", nil, nil)
	for _, f := range jsonFields(reflect.TypeOf(decode.Stats{})) {
		c.decodeDescs = append(c.decodeDescs, prometheus.NewDesc("ftpsniff_decode_"+f.name+"_total",
			"decode.Stats "+f.name+" (docs/json.md, summary record).", nil, nil))
	}
	return c
}

type jsonField struct {
	index int
	name  string
}

// jsonFields lists a struct's integer fields by their JSON names.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint32, reflect.Int32, reflect.Uint:
			out = append(out, jsonField{i, name})
		}
	}
	return out
}

func fieldValue(v reflect.Value) float64 {
	if v.CanInt() {
		return float64(v.Int())
	}
	return float64(v.Uint())
}

func (c *snapshotCollector) update(s snapshot) {
	c.mu.Lock()
	c.snap, c.set = s, true
	c.mu.Unlock()
}

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.decodeDescs {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{c.limitHits, c.rstIgnored, c.bytesCut, c.beyondWin, c.afterExpiry, c.afterQuit, c.toTaken, c.received, c.dropped, c.freezes, c.packets, c.lastPacket, c.openSess, c.openExp, c.outputLost,
		c.reopenFail, c.notWritten, c.newFiles, c.exFiles, c.exBytes, c.exHeld, c.exNotWritten, c.exCut, c.exReclaimed, c.exRaceGuessed, c.raceUnplaced} {
		ch <- d
	}
}

// sendConst sends one series. One that cannot be made (a label value
// that is not UTF-8: labelValue sees to it) is sent as an error, which
// the handler counts and says, in its place only: MustNewConstMetric's
// panic ended Collect, and every series after it was left out of the
// scrape (the capture's health among them).
func sendConst(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}

func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	s := c.snap
	s.Kernel = append([]capture.IfaceStats(nil), s.Kernel...)
	c.mu.Unlock()

	dv := reflect.ValueOf(s.Decode)
	for i, f := range jsonFields(dv.Type()) {
		v := fieldValue(dv.Field(f.index))
		sendConst(ch, c.decodeDescs[i], prometheus.CounterValue, v)
		if decodeLimits[f.name] {
			sendConst(ch, c.limitHits, prometheus.CounterValue, v, "decode", f.name)
		}
	}
	for stage, v := range map[string]reflect.Value{"track": reflect.ValueOf(s.Limits), "diagnose": reflect.ValueOf(s.Omitted)} {
		for _, f := range jsonFields(v.Type()) {
			if stage == "track" && trackNotBounds[f.name] {
				continue
			}
			sendConst(ch, c.limitHits, prometheus.CounterValue, fieldValue(v.Field(f.index)), stage, f.name)
		}
	}
	sendConst(ch, c.rstIgnored, prometheus.CounterValue, float64(s.Limits.DataRSTIgnored))
	sendConst(ch, c.bytesCut, prometheus.CounterValue, float64(s.Limits.BytesCut))
	sendConst(ch, c.beyondWin, prometheus.GaugeValue, float64(s.Limits.DataBeyondWindow))
	sendConst(ch, c.afterExpiry, prometheus.GaugeValue, float64(s.Limits.DataAfterExpiry))
	sendConst(ch, c.afterQuit, prometheus.GaugeValue, float64(s.Limits.DataAfterQuit))
	sendConst(ch, c.toTaken, prometheus.GaugeValue, float64(s.Limits.DataEndpointTaken))
	sendConst(ch, c.raceUnplaced, prometheus.CounterValue, float64(s.Limits.DataRaceUnplaced))
	for _, k := range s.Kernel {
		labels := []string{labelValue(k.Name)}
		if c.perWorker {
			labels = append(labels, strconv.Itoa(k.Worker))
		}
		sendConst(ch, c.received, prometheus.CounterValue, float64(k.Received), labels...)
		sendConst(ch, c.dropped, prometheus.CounterValue, float64(k.Drops), labels...)
		sendConst(ch, c.freezes, prometheus.CounterValue, float64(k.QueueFreezes), labels...)
	}
	sendConst(ch, c.packets, prometheus.CounterValue, float64(s.Packets))
	last := 0.0
	if !s.LastPacket.IsZero() {
		last = float64(s.LastPacket.UnixNano()) / 1e9
	}
	sendConst(ch, c.lastPacket, prometheus.GaugeValue, last)
	sendConst(ch, c.openSess, prometheus.GaugeValue, float64(s.OpenSessions))
	sendConst(ch, c.openExp, prometheus.GaugeValue, float64(s.OpenExpectations))
	sendConst(ch, c.outputLost, prometheus.CounterValue, float64(s.OutputLost))
	sendConst(ch, c.reopenFail, prometheus.CounterValue, float64(s.Files.OutputReopenFailed))
	sendConst(ch, c.notWritten, prometheus.CounterValue, float64(s.Files.WriteNotWritten))
	sendConst(ch, c.newFiles, prometheus.CounterValue, float64(s.Files.WriteFilesReopened))
	if x := s.Extract; x != nil {
		f := x.Files
		counter := func(d *prometheus.Desc, v int64, labels ...string) {
			sendConst(ch, d, prometheus.CounterValue, float64(v), labels...)
		}
		counter(c.exFiles, f.Files)
		counter(c.exBytes, f.Bytes)
		sendConst(ch, c.exHeld, prometheus.GaugeValue, float64(x.Held))
		counter(c.exNotWritten, f.RefusedOpen, "open")
		counter(c.exNotWritten, f.RefusedFiles, "files")
		counter(c.exNotWritten, f.RefusedFull, "full")
		counter(c.exNotWritten, f.RefusedName, "name")
		counter(c.exNotWritten, x.CreateErrors, "error")
		counter(c.exNotWritten, x.Encrypted+x.EncryptedSession, "encrypted")
		counter(c.exNotWritten, x.NoCommand+x.NoCommandTLS, "no_command")
		counter(c.exNotWritten, x.NotReassembled, "not_reassembled")
		counter(c.exNotWritten, x.NotDelivered, "not_delivered")
		counter(c.exNotWritten, x.NotCaptured, "not_captured")
		counter(c.exCut, f.CutFile, "file")
		counter(c.exCut, f.CutFull, "full")
		counter(c.exReclaimed, f.Reclaimed)
		counter(c.exRaceGuessed, x.RaceGuessed)
	}
}

// serverLabels decides which servers have a "server" label of their own:
// at most n at a time, the ones with the most traffic, the rest "other",
// so a scan of many addresses cannot create many series.
//
// Traffic is what a scan does not make: one per login the server accepted
// and, per data connection, one plus its payload bytes (so servers whose
// data connections all fail still count). A session that brings only a
// greeting (a SYN, a 220, a RST) weighs nothing: it takes a free label if
// there is one, but never competes for one that is taken.
//
// Traffic is counted for at most maxTrackedServers addresses with the
// Space-Saving algorithm (Metwally, Agrawal, El Abbadi 2005): a new address
// with traffic takes the place of the least-counted unlabelled one and
// starts from its count, so a heavy server is never pushed out by many
// light ones. Addresses without traffic are not counted at all.
//
// A labelled server keeps its label until an address outside has more than
// twice its traffic, checked at most every rebalanceEvery, before the
// label of the event that triggers the check is returned. Then it is
// retired: its series stay as they are (a counter never vanishes or goes
// back, and the sum over the series stays the total), its later events
// count under "other", and the other address gets a label of its own. At
// most n labels that carried traffic are retired at a time (a retired
// server that wins its label back stops being retired); once n are, the
// labels stay where they are. A label that never carried traffic (taken
// while free by a server that only sent greetings: a scan at start-up)
// is retired without counting against those n, or such a scan would
// spend them and pin the labels for the rest of the run. Only the first
// n labels can be such (after them a label goes only to a server with
// traffic), so at most 3n+1 label values ever exist: n counting, n
// retired after carrying traffic, n retired that never did, "other".
type serverLabels struct {
	n        int
	tracked  map[netip.Addr]*serverCount
	labelled int
	// retired: labels whose series no longer count; true when the
	// label carried traffic (it counts against the n retired at a time).
	retired map[string]bool
	next    time.Time
	demote  func(label string)
	now     func() time.Time
}

type serverCount struct {
	addr    netip.Addr
	label   string // "" unless labelled
	traffic uint64
}

const (
	maxTrackedServers = 1024
	rebalanceEvery    = 10 * time.Second
	otherServers      = "other"
)

// newServerLabels: demote, when not nil, is told of every label retired.
func newServerLabels(n int, demote func(string)) *serverLabels {
	return &serverLabels{n: n, tracked: map[netip.Addr]*serverCount{}, retired: map[string]bool{}, demote: demote, now: time.Now}
}

// label counts weight more traffic for the server and returns its label.
func (l *serverLabels) label(a netip.Addr, weight uint64) string {
	if l.n <= 0 {
		return otherServers
	}
	a = a.Unmap()
	sc := l.tracked[a]
	if sc == nil && (weight > 0 || l.labelled < l.n) {
		sc = &serverCount{addr: a}
		if len(l.tracked) >= maxTrackedServers {
			min := l.leastUnlabelled()
			if min == nil {
				return otherServers // every tracked address is labelled (n above the table)
			}
			delete(l.tracked, min.addr)
			sc.traffic = min.traffic
		}
		l.tracked[a] = sc
	}
	if sc != nil {
		sc.traffic += weight
		if sc.label == "" && l.labelled < l.n {
			sc.label = a.String()
			l.labelled++
			delete(l.retired, sc.label)
		}
	}
	if now := l.now(); !now.Before(l.next) {
		l.next = now.Add(rebalanceEvery)
		l.rebalance()
	}
	if sc != nil && sc.label != "" {
		return sc.label
	}
	return otherServers
}

func (l *serverLabels) leastUnlabelled() *serverCount {
	var min *serverCount
	for _, sc := range l.tracked {
		if sc.label == "" && (min == nil || sc.traffic < min.traffic) {
			min = sc
		}
	}
	return min
}

// rebalance swaps labels while an unlabelled server has more than twice
// the traffic of the least labelled one and fewer than n are retired.
func (l *serverLabels) rebalance() {
	var in, out []*serverCount
	for _, sc := range l.tracked {
		if sc.label != "" {
			in = append(in, sc)
		} else if sc.traffic > 0 {
			out = append(out, sc)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].traffic < in[j].traffic })
	sort.Slice(out, func(i, j int) bool { return out[i].traffic > out[j].traffic })
	spent := 0 // labels retired after carrying traffic
	for _, t := range l.retired {
		if t {
			spent++
		}
	}
	for i := 0; i < len(in) && i < len(out) && out[i].traffic > 2*in[i].traffic; i++ {
		name := out[i].addr.String()
		after := spent
		if l.retired[name] {
			after-- // its series count again
		}
		if in[i].traffic > 0 {
			after++
		}
		if after > l.n {
			return // the retired labels are spent: labels stay
		}
		spent = after
		delete(l.retired, name) // its series count again
		l.retired[in[i].label] = in[i].traffic > 0
		if l.demote != nil {
			l.demote(in[i].label)
		}
		in[i].label = ""
		out[i].label = name
	}
}

// commandLabels are the verbs commands_total names; others are OTHER, so
// a client sending junk verbs cannot create series.
var commandLabels = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range strings.Fields(`USER PASS ACCT CWD CDUP XCWD XCUP SMNT REIN QUIT PORT PASV EPRT EPSV LPRT LPSV TYPE STRU MODE
		RETR STOR STOU APPE ALLO REST RNFR RNTO ABOR DELE RMD XRMD MKD XMKD PWD XPWD LIST NLST MLSD MLST SITE SYST STAT HELP NOOP
		FEAT OPTS AUTH PBSZ PROT CCC ADAT MIC CONF ENC SIZE MDTM MFMT HOST LANG CLNT`) {
		m[v] = true
	}
	return m
}()

// metricsOutput counts what the output writes, then passes it on.
type metricsOutput struct {
	out output
	m   *metrics
	// loggedIn: the open sessions whose login is counted (logins_total
	// ok), each once however many 230s it draws (USER 230, then PASS
	// 230). Dropped at SessionEnd.
	loggedIn map[*track.Session]bool
}

func (o *metricsOutput) server(s *track.Session, weight uint64) string {
	return o.m.servers.label(s.Server.Addr(), weight)
}

func (o *metricsOutput) SessionStart(s *track.Session) {
	if s.Counted() {
		// A session start weighs nothing: a scan's SYN, 220 and RST
		// must not compete with servers that are used (serverLabels).
		o.m.sessionsStarted.WithLabelValues(o.server(s, 0)).Inc()
	} else if s.Login == track.LoginOK {
		// The continuation of a session closed as idle (not a session
		// of its own, as in the JSON summary): its login was counted
		// with the session it continues.
		o.markLoggedIn(s)
	}
	o.out.SessionStart(s)
}

func (o *metricsOutput) markLoggedIn(s *track.Session) {
	if o.loggedIn == nil {
		o.loggedIn = map[*track.Session]bool{}
	}
	o.loggedIn[s] = true
}

func (o *metricsOutput) Command(s *track.Session, c *track.Command) {
	verb := c.LoginVerb() // (the password or account line, however mangled, as track reads it)
	label := verb
	if !commandLabels[label] {
		label = "OTHER"
	}
	o.m.commands.WithLabelValues(label).Inc()
	if f := c.Final(); f != nil && (verb == "USER" || verb == "PASS" || verb == "ACCT") {
		switch {
		case f.Code == 230 || f.Code == 202:
			if !o.loggedIn[s] {
				o.markLoggedIn(s)
				o.m.logins.WithLabelValues(o.server(s, 1), "ok").Inc()
			}
		case f.Code >= 400:
			o.m.logins.WithLabelValues(o.server(s, 0), "failed").Inc()
		}
	}
	o.out.Command(s, c)
}

func (o *metricsOutput) Data(s *track.Session, d *track.DataConn) {
	srv := o.server(s, 1+uint64(d.TotalBytes()))
	o.m.data.WithLabelValues(srv, d.ViaName(), d.Outcome.String()).Inc()
	up, down := d.Bytes[0], d.Bytes[1]
	if !d.Passive && d.Client.IsValid() {
		up, down = down, up // active: the server opened it
	}
	if up > 0 {
		o.m.dataBytes.WithLabelValues(srv, "upload").Add(float64(up))
	}
	if down > 0 {
		o.m.dataBytes.WithLabelValues(srv, "download").Add(float64(down))
	}
	o.out.Data(s, d)
}

func (o *metricsOutput) Event(s *track.Session, e *track.Event) { o.out.Event(s, e) }

func (o *metricsOutput) SessionEnd(s *track.Session) {
	delete(o.loggedIn, s)
	if s.Counted() {
		// A session closed as idle and picked up again ends once: the
		// first part's end counted it (reason idle), as the JSON
		// summary counts it once.
		o.m.sessionsEnded.WithLabelValues(o.server(s, 0), s.EndReason.String()).Inc()
	}
	o.out.SessionEnd(s)
}

func (o *metricsOutput) Summary(t totals) { o.out.Summary(t) }
func (o *metricsOutput) Flush() error     { return o.out.Flush() }

func (o *metricsOutput) Finding(f *diagnose.Finding) {
	srv := otherServers
	if f.Session != nil {
		srv = o.server(f.Session, 0)
	}
	o.m.findings.WithLabelValues(srv, f.Code, f.Severity.String()).Inc()
	if d, ok := o.out.(diagnosisOutput); ok {
		d.Finding(f)
	}
}

func (o *metricsOutput) Policy(p policy.Policy) {
	if d, ok := o.out.(diagnosisOutput); ok {
		d.Policy(p)
	}
}

func (o *metricsOutput) Servers(s []diagnose.ServerSummary) {
	if d, ok := o.out.(diagnosisOutput); ok {
		d.Servers(s)
	}
}
