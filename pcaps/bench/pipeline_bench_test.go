package bench

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// endless is an io.Reader over a capture generated as it is read. The
// generation runs with the benchmark timer stopped, so neither its time
// nor its allocations count.
type endless struct {
	b        *testing.B
	buf      bytes.Buffer
	fill     func() // writes more packets into buf
	genAlloc uint64 // heap allocations the generator made
}

const refill = 8 << 20

func (e *endless) Read(p []byte) (int, error) {
	if e.buf.Len() == 0 {
		e.b.StopTimer()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		e.buf.Reset()
		e.fill()
		runtime.ReadMemStats(&m1)
		e.genAlloc += m1.Mallocs - m0.Mallocs
		e.b.StartTimer()
	}
	return e.buf.Read(p)
}

// mixSource is the endless documented mix: FTP sessions coming and going,
// bulk HTTPS-like and short flows.
func mixSource(b *testing.B) *endless {
	e := &endless{b: b}
	r, err := newRun(&e.buf, Config{Size: 1 << 62, Seed: 11})
	if err != nil {
		b.Fatal(err)
	}
	e.fill = func() {
		for e.buf.Len() < refill && r.step() {
		}
		if err := r.w.flush(); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// scriptSource replays one endless script: a single flow in steady state.
func scriptSource(b *testing.B, make func(g *generator) *script) *endless {
	e := &endless{b: b}
	g := newGenerator(Config{Size: 1 << 62, Seed: 12, MaxTransfer: 1 << 20, OtherShare: 0.3, IPv6Share: -1})
	w := newWriter(&e.buf, Start, &g.stats)
	s := make(g)
	e.fill = func() {
		for e.buf.Len() < refill {
			if !s.step(w, g) {
				b.Fatal("endless script ended")
			}
		}
		if err := w.flush(); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// endlessRetr is one FTP session stuck in one RETR of unbounded size: the
// per-packet path of a tracked data connection.
func endlessRetr(g *generator) *script {
	srv := g.ftp4[0]
	ctl := newConn(g.from(0), srv, classControl, g.u32)
	port := g.passivePort(0)
	data := newConn(g.from(0), endpoint{addr: srv.addr, port: port, mac: srv.mac}, classData, g.u32)
	say := func(client bool, text string) op {
		return op{kind: opLine, c: ctl, fromOpener: client, line: line(text)}
	}
	return &script{queue: []op{
		{kind: opOpen, c: ctl},
		say(false, "220 (vsFTPd 3.0.3)"),
		say(true, "USER anonymous"), say(false, "331 Please specify the password."),
		say(true, "PASS ftp@example.com"), say(false, "230 Login successful."),
		say(true, "EPSV"), say(false, "229 Entering Extended Passive Mode (|||"+itoa(int(port))+"|)"),
		{kind: opOpen, c: data},
		say(true, "RETR huge.iso"), say(false, "150 Opening BINARY mode data connection for huge.iso."),
		{kind: opSend, c: data, n: 1 << 60},
	}}
}

// endlessBulk is one HTTPS-like download that never ends: the path of
// traffic ftpsniff does not follow.
func endlessBulk(g *generator) *script {
	s := g.bulk()
	for i := range s.queue {
		if s.queue[i].cuttable {
			s.queue[i].n = 1 << 60
		}
	}
	return s
}

func itoa(n int) string { return string(fmtInt(nil, n)) }

func fmtInt(b []byte, n int) []byte {
	if n >= 10 {
		b = fmtInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// pipeline is what `ftpsniff read` runs, with a sink that drops results.
type pipeline struct {
	src capture.Source
	dec *decode.Decoder
	trk *track.Tracker
}

func newPipeline(b *testing.B, r io.Reader) *pipeline {
	src, err := capture.OpenReader("bench.pcap", r)
	if err != nil {
		b.Fatal(err)
	}
	trk := track.New(discard{}, track.Options{})
	return &pipeline{src: src, trk: trk, dec: decode.New(trk, decode.Options{})}
}

func (p *pipeline) packet(b *testing.B) {
	data, ci, link, err := p.src.Next()
	if err != nil {
		b.Fatal(err)
	}
	p.dec.Decode(data, ci, link)
}

// benchPackets runs b.N packets (one per op) after a warm-up that fills the
// tables, and reports packets/s, MB/s of capture and, unrounded, the heap
// allocations per packet (allocs/op is rounded to an integer).
func benchPackets(b *testing.B, e *endless, warm int) {
	p := newPipeline(b, e)
	for range warm {
		p.packet(b)
	}
	before := p.dec.Stats()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	gen0 := e.genAlloc
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.packet(b)
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	after := p.dec.Stats()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/sec, "pkts/s")
	b.ReportMetric(float64(after.Bytes-before.Bytes)/sec/1e6, "MB/s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs-(e.genAlloc-gen0))/float64(b.N), "allocs/pkt")
}

// BenchmarkPipelineDataTransfer: one op is one packet of a tracked FTP data
// connection (two 1448-byte segments, then an ACK). Must be 0 allocs/op.
func BenchmarkPipelineDataTransfer(b *testing.B) {
	benchPackets(b, scriptSource(b, endlessRetr), 1000)
}

// BenchmarkPipelineUnrelated: one op is one packet of a TCP flow that is
// not FTP. Must be 0 allocs/op.
func BenchmarkPipelineUnrelated(b *testing.B) {
	benchPackets(b, scriptSource(b, endlessBulk), 1000)
}

// BenchmarkPipelineMix: one op is one packet of the documented mix, FTP
// sessions starting and ending all the time; allocs/op is the sessions'
// own cost (Session, Command, DataConn, reply text) spread over their
// packets, not a per-packet cost.
func BenchmarkPipelineMix(b *testing.B) {
	benchPackets(b, mixSource(b), 200_000)
}

// BenchmarkBareLoop is the floor: the same endless mix through the capture
// source and one DecodingLayerParser, nothing else.
func BenchmarkBareLoop(b *testing.B) {
	src, err := capture.OpenReader("bench.pcap", mixSource(b))
	if err != nil {
		b.Fatal(err)
	}
	l := NewBareLoop()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		data, _, link, err := src.Next()
		if err != nil {
			b.Fatal(err)
		}
		l.Decode(data, link)
	}
	b.StopTimer()
	if l.TCP != uint64(b.N) {
		b.Fatalf("%d TCP segments in %d packets", l.TCP, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(l.Bytes)/b.Elapsed().Seconds()/1e6, "MB/s")
}

// BenchmarkPipelineCapture: one op is a whole 32 MiB capture through a
// fresh pipeline, as `ftpsniff read` does it, with Finish; reports the
// cost and the heap allocations per packet, setup included.
func BenchmarkPipelineCapture(b *testing.B) {
	pcap, st := generate(b, Config{Size: 32 << 20, Seed: 1})
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ReportAllocs()
	b.SetBytes(int64(len(pcap)))
	b.ResetTimer()
	for range b.N {
		src, err := capture.OpenReader("bench.pcap", bytes.NewReader(pcap))
		if err != nil {
			b.Fatal(err)
		}
		trk := track.New(discard{}, track.Options{})
		dec := decode.New(trk, decode.Options{})
		if err := dec.DecodeAll(src); err != nil {
			b.Fatal(err)
		}
		dec.Finish()
		trk.Finish()
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	pkts := float64(st.Packets) * float64(b.N)
	b.ReportMetric(b.Elapsed().Seconds()*1e9/pkts, "ns/pkt")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/pkts, "allocs/pkt")
	b.ReportMetric(float64(st.Sessions), "sessions")
}

// BenchmarkPipelineSessions: one op is a whole capture of many small
// sessions (GenerateSessions: login, PASV/EPSV/PORT, LIST/RETR/STOR, some
// failures, QUIT; 32 at a time) through what `ftpsniff read --json` runs
// before its output: decode, track with RecentOnly, the diagnosis.
// Reports the cost and the heap allocations per packet and per session,
// the sessions' own objects included: the control path's share of #7's
// gap to the bare loop.
func BenchmarkPipelineSessions(b *testing.B) {
	pcap, st := generateSessions(b, SessionsConfig{Sessions: 500, Seed: 1})
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ReportAllocs()
	b.SetBytes(int64(len(pcap)))
	b.ResetTimer()
	for range b.N {
		src, err := capture.OpenReader("sessions.pcap", bytes.NewReader(pcap))
		if err != nil {
			b.Fatal(err)
		}
		trk := track.New(diagnose.New(policy.Policy{}, discard{}, nil), track.Options{RecentOnly: true})
		dec := decode.New(trk, decode.Options{})
		if err := dec.DecodeAll(src); err != nil {
			b.Fatal(err)
		}
		dec.Finish()
		trk.Finish()
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	pkts := float64(st.Packets) * float64(b.N)
	allocs := float64(ms1.Mallocs - ms0.Mallocs)
	b.ReportMetric(b.Elapsed().Seconds()*1e9/pkts, "ns/pkt")
	b.ReportMetric(allocs/pkts, "allocs/pkt")
	b.ReportMetric(allocs/float64(st.Sessions)/float64(b.N), "allocs/session")
}
