package bench

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// discard is a track.Sink that drops everything: the pipeline's cost
// without output.
type discard struct{}

func (discard) SessionStart(*track.Session)            {}
func (discard) Command(*track.Session, *track.Command) {}
func (discard) Data(*track.Session, *track.DataConn)   {}
func (discard) Event(*track.Session, *track.Event)     {}
func (discard) SessionEnd(*track.Session)              {}

// tally is a track.Sink that counts what ftpsniff concluded.
type tally struct {
	sessions, failedLogins, commands, unanswered int
	outcomes                                     map[track.Outcome]int
	dataBytes                                    int64
	events                                       []track.Event
	unclean                                      int // sessions not ended by FIN both ways
}

func (t *tally) SessionStart(*track.Session) {}
func (t *tally) Command(_ *track.Session, c *track.Command) {
	if c.Final() == nil {
		t.unanswered++
	}
}
func (t *tally) Data(_ *track.Session, d *track.DataConn) {
	t.outcomes[d.Outcome]++
	t.dataBytes += d.TotalBytes()
}
func (t *tally) Event(_ *track.Session, e *track.Event) { t.events = append(t.events, *e) }
func (t *tally) SessionEnd(s *track.Session) {
	t.sessions++
	t.commands += s.CommandCount
	if s.Login == track.LoginFailed {
		t.failedLogins++
	}
	if s.EndReason != track.EndFIN {
		t.unclean++
	}
}

// analyse runs what `ftpsniff read` runs: capture source, decoder, tracker.
func analyse(tb testing.TB, pcap []byte, sink track.Sink) decode.Stats {
	tb.Helper()
	src, err := capture.OpenReader("gen.pcap", bytes.NewReader(pcap))
	if err != nil {
		tb.Fatal(err)
	}
	trk := track.New(sink, track.Options{})
	dec := decode.New(trk, decode.Options{})
	if err := dec.DecodeAll(src); err != nil {
		tb.Fatal(err)
	}
	dec.Finish()
	trk.Finish()
	return dec.Stats()
}

