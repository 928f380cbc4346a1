package bench

import (
	"fmt"
	"io"
	"net/netip"
	"time"
)

// AnnounceConfig says what GenerateAnnouncements writes: Sessions vsftpd
// sessions all open at once, each announcing Announcements passive
// endpoints (PASV, 227) that nothing connects to, Every apart, before all
// of them QUIT. It measures what an analyser keeps per open session and
// per announcement while the sessions last.
type AnnounceConfig struct {
	Sessions      int           `json:"sessions"`      // 1 to 10,000 (ftpsniff's default session bound)
	Announcements int           `json:"announcements"` // per session, 1 to 4,096
	Every         time.Duration `json:"every_ns"`      // between one session's PASVs (0 means 20 s)
	// Refused: each 227 is followed by LIST, answered "425 Failed to
	// establish connection." (vsftpd's words when the client never
	// connected: a firewall between them), so that every announcement
	// fails, not only the last.
	Refused bool `json:"refused"`
	// Burst: each session sends all its PASVs in a row (Every apart)
	// before the next session starts on its own, not one round of all
	// sessions at a time.
	Burst bool `json:"burst"`
}

// AnnounceStats counts what GenerateAnnouncements wrote.
type AnnounceStats struct {
	Config        AnnounceConfig `json:"config"`
	Packets       int64          `json:"packets"`
	Bytes         int64          `json:"bytes"`
	Announcements int            `json:"announcements"` // 227 replies, none connected to
	SpanSeconds   float64        `json:"span_seconds"`
}

// GenerateAnnouncements writes a pcap (Ethernet, microseconds) of
// cfg.Sessions sessions from as many IPv4 clients to one server: each
// logs in, then in rounds Every apart every session sends PASV and gets a
// 227 naming a port of its own (ports wrap past 60,000 announcements),
// (with Refused, LIST answered 425), and after the last round each QUITs
// and both sides close.
func GenerateAnnouncements(out io.Writer, cfg AnnounceConfig) (AnnounceStats, error) {
	if cfg.Every == 0 {
		cfg.Every = 20 * time.Second
	}
	switch {
	case cfg.Sessions < 1 || cfg.Sessions > 10000:
		return AnnounceStats{}, fmt.Errorf("%w: %d sessions (want 1 to 10000)", ErrConfig, cfg.Sessions)
	case cfg.Announcements < 1 || cfg.Announcements > 4096:
		return AnnounceStats{}, fmt.Errorf("%w: %d announcements (want 1 to 4096)", ErrConfig, cfg.Announcements)
	case cfg.Every < time.Millisecond || cfg.Every > time.Hour:
		return AnnounceStats{}, fmt.Errorf("%w: every %v (want 1ms to 1h)", ErrConfig, cfg.Every)
	}
	var raw Stats
	w := newWriter(out, Start, &raw)
	seed := uint32(0x616e6e)
	rnd := func() uint32 { seed = seed*1664525 + 1013904223; return seed }
	server := hostAt(netip.AddrFrom4([4]byte{192, 0, 2, 21}), 21)
	conns := make([]*conn, cfg.Sessions)
	const step = 50 * time.Microsecond
	line := func(c *conn, from int, s string) {
		w.emit(c, from, tcpPSH|tcpACK, []byte(s+"\r\n"), step)
	}
	for i := range conns {
		client := hostAt(netip.AddrFrom4([4]byte{10, byte(20 + i/62500), byte(i / 250 % 250), byte(i%250 + 1)}), uint16(40000+i%20000))
		c := newConn(client, server, classControl, rnd)
		conns[i] = c
		w.emit(c, 0, tcpSYN, nil, step)
		w.emit(c, 1, tcpSYN|tcpACK, nil, step)
		w.emit(c, 0, tcpACK, nil, step)
		line(c, 1, "220 (vsFTPd 3.0.3)")
		line(c, 0, "USER user"+fmt.Sprint(i))
		line(c, 1, "331 Please specify the password.")
		line(c, 0, "PASS secret")
		line(c, 1, "230 Login successful.")
	}
	st := AnnounceStats{Config: cfg}
	announce := func(i, round int) {
		c := conns[i]
		{
			port := 1024 + (i*cfg.Announcements+round)%60000
			line(c, 0, "PASV")
			line(c, 1, fmt.Sprintf("227 Entering Passive Mode (192,0,2,21,%d,%d).", port>>8, port&0xff))
			if cfg.Refused {
				line(c, 0, "LIST")
				line(c, 1, "425 Failed to establish connection.")
			}
			w.emit(c, 0, tcpACK, nil, step)
			st.Announcements++
		}
	}
	if cfg.Burst {
		for i := range conns {
			for round := range cfg.Announcements {
				w.now = w.now.Add(cfg.Every)
				announce(i, round)
			}
		}
	} else {
		for round := range cfg.Announcements {
			w.now = w.now.Add(cfg.Every)
			for i := range conns {
				announce(i, round)
			}
		}
	}
	w.now = w.now.Add(cfg.Every)
	for _, c := range conns {
		line(c, 0, "QUIT")
		line(c, 1, "221 Goodbye.")
		w.emit(c, 1, tcpFIN|tcpACK, nil, step)
		w.emit(c, 0, tcpFIN|tcpACK, nil, step)
		w.emit(c, 1, tcpACK, nil, step)
	}
	err := w.flush()
	st.Packets, st.Bytes = raw.Packets, raw.Bytes
	st.SpanSeconds = w.now.Sub(Start).Seconds()
	return st, err
}
