package track_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// maxInputTime bounds the analysis of one fuzz input: generous, so that it
// flags only a hang or a blow-up (work out of proportion to the input), not
// a slow machine.
const maxInputTime = 5 * time.Second

// fuzzLinks are the link types a fuzz input's frames may name.
var fuzzLinks = []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
	layers.LinkTypeNull, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6}

// decodeFrames decodes the frames of a fuzz input: each a 2-byte length,
// a link-type byte, a time step byte and the frame.
func decodeFrames(d *decode.Decoder, in []byte) {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for len(in) >= 4 {
		n := int(binary.BigEndian.Uint16(in))
		link, step := fuzzLinks[int(in[2])%len(fuzzLinks)], in[3]
		in = in[4:]
		n = min(n, len(in))
		frame := in[:n]
		in = in[n:]
		// Steps up to ~4 minutes, so that waits and expiries elapse.
		ts = ts.Add(time.Duration(step) * time.Duration(step) * 4 * time.Millisecond)
		d.Decode(frame, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, link)
	}
}

// FuzzPipeline feeds arbitrary frames through the whole analysis (decode,
// track, the diagnosis): the input is a sequence of frames, each a 2-byte
// length, a link-type byte, a time step byte and the frame. Nothing may
// panic, every session reported must end, and no input may take longer
// than maxInputTime.
func FuzzPipeline(f *testing.F) {
	// The seed: one whole session as the wire helper builds it.
	var seed []byte
	w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 256), record: &seed}
	w.d = decode.New(track.New(&countSink{}, track.Options{}), decode.Options{})
	w.session(1)
	f.Add(seed)
	f.Add([]byte{0, 4, 0, 1, 0x45, 0, 0, 20})
	f.Fuzz(func(t *testing.T, in []byte) {
		start := time.Now()
		sink := &countSink{}
		trk := track.New(diagnose.New(policy.Policy{}, sink, nil), track.Options{RecentOnly: len(in)%2 == 0})
		d := decode.New(trk, decode.Options{})
		decodeFrames(d, in)
		d.Finish()
		if trk.OpenSessions() != 0 {
			t.Errorf("%d sessions still open after Finish", trk.OpenSessions())
		}
		if el := time.Since(start); el > maxInputTime {
			t.Errorf("one input took %v", el)
		}
	})
}
