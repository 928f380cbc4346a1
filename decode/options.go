package decode

import "time"

// Options configures a Decoder. The zero value is usable.
type Options struct {
	// ControlPorts are the server ports whose connections are FTP control
	// connections. Empty means just 21. Connections on other ports are
	// recognised by content (a 220 greeting answered by an FTP command no
	// mail or news protocol shares: candidateVerdict). On one but 21, a
	// connection whose client opens its stream with a TLS ClientHello is
	// implicit FTPS, as on an ImplicitTLSPorts port; a ClientHello
	// elsewhere is not FTP.
	ControlPorts []uint16
	// ImplicitTLSPorts are the server ports of implicit FTPS (TLS from the
	// first byte), control ports too. Empty means just 990. Their
	// sessions are reported as encrypted; nothing in them is parsed.
	ImplicitTLSPorts []uint16
	// NoContentDetection turns off recognition by content.
	NoContentDetection bool
	// MaxLine bounds one control line; 0 means ftp.DefaultMaxLine.
	MaxLine int
	// MaxControlConns bounds the control connections followed at once;
	// 0 means DefaultMaxControlConns.
	MaxControlConns int
	// MaxCandidates bounds the connections checked for FTP by content at
	// once; 0 means DefaultMaxCandidates.
	MaxCandidates int
	// DataPayload: reassemble the payload of the connections a Handler
	// that implements PayloadHandler wants (payload.go), at most
	// MaxPayloadConns at once (0 means DefaultMaxPayloadConns).
	DataPayload     bool
	MaxPayloadConns int
	// MayReorder: the packets may come out of the order they crossed the
	// wire, across the capture's sources (a live capture on several
	// interfaces): bytes an ACK proves sent are waited for, a bounded
	// time, before they are reported lost (skew.go). A pcapng whose
	// packets name two interfaces is found so without it.
	MayReorder bool
	// SteadyClock, for a live capture: the host's wall clock now, which
	// stamps its packets and idle ticks, and the time elapsed on a clock
	// no step of the wall clock moves (capture.SteadyClock). A forward
	// step of the wall clock (NTP stepping it, date -s) then shows as
	// such, not as time that passed (liveclock.go). Nil when reading a
	// file: its packets' times are all there is.
	SteadyClock func() (wall time.Time, elapsed time.Duration)
}

const (
	DefaultMaxControlConns = 10000
	DefaultMaxCandidates   = 4096
	// candidateProbeBytes is how much a candidate's server may send before
	// its client speaks; past it the connection is not FTP.
	candidateProbeBytes = 8192
)
