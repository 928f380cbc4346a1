package decode

import (
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tcpBytes serializes a TCP header with the given window, flags and
// options (no IP layer: parseTCP reads the TCP header alone).
func tcpBytes(t testing.TB, fl TCPFlags, win uint16, opts []layers.TCPOption) []byte {
	tcp := &layers.TCP{SrcPort: 50000, DstPort: 21, Seq: 7, Ack: 9, Window: win, Options: opts,
		FIN: fl.Has(FlagFIN), SYN: fl.Has(FlagSYN), RST: fl.Has(FlagRST), PSH: fl.Has(FlagPSH), ACK: fl.Has(FlagACK)}
	buf := gopacket.NewSerializeBuffer()
	if err := tcp.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wsOpt(shift byte) layers.TCPOption {
	return layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{shift}}
}

var (
	nopOpt = layers.TCPOption{OptionType: layers.TCPOptionKindNop}
	mssOpt = layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}}
	eolOpt = layers.TCPOption{OptionType: layers.TCPOptionKindEndList}
)

// TestParseTCPWindowAndScale guards what parseTCP reads for the window
// bound (tcpwindow.go): the raw window field of every segment, and the
// window scale option of a SYN only (RFC 7323 2.2), its shift capped at 14
// (2.3). Options it cannot walk announce no scaling, as a receiver that
// stops reading them sees none.
func TestParseTCPWindowAndScale(t *testing.T) {
	const S, A = FlagSYN, FlagACK
	tests := []struct {
		name   string
		raw    []byte
		window uint16
		shift  uint8
		has    bool
	}{
		{"window of a plain ACK", tcpBytes(t, A, 0xfe12, nil), 0xfe12, 0, false},
		{"SYN with Linux's options: shift 7", tcpBytes(t, S, 64240, []layers.TCPOption{mssOpt, nopOpt, wsOpt(7), nopOpt}), 64240, 7, true},
		{"SYN-ACK with shift 0", tcpBytes(t, S|A, 65535, []layers.TCPOption{wsOpt(0), nopOpt}), 65535, 0, true},
		{"shift over 14 taken as 14", tcpBytes(t, S, 1, []layers.TCPOption{wsOpt(15), nopOpt}), 1, 14, true},
		{"SYN without the option", tcpBytes(t, S, 29200, []layers.TCPOption{mssOpt}), 29200, 0, false},
		{"scale option on a segment without SYN is not read", tcpBytes(t, A, 501, []layers.TCPOption{wsOpt(7), nopOpt}), 501, 0, false},
		{"end of options before it", tcpBytes(t, S, 100, []layers.TCPOption{eolOpt, nopOpt, nopOpt, nopOpt, wsOpt(7), nopOpt, nopOpt, nopOpt}), 100, 0, false},
		{"a scale option of another length is skipped", tcpBytes(t, S, 100, []layers.TCPOption{
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 4, OptionData: []byte{7, 0}}, wsOpt(5), nopOpt}), 100, 5, true},
	}
	// Options whose length runs past the header, or is below 2: the walk
	// stops and finds no scale option.
	bad := tcpBytes(t, S, 100, []layers.TCPOption{{OptionType: 8, OptionLength: 10, OptionData: make([]byte, 8)}, wsOpt(7), nopOpt})
	bad[21] = 40 // the timestamps option now claims 40 bytes
	tests = append(tests, struct {
		name   string
		raw    []byte
		window uint16
		shift  uint8
		has    bool
	}{"option length past the header", bad, 100, 0, false})
	short := tcpBytes(t, S, 100, []layers.TCPOption{mssOpt, wsOpt(7), nopOpt})
	short[21] = 1 // the MSS option's length below 2
	tests = append(tests, struct {
		name   string
		raw    []byte
		window uint16
		shift  uint8
		has    bool
	}{"option length below 2", short, 100, 0, false})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, ok := parseTCP(tc.raw)
			if !ok || h.window != tc.window || h.wscale != tc.shift || h.hasWScale != tc.has {
				t.Errorf("parseTCP: ok %v, window %d, shift %d (option %v); want window %d, shift %d (option %v)",
					ok, h.window, h.wscale, h.hasWScale, tc.window, tc.shift, tc.has)
			}
		})
	}
}

// FuzzParseTCP checks parseTCP against gopacket's TCP layer on any bytes:
// never a panic; where both read a header, the same ports, numbers, flags
// and window; a scale option only on a SYN, never above 14, and where
// gopacket walked all the options, the shift of the first scale option of
// length 3 among them.
func FuzzParseTCP(f *testing.F) {
	f.Add(tcpBytes(f, FlagSYN, 64240, []layers.TCPOption{mssOpt, nopOpt, wsOpt(7), nopOpt}))
	f.Add(tcpBytes(f, FlagSYN|FlagACK, 65160, []layers.TCPOption{wsOpt(15), nopOpt}))
	f.Add(tcpBytes(f, FlagACK, 502, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := parseTCP(b)
		if !ok {
			return
		}
		if h.hasWScale && (!h.flags.Has(FlagSYN) || h.wscale > maxWindowShift) {
			t.Fatalf("scale option %d read on flags %#x", h.wscale, h.flags)
		}
		var g layers.TCP
		if err := g.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			return // gopacket refuses options parseTCP need not walk
		}
		if uint16(g.SrcPort) != h.srcPort || uint16(g.DstPort) != h.dstPort || g.Seq != h.seq || g.Ack != h.ack || g.Window != h.window {
			t.Fatalf("parseTCP %+v, gopacket ports %d %d seq %d ack %d window %d", h, g.SrcPort, g.DstPort, g.Seq, g.Ack, g.Window)
		}
		if g.SYN != h.flags.Has(FlagSYN) || g.ACK != h.flags.Has(FlagACK) || g.FIN != h.flags.Has(FlagFIN) || g.RST != h.flags.Has(FlagRST) {
			t.Fatalf("flags %#x, gopacket SYN %v ACK %v FIN %v RST %v", h.flags, g.SYN, g.ACK, g.FIN, g.RST)
		}
		stopped := len(g.Padding) > 0 && (len(g.Options) == 0 || g.Options[len(g.Options)-1].OptionType != layers.TCPOptionKindEndList)
		if !g.SYN || stopped {
			return // (gopacket stopped at an option it judges by more than its length)
		}
		var want uint8
		found := false
		for _, o := range g.Options {
			if o.OptionType == layers.TCPOptionKindEndList {
				break
			}
			if o.OptionType == layers.TCPOptionKindWindowScale && o.OptionLength == 3 && len(o.OptionData) == 1 {
				want, found = min(o.OptionData[0], maxWindowShift), true
				break
			}
		}
		if found != h.hasWScale || found && want != h.wscale {
			t.Fatalf("scale option %d (%v), gopacket's options say %d (%v): %v", h.wscale, h.hasWScale, want, found, g.Options)
		}
	})
}
