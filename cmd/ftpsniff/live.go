package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// liveOptions is what `ftpsniff live` was asked to do.
type liveOptions struct {
	analysisOptions
	Interfaces     []string
	Duration       time.Duration
	Count          uint64
	Write          string
	User           string
	BPFRaw         string
	Hosts          []string
	Nets           []string
	FilterPorts    bool
	NoPromisc      bool
	BufferMiB      int
	UnansweredWait time.Duration
	Metrics        string
	MetricsServers int
	Output         string
	Workers        int
}

func (o *liveOptions) register(c *cobra.Command) {
	o.analysisOptions.register(c)
	f := c.Flags()
	f.StringSliceVarP(&o.Interfaces, "interface", "i", nil, "interface `IFACE` to capture on (repeatable, or comma-separated); \"any\" for all")
	f.DurationVar(&o.Duration, "duration", 0, "stop after this long (e.g. 30s, 8h); 0 runs until Ctrl-C")
	f.Uint64VarP(&o.Count, "count", "c", 0, "stop after this many packets; 0 means no limit")
	f.StringVarP(&o.Write, "write", "w", "", "also save the captured packets to this pcapng `FILE`")
	f.StringVarP(&o.User, "user", "Z", "nobody", "user `NAME` to run as once the sockets are open, when started as root (\"\" keeps root)")
	f.StringVar(&o.BPFRaw, "bpf-raw", "", "kernel filter: this classic BPF `PROGRAM` (tcpdump -ddd output, or @FILE) instead of the built-in one; keep the data connections and ICMP errors, e.g. tcpdump -ddd 'tcp or icmp or icmp6'")
	f.StringArrayVar(&o.Hosts, "host", nil, "capture only TCP to or from this `ADDRESS` (repeatable; ICMP errors are kept)")
	f.StringArrayVar(&o.Nets, "net", nil, "capture only TCP to or from this `NETWORK`, e.g. 10.0.0.0/8 (repeatable)")
	f.BoolVar(&o.FilterPorts, "filter-ports", false, "capture only TCP with a control port or port 20 on one side, or unprivileged ports on both")
	f.BoolVar(&o.NoPromisc, "no-promisc", false, "do not put the interfaces in promiscuous mode")
	f.IntVar(&o.BufferMiB, "buffer-size", capture.DefaultBuffer>>20, "kernel ring buffer per interface, in MiB")
	f.DurationVar(&o.UnansweredWait, "unanswered-wait", 10*time.Second, "how long a data connection's unanswered SYN waits for an answer before it is reported")
	f.StringVar(&o.Metrics, "metrics", "", "serve Prometheus metrics over HTTP on this `ADDRESS`, e.g. :9121 or 127.0.0.1:9121 (docs/monitoring.md)")
	f.IntVar(&o.MetricsServers, "metrics-servers", 10, "with --metrics, at most this many servers get a server label of their own in the metrics (the most traffic); the rest are \"other\"")
	f.StringVarP(&o.Output, "output", "o", "", "write the records to this `FILE` (appending) instead of standard output; SIGHUP reopens it, for log rotation")
	f.IntVar(&o.Workers, "workers", 1, "analyse on `N` cores: one socket per interface and worker, spread by IP address pair (AF_PACKET fanout)")
}