func generate(tb testing.TB, cfg Config) ([]byte, Stats) {
	tb.Helper()
	var buf bytes.Buffer
	st, err := Generate(&buf, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if int64(buf.Len()) != st.Bytes {
		tb.Fatalf("Stats.Bytes = %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

// TestGeneratedCaptureIsWhatFtpsniffFinds checks the generator against the
// real pipeline: every session, command, data connection and payload byte
// the generator says it wrote is found, with nothing lost or odd.
func TestGeneratedCaptureIsWhatFtpsniffFinds(t *testing.T) {
	for _, cfg := range []Config{
		{Size: 3 << 20, Seed: 1},
		{Size: 3 << 20, Seed: 7, IPv6Share: 1},
		{Size: 2 << 20, Seed: 3, IPv6Share: -1, OtherShare: 0.6},
	} {
		pcap, st := generate(t, cfg)
		tl := &tally{outcomes: map[track.Outcome]int{}}
		ds := analyse(t, pcap, tl)
		if ds.Packets != uint64(st.Packets) || ds.TCP != uint64(st.Packets) || ds.Malformed+ds.Truncated != 0 {
			t.Errorf("seed %d: decoder saw %d packets, %d TCP, %d malformed, %d truncated; generated %d", cfg.Seed, ds.Packets, ds.TCP, ds.Malformed, ds.Truncated, st.Packets)
		}
		if ds.ControlGaps != 0 || ds.LinesTruncated != 0 {
			t.Errorf("seed %d: %d control gaps, %d lines truncated", cfg.Seed, ds.ControlGaps, ds.LinesTruncated)
		}
		checks := []struct {
			what      string
			got, want int64
		}{
			{"sessions", int64(tl.sessions), int64(st.Sessions)},
			{"failed logins", int64(tl.failedLogins), int64(st.FailedLogins)},
			{"commands", int64(tl.commands), int64(st.Commands)},
			{"unanswered commands", int64(tl.unanswered), 0},
			{"sessions not closed by FIN", int64(tl.unclean), 0},
			{"transferred", int64(tl.outcomes[track.OutcomeTransferred]), int64(st.Transferred)},
			{"connected", int64(tl.outcomes[track.OutcomeConnected]), int64(st.ConnectedOnly)},
			{"data connections", int64(tl.outcomes[track.OutcomeTransferred] + tl.outcomes[track.OutcomeConnected]), int64(st.DataConns)},
			{"other outcomes", int64(len(tl.outcomes) - min(len(tl.outcomes), 2)), 0},
			{"data bytes", tl.dataBytes, st.DataBytes},
			{"events", int64(len(tl.events)), 0},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("seed %d: %s: ftpsniff found %d, generator made %d", cfg.Seed, c.what, c.got, c.want)
			}
		}
		if len(tl.events) > 0 {
			t.Logf("first event: %+v", tl.events[0])
		}
		if st.Sessions < 10 || st.DataConns < st.Sessions || st.OtherFlows < 10 {
			t.Errorf("seed %d: too little traffic: %+v", cfg.Seed, st)
		}
		share := float64(st.OtherPackets) / float64(st.Packets)
		want := cfg.OtherShare
		if want == 0 {
			want = 0.3
		}
		if share < want-0.03 || share > want+0.03 {
			t.Errorf("seed %d: other share %.3f, asked %.2f", cfg.Seed, share, want)
		}
		v6 := st.IPv6Packets
		switch {
		case cfg.IPv6Share < 0 && v6 != 0:
			t.Errorf("seed %d: %d IPv6 packets with IPv6 off", cfg.Seed, v6)
		case cfg.IPv6Share == 1 && v6 != st.Packets:
			t.Errorf("seed %d: %d of %d packets IPv6 with IPv6 only", cfg.Seed, v6, st.Packets)
		case cfg.IPv6Share == 0 && (v6 == 0 || v6 == st.Packets):
			t.Errorf("seed %d: %d of %d packets IPv6 by default", cfg.Seed, v6, st.Packets)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, _ := generate(t, Config{Size: 1 << 20, Seed: 5})
	b, _ := generate(t, Config{Size: 1 << 20, Seed: 5})
	c, _ := generate(t, Config{Size: 1 << 20, Seed: 6})
	if !bytes.Equal(a, b) {
		t.Error("same seed, different captures")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same capture")
	}
}

func TestGenerateSizeBound(t *testing.T) {
	for _, size := range []int64{256 << 10, 4 << 20, 16 << 20} {
		_, st := generate(t, Config{Size: size, Seed: 2})
		// No flow starts after Size; the ones under way may add a little.
		if st.Bytes < size || st.Bytes > size+size/4+(1<<20) {
			t.Errorf("size %d: wrote %d", size, st.Bytes)
		}
	}
}

func TestGenerateBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Size: -1},
		{Size: 1 << 20, OtherShare: 1},
		{Size: 1 << 20, OtherShare: -0.5},
		{Size: 1 << 20, IPv6Share: 2},
		{Size: 1 << 20, Concurrency: -3},
		{Size: 1 << 20, MaxTransfer: -1},
	} {
		if _, err := Generate(io.Discard, cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err = %v, want ErrConfig", cfg, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1GB", 1 << 30},
		{"1gib", 1 << 30},
		{"300MB", 300 << 20},
		{" 64 KiB", 64 << 10},
		{"5000000", 5000000},
		{"12B", 12},
		{"2G", 2 << 30},
		{"", -1},
		{"GB", -1},
		{"0MB", -1},
		{"-5MB", -1},
		{"1.5GB", -1},
		{"1TB", -1},
		{"99999999999GB", -1},
	} {
		got, err := ParseSize(tc.in)
		if tc.want < 0 {
			if !errors.Is(err, ErrConfig) {
				t.Errorf("ParseSize(%q) = %d, %v; want ErrConfig", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
