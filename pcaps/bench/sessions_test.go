package bench

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

func generateSessions(tb testing.TB, cfg SessionsConfig) ([]byte, SessionStats) {
	tb.Helper()
	var buf bytes.Buffer
	st, err := GenerateSessions(&buf, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if int64(buf.Len()) != st.Bytes {
		tb.Fatalf("SessionStats.Bytes = %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

func TestGenerateSessionsDeterministic(t *testing.T) {
	cfg := SessionsConfig{Sessions: 200, Seed: 11, Concurrency: 8}
	a, sa := generateSessions(t, cfg)
	b, sb := generateSessions(t, cfg)
	cfg.Seed = 12
	c, _ := generateSessions(t, cfg)
	if !bytes.Equal(a, b) || sa != sb {
		t.Errorf("same seed, different captures: sha256 %x and %x", sha256.Sum256(a), sha256.Sum256(b))
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same capture")
	}
}

// packetTimes reads every record's timestamp, and the times of the SYNs
// that open control connections.
func packetTimes(tb testing.TB, pcap []byte) (ts, arrivals []time.Time) {
	tb.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(pcap))
	if err != nil {
		tb.Fatal(err)
	}
	l := NewBareLoop()
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return ts, arrivals
		}
		if err != nil {
			tb.Fatal(err)
		}
		ts = append(ts, ci.Timestamp)
		l.Decode(data, r.LinkType())
		if l.tcp.SYN && !l.tcp.ACK && l.tcp.DstPort == 21 {
			arrivals = append(arrivals, ci.Timestamp)
		}
	}
}

// TestGenerateSessionsSpan checks that packet time grows with the session
// count at the configured arrival rate, never runs backwards, and that the
// concurrency bound holds.
func TestGenerateSessionsSpan(t *testing.T) {
	for _, cfg := range []SessionsConfig{
		{Sessions: 300, Seed: 1, Concurrency: 8},
		{Sessions: 300, Seed: 2, Concurrency: 16, Gap: 10 * time.Second},
		{Sessions: 150, Seed: 3, Concurrency: 64, Gap: 3 * time.Second},
	} {
		pcap, st := generateSessions(t, cfg)
		ts, arrivals := packetTimes(t, pcap)
		if int64(len(ts)) != st.Packets {
			t.Fatalf("seed %d: %d records, stats say %d packets", cfg.Seed, len(ts), st.Packets)
		}
		for i := 1; i < len(ts); i++ {
			if ts[i].Before(ts[i-1]) {
				t.Fatalf("seed %d: packet %d at %v before packet %d at %v", cfg.Seed, i+1, ts[i], i, ts[i-1])
			}
		}
		span := ts[len(ts)-1].Sub(ts[0])
		gap := st.Config.Gap
		// Arrivals average Gap apart (and a session waits when
		// Concurrency are open, rarely at these settings); the last
		// session adds its length: under 25 pauses, and one long one.
		if len(arrivals) != cfg.Sessions {
			t.Fatalf("seed %d: %d sessions open, want %d", cfg.Seed, len(arrivals), cfg.Sessions)
		}
		opened := arrivals[len(arrivals)-1].Sub(arrivals[0])
		want := time.Duration(cfg.Sessions-1) * gap
		if opened < want*85/100 || opened > want*115/100 {
			t.Errorf("seed %d: %d sessions %v apart opened over %v, want about %v", cfg.Seed, cfg.Sessions, gap, opened, want)
		}
		if tail := span - opened; tail < 0 || tail > 25*min(8*st.Config.Think, longPauseMin)+longPauseMax {
			t.Errorf("seed %d: the last session ends %v after it opened", cfg.Seed, tail)
		}
		if got := time.Duration(st.SpanSeconds * float64(time.Second)); got.Round(time.Microsecond) != span {
			t.Errorf("seed %d: stats span %v, file span %v", cfg.Seed, got, span)
		}
		if !ts[0].Equal(Start) || st.First != Start.Format(time.RFC3339Nano) {
			t.Errorf("seed %d: first packet at %v (stats %s), want %v", cfg.Seed, ts[0], st.First, Start)
		}
		if every := max(longPauseEvery, int(8*175*time.Second/(time.Duration(st.Config.Concurrency)*gap))+1); st.LongPauses < cfg.Sessions/every-1 || st.LongPauses > cfg.Sessions/every+1 {
			t.Errorf("seed %d: %d long pauses in %d sessions, want one in %d", cfg.Seed, st.LongPauses, cfg.Sessions, every)
		}
		if st.MaxConcurrent > st.Config.Concurrency || st.MaxConcurrent < 2 {
			t.Errorf("seed %d: at most %d sessions at once, concurrency %d", cfg.Seed, st.MaxConcurrent, st.Config.Concurrency)
		}
	}
}

// flowKey names a TCP connection by its two endpoints, lower one first.
type flowKey struct{ a, b netip.AddrPort }

func keyOf(src, dst netip.AddrPort) flowKey {
	if src.Compare(dst) > 0 {
		src, dst = dst, src
	}
	return flowKey{src, dst}
}

// sessionFile is what TestGenerateSessionsIsWhatDecodingFinds finds in a
// capture by decoding it with the bare loop, independent of the generator.
type sessionFile struct {
	SessionStats
	ipv4Packets, synAcks, badChecksums, dataSYNs, activeSYNs, unannounced int
	closedFIN, closedRST, open                                            int
	maxOpenSessions                                                       int
}

// decodeSessionFile decodes every packet with BareLoop and counts, per
// connection and per control line, what an analyser would see.
func decodeSessionFile(tb testing.TB, pcap []byte) sessionFile {
	tb.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(pcap))
	if err != nil {
		tb.Fatal(err)
	}
	var f sessionFile
	f.Bytes = int64(len(pcap))
	l := NewBareLoop()
	type flow struct {
		control bool
		fins    int
		done    bool
	}
	flows := map[flowKey]*flow{}
	clients := map[netip.Addr]bool{}
	announced := map[netip.AddrPort]int{} // data endpoints announced and not yet connected to
	openSessions := 0
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		l.Decode(data, r.LinkType())
		var src, dst netip.Addr
		var nl gopacket.NetworkLayer
		isTCP := false
		for _, lt := range l.decoded {
			switch lt {
			case layers.LayerTypeIPv4:
				src, _ = netip.AddrFromSlice(l.ip4.SrcIP)
				dst, _ = netip.AddrFromSlice(l.ip4.DstIP)
				nl = &l.ip4
				if _, res := l.ip4.VerifyChecksum(); !res.Valid {
					f.badChecksums++
				}
			case layers.LayerTypeIPv6:
				src, _ = netip.AddrFromSlice(l.ip6.SrcIP)
				dst, _ = netip.AddrFromSlice(l.ip6.DstIP)
				nl = &l.ip6
				f.IPv6Packets++
			case layers.LayerTypeTCP:
				isTCP = true
			}
		}
		f.Packets++
		if !isTCP || nl == nil {
			tb.Fatalf("packet %d is not TCP over IP: %v", f.Packets, l.decoded)
		}
		tcp := &l.tcp
		if err := tcp.SetNetworkLayerForChecksum(nl); err != nil {
			tb.Fatal(err)
		}
		if _, res := tcp.VerifyChecksum(); !res.Valid {
			f.badChecksums++
		}
		s := netip.AddrPortFrom(src, uint16(tcp.SrcPort))
		d := netip.AddrPortFrom(dst, uint16(tcp.DstPort))
		k := keyOf(s, d)
		control := tcp.SrcPort == 21 || tcp.DstPort == 21
		fl := flows[k]
		switch {
		case tcp.SYN && !tcp.ACK:
			if fl != nil {
				tb.Fatalf("packet %d: SYN on a connection seen before: %v", f.Packets, k)
			}
			fl = &flow{control: control}
			flows[k] = fl
			if control {
				f.Sessions++
				clients[src] = true
				openSessions++
				f.maxOpenSessions = max(f.maxOpenSessions, openSessions)
				break
			}
			f.dataSYNs++
			if tcp.SrcPort == 20 {
				f.activeSYNs++
			}
			// The SYN goes to an endpoint a 227/229/PORT/EPRT announced.
			if announced[d] == 0 {
				f.unannounced++
			} else {
				announced[d]--
			}
		case fl == nil:
			tb.Fatalf("packet %d: no SYN before it on %v", f.Packets, k)
		case tcp.SYN:
			f.synAcks++
		}
		n := int64(len(tcp.Payload))
		if control {
			f.ControlPackets++
			f.ControlBytes += n
		} else {
			f.DataPackets++
			f.DataBytes += n
		}
		if control && n > 0 {
			text := strings.TrimSuffix(string(tcp.Payload), "\r\n")
			if tcp.DstPort == 21 {
				f.Commands++
				verb, arg, _ := strings.Cut(text, " ")
				switch verb {
				case "PORT":
					ap, err := ftp.ParsePORT(arg)
					if err != nil {
						tb.Fatalf("packet %d: %q: %v", f.Packets, text, err)
					}
					f.Via.PORT++
					announced[ap]++
				case "EPRT":
					ap, _, err := ftp.ParseEPRT(arg)
					if err != nil {
						tb.Fatalf("packet %d: %q: %v", f.Packets, text, err)
					}
					f.Via.EPRT++
					announced[ap]++
				case "RETR":
					f.Verbs.RETR++
				case "STOR":
					f.Verbs.STOR++
				case "LIST":
					f.Verbs.LIST++
				}
			} else {
				switch text[:4] {
				case "227 ":
					ap, _, err := ftp.ParsePASV(text)
					if err != nil || ap.Addr() != src {
						tb.Fatalf("packet %d: %q: %v (server %v)", f.Packets, text, err, src)
					}
					f.Via.PASV++
					announced[ap]++
				case "229 ":
					_, port, err := ftp.ParseEPSV(text)
					if err != nil {
						tb.Fatalf("packet %d: %q: %v", f.Packets, text, err)
					}
					f.Via.EPSV++
					announced[netip.AddrPortFrom(src, port)]++
				case "530 ":
					f.FailedLogins++
				case "550 ":
					f.Replies550++
				case "150 ":
					f.Transferred++
				}
			}
		}
		if fl.done {
			tb.Fatalf("packet %d after the connection closed: %v", f.Packets, k)
		}
		switch {
		case tcp.RST:
			f.closedRST++
			fl.done = true
		case tcp.FIN:
			fl.fins++
		case fl.fins == 2 && n == 0:
			// The last ACK of the close.
			f.closedFIN++
			fl.done = true
			if fl.control {
				openSessions--
			}
		}
	}
	if l.Undecodable+l.Truncated != 0 {
		tb.Errorf("bare loop: %d undecodable, %d truncated", l.Undecodable, l.Truncated)
	}
	if l.Packets != uint64(f.Packets) || l.IPv6 != uint64(f.IPv6Packets) || l.TCP != uint64(f.Packets) {
		tb.Errorf("bare loop counts %+v, test counted %d packets, %d IPv6", l.BareCounts, f.Packets, f.IPv6Packets)
	}
	f.ipv4Packets = int(l.IPv4)
	for _, fl := range flows {
		if !fl.done {
			f.open++
		}
	}
	f.ClientHosts = len(clients)
	for _, n := range announced {
		f.NotAttempted += n // announced, never connected to
	}
	return f
}