func (o *liveOptions) validate() error {
	if o.ExtractDir != "" && o.Workers > 1 {
		// The workers' trackers report to no extractor: the files would
		// silently not be written. (Checked first: validate creates the
		// folder.)
		return usageErrorf("--extract works with one worker only: drop --workers or use --workers 1")
	}
	if err := o.writeClash(o.Write); err != nil {
		return err // (before validate creates the folder)
	}
	if err := o.analysisOptions.validate(); err != nil {
		return err
	}
	if len(o.Interfaces) == 0 {
		return usageErrorf("live needs an interface: -i IFACE (or -i any)")
	}
	if o.Duration < 0 {
		return usageErrorf("--duration must be 0 (no limit) or more, not %s", o.Duration)
	}
	if o.BufferMiB < 1 || o.BufferMiB > 4096 {
		return usageErrorf("--buffer-size must be between 1 and 4096 MiB, not %d", o.BufferMiB)
	}
	if o.UnansweredWait < time.Second {
		return usageErrorf("--unanswered-wait must be at least 1s, not %s", o.UnansweredWait)
	}
	if o.Workers < 1 || o.Workers > capture.MaxWorkers {
		return usageErrorf("--workers must be between 1 and %d, not %d", capture.MaxWorkers, o.Workers)
	}
	if o.flagGiven("metrics-servers") && o.Metrics == "" {
		return usageErrorf("--metrics-servers needs --metrics ADDRESS")
	}
	if o.MetricsServers < 0 || o.MetricsServers > 1000 {
		return usageErrorf("--metrics-servers must be between 0 and 1000, not %d", o.MetricsServers)
	}
	if o.Metrics != "" {
		if _, _, err := net.SplitHostPort(o.Metrics); err != nil {
			return usageErrorf("--metrics %q is not an address such as :9121 or 127.0.0.1:9121", o.Metrics)
		}
	}
	if o.BPFRaw != "" && (len(o.Hosts) > 0 || len(o.Nets) > 0 || o.FilterPorts) {
		return usageErrorf("--bpf-raw replaces the built-in filter: it cannot be combined with --host, --net or --filter-ports")
	}
	return nil
}

// captureConfig turns the flags into the capture configuration.
func (o *liveOptions) captureConfig() (capture.LiveConfig, error) {
	cfg := capture.LiveConfig{Interfaces: o.Interfaces, Promisc: !o.NoPromisc, BufferBytes: o.BufferMiB << 20, Workers: o.Workers}
	for _, h := range o.Hosts {
		a, err := netip.ParseAddr(h)
		if err != nil || a.Zone() != "" {
			return cfg, usageErrorf("--host %q is not an IP address", h)
		}
		a = a.Unmap()
		cfg.Filter.Nets = append(cfg.Filter.Nets, netip.PrefixFrom(a, a.BitLen()))
	}
	for _, n := range o.Nets {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			return cfg, usageErrorf("--net %q is not a network such as 10.0.0.0/8 or 2001:db8::/32", n)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		cfg.Filter.Nets = append(cfg.Filter.Nets, p.Masked())
	}
	if o.FilterPorts {
		dopts := o.decodeOptions()
		cfg.Filter.Ports = dopts.ControlPorts
		if len(cfg.Filter.Ports) == 0 {
			cfg.Filter.Ports = []uint16{21}
		}
		// Implicit FTPS (990 and --implicit-tls-port), which read
		// reports as encrypted sessions.
		if len(dopts.ImplicitTLSPorts) == 0 {
			cfg.Filter.Ports = append(cfg.Filter.Ports, 990)
		}
		cfg.Filter.Ports = append(cfg.Filter.Ports, dopts.ImplicitTLSPorts...)
	}
	if o.BPFRaw != "" {
		text := o.BPFRaw
		if name, ok := strings.CutPrefix(text, "@"); ok {
			b, err := os.ReadFile(name)
			if err != nil {
				return cfg, fmt.Errorf("--bpf-raw: %w", err)
			}
			text = string(b)
		}
		prog, err := capture.ParseRaw(text)
		if err != nil {
			return cfg, usageErrorf("--bpf-raw: %v", err)
		}
		cfg.Raw = prog
	}
	return cfg, nil
}

func newLiveCmd(stdout, stderr io.Writer) *cobra.Command {
	opts := &liveOptions{}
	c := &cobra.Command{
		Use:   "live -i IFACE",
		Short: "Watch interfaces and report FTP sessions and data connections as they happen (Linux)",
		Long: `live captures on one or more interfaces (AF_PACKET, TPACKET_V3) and reports
each FTP command, reply and data-connection outcome as soon as it is known.
It needs CAP_NET_RAW (root); started as root it switches to --user once the
sockets are open. Ctrl-C or SIGTERM stop it and print the summary, with the
kernel's packet and drop counters; a second Ctrl-C exits at once.
--workers N analyses on N cores: the kernel spreads the packets over N
sockets per interface by IP address pair, so each session stays on one.`,
		Example: `  ftpsniff live -i eth0
  ftpsniff live -i any --json | jq 'select(.type=="data" and .outcome!="transferred")'
  ftpsniff live -i eth0 --host 192.0.2.10 --duration 1h -w ftp.pcapng`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return runLive(opts, stdout, stderr)
		},
	}
	opts.register(c)
	return c
}

