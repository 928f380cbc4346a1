package track

import (
	"net/netip"

	"github.com/ftpsniff/ftpsniff/decode"
)

// PayloadSink is an optional interface of a Sink: the contents of the
// data connections, for extraction. With one, the Tracker implements
// decode.PayloadHandler: it asks decode to reassemble the connections it
// followed (from a SYN, a SYN-ACK or their first bytes), and hands their
// ordered bytes on with the data
// connection they belong to. The Sink decides what to keep.
//
// Calls come before the Data call of the connection: for the segment
// that ends it (the last FIN, an RST) the bytes come first. Bytes of a
// connection already reported, or never matched, are dropped.
type PayloadSink interface {
	// DataPayload delivers in-order payload of dc. toClient gives the
	// direction in FTP roles, whichever side opened the connection: true
	// for bytes the FTP server sent (RETR, LIST), false for bytes the
	// FTP client sent (STOR, APPE, STOU). b is valid only during the call.
	DataPayload(dc *DataConn, toClient bool, b []byte)
	// DataPayloadGap reports n bytes of dc in that direction the capture
	// lacks. A negative n is a notice, not a length (decode.GapGivenUp:
	// the connection was given up and no later byte of it comes;
	// decode.GapStartUnknown; a conflict, decode.GapConflictBack), passed
	// on unchanged.
	DataPayloadGap(dc *DataConn, toClient bool, n int64)
}

// PayloadChooser is an optional interface of a PayloadSink: it chooses
// which data connections decode reassembles, so the bounded reassembly
// table holds only connections whose bytes will be used (a transfer the
// sink refused would otherwise take the place of one it writes).
type PayloadChooser interface {
	// ChoosePayload is asked for a live data connection decode does not
	// follow (at its SYN, SYN-ACK, or bytes without either; again for
	// later segments while the answer is no): false leaves its bytes
	// undelivered.
	ChoosePayload(dc *DataConn) bool
}

// payloadSinkOf returns the sink's PayloadSink side, or nil.
func payloadSinkOf(s Sink) PayloadSink {
	p, _ := s.(PayloadSink)
	return p
}

// WantPayload implements decode.PayloadHandler: a connection the tracker
// follows as a data connection, when the sink takes payload (and, when it
// is a PayloadChooser, chooses it).
func (t *Tracker) WantPayload(src, dst netip.AddrPort) bool {
	if t.payload == nil {
		return false
	}
	dc := t.lookupData(src, dst)
	if dc == nil || dc.Done || dc.viaAlias(src, dst) {
		// (Its reflection alias's 4-tuple carries no bytes of it:
		// watchReflection.)
		return false
	}
	if c, ok := t.payload.(PayloadChooser); ok {
		return c.ChoosePayload(dc)
	}
	return true
}

// DataBytes implements decode.PayloadHandler.
func (t *Tracker) DataBytes(src, dst netip.AddrPort, b []byte) {
	if dc, toClient := t.payloadConn(src, dst); dc != nil {
		t.payload.DataPayload(dc, toClient, b)
	}
}

// DataGap implements decode.PayloadHandler.
func (t *Tracker) DataGap(src, dst netip.AddrPort, n int64) {
	if dc, toClient := t.payloadConn(src, dst); dc != nil {
		t.payload.DataPayloadGap(dc, toClient, n)
	}
}

// payloadConn finds the live data connection bytes from src to dst belong
// to, numbered (its file is named after its number), and the direction in
// FTP roles.
func (t *Tracker) payloadConn(src, dst netip.AddrPort) (*DataConn, bool) {
	if t.payload == nil {
		return nil, false
	}
	dc := t.lookupData(src, dst)
	if dc == nil || dc.Done {
		return nil, false
	}
	if !dc.lostPortUntied() {
		// (One taken for a lost PORT is numbered once its transfer
		// command is tied to it, or when reported: one given up for
		// the server's data port takes no number.)
		t.numberData(dc)
	}
	// dc.Client opened the connection: the FTP client in passive mode,
	// the FTP server in active mode.
	return dc, (src == dc.Client) != dc.Passive
}

// Compile-time check: the Tracker takes decode's payload.
var _ decode.PayloadHandler = (*Tracker)(nil)
var _ decode.PayloadEndHandler = (*Tracker)(nil)