// TestGenerateSessionsIsWhatDecodingFinds decodes generated captures with
// the bare loop and checks the generator's stats against what the file
// holds: packets, checksums, sessions, commands, replies, data endpoints
// and every connection opened and closed.
func TestGenerateSessionsIsWhatDecodingFinds(t *testing.T) {
	for _, cfg := range []SessionsConfig{
		{Sessions: 400, Seed: 1, Concurrency: 8},
		{Sessions: 250, Seed: 4, Concurrency: 32, IPv6Share: 1, Clients: 50},
		{Sessions: 250, Seed: 9, Concurrency: 64, IPv6Share: -1, Servers: 1, MaxFile: 200_000},
	} {
		pcap, st := generateSessions(t, cfg)
		f := decodeSessionFile(t, pcap)
		checks := []struct {
			what      string
			got, want int64
		}{
			{"packets", f.Packets, st.Packets},
			{"bytes", f.Bytes, st.Bytes},
			{"control packets", f.ControlPackets, st.ControlPackets},
			{"data packets", f.DataPackets, st.DataPackets},
			{"IPv6 packets", f.IPv6Packets, st.IPv6Packets},
			{"bad checksums", int64(f.badChecksums), 0},
			{"control bytes", f.ControlBytes, st.ControlBytes},
			{"data bytes", f.DataBytes, st.DataBytes},
			{"sessions", int64(f.Sessions), int64(st.Sessions)},
			{"client hosts", int64(f.ClientHosts), int64(st.ClientHosts)},
			{"commands", int64(f.Commands), int64(st.Commands)},
			{"failed logins", int64(f.FailedLogins), int64(st.FailedLogins)},
			{"550 replies", int64(f.Replies550), int64(st.Replies550)},
			{"PASV", int64(f.Via.PASV), int64(st.Via.PASV)},
			{"EPSV", int64(f.Via.EPSV), int64(st.Via.EPSV)},
			{"PORT", int64(f.Via.PORT), int64(st.Via.PORT)},
			{"EPRT", int64(f.Via.EPRT), int64(st.Via.EPRT)},
			{"RETR", int64(f.Verbs.RETR), int64(st.Verbs.RETR)},
			{"STOR", int64(f.Verbs.STOR), int64(st.Verbs.STOR)},
			{"LIST", int64(f.Verbs.LIST), int64(st.Verbs.LIST)},
			{"data connections", int64(f.Via.PASV + f.Via.EPSV + f.Via.PORT + f.Via.EPRT), int64(st.DataConns)},
			{"data SYNs", int64(f.dataSYNs), int64(st.Transferred + st.ConnectedOnly)},
			{"transferred (150 replies)", int64(f.Transferred), int64(st.Transferred)},
			{"not attempted (announced, no SYN)", int64(f.NotAttempted), int64(st.NotAttempted)},
			{"SYNs to unannounced endpoints", int64(f.unannounced), 0},
			{"SYN-ACKs", int64(f.synAcks), int64(f.Sessions + f.dataSYNs)},
			{"connections closed by FIN", int64(f.closedFIN), int64(st.Sessions + st.Transferred)},
			{"connections reset", int64(f.closedRST), int64(st.ConnectedOnly)},
			{"connections left open", int64(f.open), 0},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("seed %d: %s: the file holds %d, the stats say %d", cfg.Seed, c.what, c.got, c.want)
			}
		}
		if f.maxOpenSessions > st.Config.Concurrency {
			t.Errorf("seed %d: %d sessions open at once, concurrency %d", cfg.Seed, f.maxOpenSessions, st.Config.Concurrency)
		}
		// The mix: every kind of exchange the brief of the capture promises.
		if st.FailedLogins == 0 || st.Replies550 == 0 || st.ConnectedOnly == 0 || st.NotAttempted == 0 ||
			st.Verbs.LIST == 0 || st.Verbs.STOR == 0 || st.Verbs.RETR == 0 || st.DataConns < st.Sessions {
			t.Errorf("seed %d: a kind of exchange is missing: %+v", cfg.Seed, st)
		}
		if (cfg.IPv6Share >= 0) != (st.IPv6Packets > 0) || (cfg.IPv6Share == 1) != (f.ipv4Packets == 0) {
			t.Errorf("seed %d: IPv6 share %v: %d IPv6 and %d IPv4 packets", cfg.Seed, cfg.IPv6Share, st.IPv6Packets, f.ipv4Packets)
		}
		if cfg.IPv6Share < 0 && st.Via.PORT == 0 || cfg.IPv6Share == 1 && st.Via.PASV+st.Via.PORT != 0 {
			t.Errorf("seed %d: IPv6 share %v with via %+v", cfg.Seed, cfg.IPv6Share, st.Via)
		}
	}
}

