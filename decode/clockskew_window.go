package decode

import (
	"time"

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The window an input's interface clocks are judged in (clockskew.go).
// Its packets up to the first of an interface other than 0 pass at once
// (their stamps are interface 0's: nothing to correct), looked at for
// handshakes; from that packet on they are held, copied, while a decoder
// of their handshakes alone reads them, until the evidence settles
// (clockSkew.settled: an offset proved by skewEvidence handshakes), the
// input ends, or the bound is reached: skewWindowPackets packets or
// skewWindowBytes bytes held, or skewWindowTime of packet time since the
// first held packet. Then the offsets are given to the decoder and the
// held packets go on to it, in their order, and every later packet
// passes at once. A file and a pipe are read alike; a pipe's output waits
// for the window (a live capture has none). An input whose first
// skewOneInterface packets are all interface 0's is not looked at
// further (a pcap file, a pcapng of one interface): past them, a call
// and two branches per packet are its whole cost.
const (
	skewWindowPackets = 20000
	skewWindowBytes   = 16 << 20
	skewWindowTime    = 2 * time.Minute
	skewOneInterface  = 2000
)

// skewWindow is the Source ClockSkewWindow returns.
type skewWindow struct {
	src capture.Source
	d   *Decoder
	// probe decodes the window's packets for their handshakes alone,
	// into seen.
	probe *Decoder
	hs    *skewProbe
	// off: the offset taken off each interface's stamps, when on.
	off [maxSkewInterfaces + 1]time.Duration
	on  bool
	// seen: packets read from src so far, while looking.
	seen int
	// state: looking (packets pass, looked at), holding, draining (the
	// held packets go out) or passing.
	state uint8
	held  []skewHeld
	bytes []byte // the held packets' bytes, one after the other
	first time.Time
	out   int   // the next held packet to give
	err   error // what src said at the window's end, given after the held packets
}

const (
	skewLooking = iota
	skewHolding
	skewDraining
	skewPassing
)

type skewHeld struct {
	at, n int // in bytes
	ci    gopacket.CaptureInfo
	link  layers.LinkType
}

// ClockSkewWindow reads src, one input of d, judging its interfaces'
// clocks in a window at its start (above): the offsets proved are taken
// off the stamps it gives from the input's first packet on, said in d's
// Stats, and d's reorder waits grow by them. The offsets of an earlier
// input end. Wrap the input's own reader (below any filter, carving or
// progress, which are to see the packets as d decodes them).
func ClockSkewWindow(src capture.Source, d *Decoder) capture.Source {
	d.setClockSkews(&clockSkew{})
	hs := new(skewProbe)
	return &skewWindow{src: src, d: d, probe: New(hs, Options{}), hs: hs}
}

func (w *skewWindow) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	switch w.state {
	case skewPassing:
		data, ci, link, err := w.src.Next()
		if w.on {
			w.correct(&ci)
		}
		return data, ci, link, err
	case skewDraining:
		return w.drain()
	}
	data, ci, link, err := w.src.Next()
	if err != nil {
		w.end()
		return data, ci, link, err
	}
	if ci.InterfaceIndex == 0 {
		w.seen++
		if w.seen >= skewOneInterface {
			w.end() // (one interface: nothing to judge)
			return data, ci, link, nil
		}
		w.look(data, ci, link)
		return data, ci, link, nil
	}
	// The first packet of another interface: hold from here.
	w.state = skewHolding
	w.first = ci.Timestamp
	w.keep(data, ci, link)
	for !w.full() && !w.hs.settled() {
		data, ci, link, err = w.src.Next()
		if err != nil {
			w.err = err
			break
		}
		w.keep(data, ci, link)
	}
	w.off, w.on = w.d.setClockSkews(&w.hs.clockSkew)
	w.probe, w.hs = nil, nil
	w.state = skewDraining
	return w.drain()
}

// keep holds a copy of a packet and looks at it.
func (w *skewWindow) keep(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	w.held = append(w.held, skewHeld{at: len(w.bytes), n: len(data), ci: ci, link: link})
	w.bytes = append(w.bytes, data...)
	w.look(data, ci, link)
}

// look gives a packet to the probe decoder, whose TCP segments come to
// hs.Segment during its Decode.
func (w *skewWindow) look(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	w.hs.ifi = ci.InterfaceIndex
	w.probe.Decode(data, ci, link)
}

// correct reads a packet of an interface whose offset was proved at
// interface 0's time.
func (w *skewWindow) correct(ci *gopacket.CaptureInfo) {
	if i := ci.InterfaceIndex; i > 0 && i <= maxSkewInterfaces {
		ci.Timestamp = ci.Timestamp.Add(-w.off[i])
	}
}

// full tells whether the window reached its bound.
func (w *skewWindow) full() bool {
	if len(w.held) >= skewWindowPackets || len(w.bytes) >= skewWindowBytes {
		return true
	}
	last := w.held[len(w.held)-1].ci.Timestamp
	return PacketSub(last, w.first) > skewWindowTime
}

// drain gives the next held packet, then what src said at the window's
// end, then src's packets.
func (w *skewWindow) drain() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if w.out < len(w.held) {
		h := &w.held[w.out]
		w.out++
		ci := h.ci
		if w.on {
			w.correct(&ci)
		}
		return w.bytes[h.at : h.at+h.n : h.at+h.n], ci, h.link, nil
	}
	w.held, w.bytes = nil, nil
	w.state = skewPassing
	if w.err != nil {
		err := w.err
		w.err = nil
		return nil, gopacket.CaptureInfo{}, 0, err
	}
	return w.Next()
}

// end closes the window with nothing held: no offset.
func (w *skewWindow) end() {
	w.state = skewPassing
	w.probe = nil
}

func (w *skewWindow) Name() string { return w.src.Name() }

func (w *skewWindow) Close() error { return w.src.Close() }

// skewProbe is the Handler of the window's probe decoder: each TCP
// segment, as the decoder reads it (Decoder.handleTCP calls Segment
// within Decode), is looked at for handshakes, with the interface of the
// packet being decoded (ifi).
type skewProbe struct {
	clockSkew
	ifi int
}

func (p *skewProbe) Segment(s *Segment)     { p.segment(s, p.ifi) }
func (*skewProbe) Unreachable(*Unreachable) {}
func (*skewProbe) Control(*ControlEvent)    {}
func (*skewProbe) Tick(time.Time)           {}
func (*skewProbe) Finish()                  {}