func runLive(opts *liveOptions, stdout, stderr io.Writer) error {
	// SIGHUP is caught from main's start (hupRouter). Without -o, -w
	// or --extract it is said and ignored; with them, until the files are
	// open there is nothing to reopen (they are opened by their names
	// below), then it asks for the reopen (onHUP).
	var beforeOpen func()
	if opts.Output != "" || opts.Write != "" || opts.ExtractDir != "" {
		beforeOpen = func() {}
	}
	defer hups.route(beforeOpen, stderr)()
	cfg, err := opts.captureConfig()
	if err != nil {
		return err
	}
	opts.userFilter = filterFact(cfg, filterDesc(opts))
	// An interface going down and up is said on stderr, past the status
	// line (workers call it from their goroutines: statusLine locks).
	st := newStatusLine(stderr)
	cfg.Notify = func(line string) { st.say("ftpsniff: " + safe(line)) }
	live, err := capture.OpenLive(cfg)
	if err != nil {
		return err
	}
	defer live.Close()
	ifaces := live.Interfaces()
	// Packets of several interfaces (a TAP's two ports, "any") reach
	// ftpsniff through queues of their own: one direction's bytes may
	// come after the other's acknowledgement of them.
	// (One socket per worker on each: a worker's flows come on one.)
	for _, i := range ifaces {
		if i.Name == "any" || i.Name != ifaces[0].Name {
			opts.mayReorder = true
		}
	}
	opts.steadyClock = capture.SteadyClock // a wall-clock step is no time passing
	// The file is created while still privileged, like the sockets, and
	// given to the user the capture then runs as (--user), so that it
	// can open the next one after a rotation.
	owner := ownerFor(opts.User)
	var cf *captureFile
	if opts.Write != "" {
		if cf, err = openCaptureFile(opts.Write, ifaces, owner, stderr); err != nil {
			return err
		}
		defer cf.close(nil, false, time.Time{}, time.Time{})
	}
	// So are the output file and the metrics listener.
	var outFile *reopenFile
	if opts.Output != "" {
		if outFile, err = openReopenFile(opts.Output, owner, stderr); err != nil {
			return err
		}
		defer outFile.Close()
		stdout = outFile
	}
	// From now: logrotate may move the files while the sockets and the
	// metrics listener open and privileges are dropped.
	reclaim := &atomic.Bool{}
	if opts.ExtractDir == "" {
		reclaim = nil
	}
	defer onHUP(outFile, cf, reclaim, stderr)()
	var m *metrics
	if opts.Metrics != "" {
		m = newMetricsFor(opts.MetricsServers, live.Workers())
		stop, err := startMetricsServer(opts.Metrics, m, stderr)
		if err != nil {
			return err
		}
		defer stop()
	}
	// The --extract folder created as root is given to the user the
	// capture runs as from now on.
	if err := opts.giveExtractTo(opts.User); err != nil {
		return err
	}
	dropped, err := capture.DropPrivileges(opts.User)
	if err != nil {
		return err
	}
	if dropped {
		if err := opts.checkExtractWritable(opts.User); err != nil {
			return err
		}
	}

	lines := newLiveOutputFor(&opts.analysisOptions, stdout, stderr, st.clear)
	var out output = lines
	if m != nil {
		out = &metricsOutput{out: out, m: m}
	}
	var r *liveWorkers
	var p *pipeline
	if live.Workers() > 1 {
		r = newLiveWorkers(opts, live, live.Workers(), out)
		r.cf, r.outFile, r.m, r.st, r.lines = cf, outFile, m, st, lines
	} else {
		p = newPipelineWith(&opts.analysisOptions, out, track.Options{UnansweredWait: opts.UnansweredWait})
		if opts.extractDir != nil {
			// Live gives back what the admin removes (extractReclaimer).
			opts.extractDir.KeepClosed()
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if opts.Duration > 0 {
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	stopSignals := onSignals(cancel, stderr)
	defer stopSignals()
	if outFile != nil {
		outFile.onReopen = lines.sink.reopened
	}

	start := time.Now()
	if r != nil {
		runErr := r.run(ctx)
		end := time.Now()
		st.clear()
		// --fail-on's error comes after the capture record.
		finishErr := r.finish()
		return cmp.Or(endLive(opts, stdout, stderr, live, cf, outFile, m, r.snapshot, r.packets(), start, end, runErr, lines), finishErr)
	}
	var n uint64
	var lastPacket time.Time
	// snap is what the capture's counters say now, with the kernel's
	// kstats: each second's (metrics, notes) and the end's.
	snap := func(kstats []capture.IfaceStats) snapshot {
		return snapshot{Decode: p.dec.Stats(), Limits: p.trk.Limits(), Omitted: p.diag.Omitted(), Kernel: kstats,
			Packets: n, LastPacket: lastPacket, OpenSessions: p.trk.OpenSessions(), OpenExpectations: p.trk.OpenExpectations(),
			OutputLost: lines.lost(), Files: filesCounts(cf, outFile), Extract: p.extractCounts()}
	}
	// second runs once a second, on the monotonic clock (a ticker sets
	// due), whatever the packets' times or the wall clock do: the status
	// line, the metrics, the --write file, the --output reopen. now is
	// the packet clock, for the output's held lines.
	var reclaimer extractReclaimer
	var notes liveNotes
	due := newSecondTicker()
	defer due.stop()
	second := func(now time.Time) {
		if !due.take() {
			return
		}
		lines.tick(now)
		if cf != nil {
			cf.flush()
			cf.reopenIfAsked()
		}
		if outFile != nil {
			// Between records: the output is flushed after each one.
			outFile.reopenIfAsked()
		}
		if reclaim != nil {
			reclaimer.second(p, reclaim.Swap(false), st.say)
		}
		ks, kerr := live.Stats()
		notes.readDrops(ks, kerr, p.diag.CaptureDropped, false)
		counts := snap(ks)
		if m != nil {
			m.snap.update(counts)
		}
		for _, l := range notes.check(counts) {
			lines.note(l)
		}
		if st.on {
			drops := uint64(0)
			if kerr == nil {
				drops = kernelDrops(ks)
			}
			st.show(counted(int64(n), "packet{s}") + "  " + counted(int64(p.trk.OpenSessions()), "session{s} open") + "  " +
				counted(int64(p.trk.OpenExpectations()), "expectation{s}") + "  " + counted(int64(drops), "kernel drop{s}"))
		}
	}
	onPacket := func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType, iface int) bool {
		if cf != nil {
			cf.packet(iface, data, ci)
		}
		p.dec.Decode(data, ci, link)
		n++
		lastPacket = ci.Timestamp
		second(ci.Timestamp)
		return opts.Count > 0 && n >= opts.Count
	}
	onIdle := func(now time.Time) {
		p.dec.Tick(now) // the packet clock: decode expires, then track
		second(now)
	}
	notes.startDrops()
	runErr := live.Run(ctx, onPacket, onIdle)
	end := time.Now()
	st.clear()
	// The drops since the last second's reading, before the open
	// sessions' findings, and said before the summary.
	ks, kerr := live.Stats()
	for _, l := range notes.readDrops(ks, kerr, p.diag.CaptureDropped, true) {
		lines.note(l)
	}

	// --fail-on's error (exit code 1) comes after the capture record.
	finishErr := p.finish()
	return cmp.Or(endLive(opts, stdout, stderr, live, cf, outFile, m, snap, n, start, end, runErr, lines), finishErr)
}

// secondTicker tells the capture loop when a second has passed on the
// monotonic clock: the loop's housekeeping must not follow the packets'
// time stamps or the wall clock, which a clock step moves back (it would
// stop until the clock caught up again) or forward.
type secondTicker struct {
	first bool
	c     <-chan time.Time
	t     *time.Ticker
}

func newSecondTicker() *secondTicker {
	t := time.NewTicker(time.Second)
	s := newSecondTickerOn(t.C)
	s.t = t
	return s
}

// newSecondTickerOn ticks when c delivers. The first take reports true:
// the first packet or idle tick runs the housekeeping at once.
func newSecondTickerOn(c <-chan time.Time) *secondTicker { return &secondTicker{first: true, c: c} }

// take reports whether a tick came since the last take that reported one
// (a receive that does not wait: cheap enough for every packet).
func (s *secondTicker) take() bool {
	if s.first {
		s.first = false
		return true
	}
	select {
	case <-s.c:
		return true
	default:
		return false
	}
}

func (s *secondTicker) stop() {
	if s.t != nil {
		s.t.Stop()
	}
}

// endLive follows the summary with the kernel's counters (and the metrics'
// last snapshot, taken by snap), writes them to the --write file and
// closes it, and returns the error that ended the capture, if any.
func endLive(opts *liveOptions, stdout, stderr io.Writer, live *capture.Live, cf *captureFile, outFile *reopenFile, m *metrics,
	snap func([]capture.IfaceStats) snapshot, n uint64, start, end time.Time, runErr error, lines *flushEach) error {
	ifaces := live.Interfaces()
	kstats, kerr := live.Stats()
	if cf != nil {
		cf.flush() // a failure now is counted in the record
	}
	fc := filesCounts(cf, outFile)
	if kerr == nil {
		if m != nil {
			m.snap.update(snap(kstats))
		}
		if opts.Format == "zeek" {
			// ftp.log has no place for it.
			if err := writeCaptureRecordFiles(stderr, true, opts.Observer, ifaces, kstats, n, end.Sub(start), lines.lost(), fc); err != nil {
				return err
			}
		} else {
			// Through the output's sink, as the records: after a torn
			// line it starts a new one, and should it fail, it is
			// counted as they are (the error below).
			before := lines.lost()
			writeCaptureRecordFiles(lines.writer(), opts.JSON, opts.Observer, ifaces, kstats, n, end.Sub(start), before, fc)
			if lines.lost() > 0 {
				// Records were lost (a full disk), or this one was:
				// the kernel's counts still reach the admin, as the
				// text line on standard error.
				writeCaptureRecordFiles(stderr, false, opts.Observer, ifaces, kstats, n, end.Sub(start), lines.lost(), fc)
			}
		}
	}
	var writeErr error
	if cf != nil {
		writeErr = cf.close(kstats, kerr == nil, start, end)
	}
	switch {
	case runErr != nil:
		return runErr
	case writeErr != nil:
		return writeErr
	case lines.lost() > 0:
		return fmt.Errorf("output: %d record%s lost to write errors", lines.lost(), plural(int(lines.lost())))
	}
	return kerr
}

// onSignals cancels the capture on the first SIGINT or SIGTERM and exits
// at once on the second.
func onSignals(cancel func(), stderr io.Writer) (stop func()) {
	sigc := make(chan os.Signal, 2)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigc:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigc:
			fmt.Fprintln(stderr, "\nftpsniff: interrupted again, exiting without the summary")
			os.Exit(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigc)
		close(done)
	}
}

type captureIface struct {
	Name string `json:"name"`
	// NameRaw: the name's bytes when they are not UTF-8 (Linux allows
	// any byte but '/', ':' and white space); name, and the metrics'
	// interface label (labelValue), have U+FFFD for each such byte.
	NameRaw      []byte `json:"name_raw,omitempty"`
	Worker       *int   `json:"worker,omitempty"` // with several workers
	Received     uint64 `json:"received"`
	Dropped      uint64 `json:"dropped"`
	QueueFreezes uint64 `json:"queue_freezes"`
	// Discarded: packets read from the ring after the capture was asked
	// to stop (-c), counted and not analysed.
	Discarded uint64 `json:"discarded,omitempty"`
}

type captureRecord struct {
	Type       string         `json:"type"`
	Packets    uint64         `json:"packets"`
	Seconds    float64        `json:"seconds"`
	Received   uint64         `json:"received"`
	Dropped    uint64         `json:"dropped"`
	Interfaces []captureIface `json:"interfaces"`
	// Discarded: of Received, the packets read after the capture was
	// asked to stop (-c), not analysed; absent when none.
	Discarded uint64 `json:"discarded,omitempty"`
	// RecordsLost: records the output could not write (a full disk);
	// absent when none.
	RecordsLost uint64 `json:"records_lost,omitempty"`
	fileCounts
}

// fileCounts is what befell live's files: --write packets not saved (a
// full disk), --write files opened beyond the first (SIGHUP), --output
// reopens that failed (the records went on to the file open before).
// Absent when none.
type fileCounts struct {
	WriteNotWritten    uint64 `json:"write_packets_not_written,omitempty"`
	WriteFilesReopened uint64 `json:"write_files_reopened,omitempty"`
	OutputReopenFailed uint64 `json:"output_reopen_failures,omitempty"`
}

// filesCounts reads cf's and out's counters (either may be nil).
func filesCounts(cf *captureFile, out *reopenFile) fileCounts {
	var c fileCounts
	if cf != nil {
		c.WriteNotWritten = cf.notWritten.Load()
		c.WriteFilesReopened = cf.reopened.Load()
	}
	if out != nil {
		c.OutputReopenFailed = out.failed.Load()
	}
	return c
}

// writeCaptureSummary adds the kernel's counters after the summary: a
// "capture" record in JSON, a line in text.
func writeCaptureSummary(w io.Writer, asJSON bool, observer string, ifaces []capture.Interface, ks []capture.IfaceStats, n uint64, d time.Duration) error {
	return writeCaptureRecord(w, asJSON, observer, ifaces, ks, n, d, 0)
}

// writeCaptureRecord is writeCaptureSummary with the count of records the
// output lost to write errors.
func writeCaptureRecord(w io.Writer, asJSON bool, observer string, ifaces []capture.Interface, ks []capture.IfaceStats, n uint64, d time.Duration, lost uint64) error {
	return writeCaptureRecordFiles(w, asJSON, observer, ifaces, ks, n, d, lost, fileCounts{})
}

// writeCaptureRecordFiles is writeCaptureRecord with what befell live's
// files.
func writeCaptureRecordFiles(w io.Writer, asJSON bool, observer string, ifaces []capture.Interface, ks []capture.IfaceStats, n uint64, d time.Duration, lost uint64, fc fileCounts) error {
	rec := captureRecord{Type: "capture", Packets: n, Seconds: float64(d.Round(time.Millisecond).Milliseconds()) / 1000, Interfaces: []captureIface{}, RecordsLost: lost, fileCounts: fc}
	workers := false // several per interface: each socket names its worker
	for _, s := range ks {
		workers = workers || s.Worker > 0
	}
	for _, s := range ks {
		rec.Received += s.Received
		rec.Dropped += s.Drops
		rec.Discarded += s.Discarded
		ci := captureIface{Name: s.Name, NameRaw: rawOf(s.Name), Received: s.Received, Dropped: s.Drops, QueueFreezes: s.QueueFreezes, Discarded: s.Discarded}
		if workers {
			ci.Worker = &s.Worker
		}
		rec.Interfaces = append(rec.Interfaces, ci)
	}
	if asJSON {
		b, err := newRecordEncoder(observer).encode(rec)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	var per []string
	if len(ks) > 1 {
		for _, s := range ks {
			name := safe(s.Name)
			if workers {
				name = fmt.Sprintf("%s#%d", name, s.Worker)
			}
			per = append(per, fmt.Sprintf("%s %d/%d", name, s.Received, s.Drops))
		}
	}
	line := fmt.Sprintf("capture: %s analysed in %s; kernel: %d received by the filter, %d dropped", counted(int64(n), "packet{s}"), seconds(d), rec.Received, rec.Dropped)
	if len(per) > 0 {
		line += " (received/dropped: " + strings.Join(per, ", ") + ")"
	}
	if rec.Discarded > 0 {
		line += fmt.Sprintf("; %d read after the stop and not analysed", rec.Discarded)
	}
	if lost > 0 {
		line += fmt.Sprintf("; output: %d line%s lost to write errors", lost, plural(int(lost)))
	}
	if k := fc.OutputReopenFailed; k > 0 {
		line += fmt.Sprintf("; output: %d reopen%s after SIGHUP failed (the lines went on to the file open before)", k, plural(int(k)))
	}
	if k := fc.WriteNotWritten; k > 0 {
		line += fmt.Sprintf("; --write: %d packet%s not written", k, plural(int(k)))
	}
	if k := fc.WriteFilesReopened; k > 0 {
		line += fmt.Sprintf("; --write: %d new file%s after SIGHUP", k, plural(int(k)))
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// statusLine is the one-line progress display on stderr, redrawn in place;
// it is off unless stderr is a terminal.
type statusLine struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	shown bool
}

func newStatusLine(w io.Writer) *statusLine {
	f, ok := w.(*os.File)
	on := ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) && os.Getenv("TERM") != "dumb"
	return &statusLine{w: w, on: on}
}

func (s *statusLine) show(text string) {
	if !s.on {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, "\r\x1b[K%s", text)
	s.shown = true
}

// say writes line on a line of its own, the status line taken off first.
func (s *statusLine) say(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
	fmt.Fprintln(s.w, line)
}

// clear takes the line off the screen before other output is written.
func (s *statusLine) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
}

func (s *statusLine) clearLocked() {
	if s.shown {
		fmt.Fprint(s.w, "\r\x1b[K")
		s.shown = false
	}
}

// newLiveOutputFor is the output of `live` for the format asked: the
// streaming text (stream.go), JSON Lines or Zeek ftp.log lines, flushed
// record by record into an outputSink on w, which says on stderr when
// writes start and stop failing.
func newLiveOutputFor(o *analysisOptions, w, stderr io.Writer, before func()) *flushEach {
	sink := &outputSink{w: w, stderr: stderr}
	bw := bufio.NewWriterSize(sink, 64<<10)
	buffered := func() int { return bw.Buffered() + sink.pending.Len() }
	var out output
	var stream *streamOutput
	switch {
	case o.Format == "zeek":
		z := newZeekOutput(bw, o.ShowPasswords, o.ids())
		z.notes = stderr
		z.holdFor, z.holdMax = zeekLiveHold, zeekLiveHoldMax
		out = z
	case o.JSON:
		out = newJSONOutput(bw, o.ShowPasswords).withIDs(o.ids())
	default:
		stream = newStreamOutput(bw, newPalette(colorWanted(o.Color, w)), o.ShowPasswords)
		out = stream
	}
	fe := &flushEach{out: out, buffered: buffered, before: before, sink: sink}
	if stream != nil {
		stream.flush = fe.flush
	}
	return fe
}

// reopenFile is the --output file: SIGHUP asks for it to be reopened by
// name (after logrotate has moved it away), which the capture loop does
// between two records, so no record is split across two files.
type reopenFile struct {
	name   string
	f      *os.File
	asked  atomic.Bool
	failed atomic.Uint64 // reopens that failed (the metrics, the capture record)
	stderr io.Writer
	// onReopen, when set, is given the old file just before it is
	// closed for the new one (outputSink.reopened).
	onReopen func(old io.Writer)
}

// openReopenFile opens the --output file; one it creates is given to
// owner, the user the capture drops to: logrotate's `create` gives the
// new file the old one's owner, which the reopen runs as.
func openReopenFile(name string, owner fileOwner, stderr io.Writer) (*reopenFile, error) {
	f, err := openAppendOwned(name, owner)
	if err != nil {
		return nil, fileFlagError("--output", name, "cannot open the file", err)
	}
	return &reopenFile{name: name, f: f, stderr: stderr}, nil
}

func (r *reopenFile) Write(b []byte) (int, error) { return r.f.Write(b) }
func (r *reopenFile) Close() error                { return r.f.Close() }

// onHUP makes SIGHUP ask r (--output) and cf (--write) for a reopen, and
// set reclaim (--extract: count again what the folder holds), until stop
// is called (hupRouter). With none of them SIGHUP is ignored, with a
// line on stderr: its default action would end the capture with no
// summary, and logrotate's postrotate may signal every ftpsniff, not
// only the one with -o.
func onHUP(r *reopenFile, cf *captureFile, reclaim *atomic.Bool, stderr io.Writer) (stop func()) {
	var to func()
	if r != nil || cf != nil || reclaim != nil {
		to = func() {
			if r != nil {
				r.asked.Store(true)
			}
			if cf != nil {
				cf.asked.Store(true)
			}
			if reclaim != nil {
				reclaim.Store(true)
			}
		}
	}
	return hups.route(to, stderr)
}

// reopenIfAsked opens the file by its name again when SIGHUP asked for
// it. If that fails (the directory is not writable by --user, say), it
// says so in one line and keeps writing to the file it has.
func (r *reopenFile) reopenIfAsked() {
	if !r.asked.Swap(false) {
		return
	}
	f, err := os.OpenFile(r.name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		// Counted (metrics, capture record): a shipper tailing the name
		// gets nothing from now on.
		r.failed.Add(1)
		fmt.Fprintf(r.stderr, "ftpsniff: --output: reopen after SIGHUP: %s; still writing to the file open before\n", safe(err.Error()))
		return
	}
	if r.onReopen != nil {
		r.onReopen(r.f)
	}
	r.f.Close()
	r.f = f
}