// TestGenerateSessionsManyClients guards the address plan: thousands of
// distinct clients, each source port used once per host.
func TestGenerateSessionsManyClients(t *testing.T) {
	pcap, st := generateSessions(t, SessionsConfig{Sessions: 3000, Seed: 5, Gap: time.Millisecond, Think: time.Millisecond})
	f := decodeSessionFile(t, pcap)
	if f.ClientHosts != st.ClientHosts || st.ClientHosts < 2000 {
		t.Errorf("%d client hosts in the file, %d in the stats; want over 2000 of 4096", f.ClientHosts, st.ClientHosts)
	}
}

func TestGenerateSessionsBadConfig(t *testing.T) {
	for _, cfg := range []SessionsConfig{
		{},
		{Sessions: -1},
		{Sessions: maxSessionsCount + 1},
		{Sessions: 10, Concurrency: -1},
		{Sessions: 10, Concurrency: maxSessionsParallel + 1},
		{Sessions: 10, Gap: -time.Second},
		{Sessions: 10, Gap: 2 * time.Hour},
		{Sessions: 10, Think: 5 * time.Minute},
		{Sessions: 10, Clients: -5},
		{Sessions: 10, Clients: maxClientHosts + 1},
		{Sessions: 10, Servers: 201},
		{Sessions: 10, IPv6Share: 1.5},
		{Sessions: 10, MaxFile: 100},
		{Sessions: 10, MaxFile: maxFileSize + 1},
	} {
		if _, err := GenerateSessions(io.Discard, cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err = %v, want ErrConfig", cfg, err)
		}
	}
}
