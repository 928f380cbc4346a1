package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// helloRETR starts a RETR of a session whose data is protected, up to
// its data connection's handshake and the client's hello; a is the
// client's end, b the server's.
func helloRETR(t *testing.T) (s *session, a, b netip.AddrPort) {
	t.Helper()
	s = cccSession(t)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f")
	a, b = netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000")
	s.segData(a, b, decode.FlagSYN, 1000, nil)
	s.segData(b, a, decode.FlagSYN|decode.FlagACK, 5000, nil)
	s.segData(a, b, decode.FlagACK, 1001, nil)
	s.segData(a, b, decode.FlagACK|decode.FlagPSH, 1001, fullClientHello)
	return s, a, b
}

// protectedRETR drives a RETR of a session whose data is protected: its
// data connection carries the TLS hellos; then the capture misses lost
// bytes of the server's side, of which the last tail arrive; the server's
// FIN, the client's, and the transfer's final reply.
func protectedRETR(t *testing.T, lost uint32, tail int, code int, text string) *DataConn {
	t.Helper()
	s, a, b := helloRETR(t)
	s.segData(b, a, decode.FlagACK|decode.FlagPSH, 5001, fullServerHello)
	end := 5001 + uint32(len(fullServerHello)) + lost
	if tail > 0 {
		s.segData(b, a, decode.FlagACK|decode.FlagPSH, end-uint32(tail), make([]byte, tail))
	}
	s.segData(b, a, decode.FlagFIN|decode.FlagACK, end, nil)
	s.segData(a, b, decode.FlagFIN|decode.FlagACK, 1001+uint32(len(fullClientHello)), nil)
	s.reply(code, text)
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	return s.rec.data[0]
}

// TestTLSHoleBeforeFINIsNotHandshakeOnly guards the hole the FIN reveals:
// its sequence number shows bytes the capture never had, so what crossed
// is unknown and the connection is not called handshake only, whatever
// the reply.
func TestTLSHoleBeforeFINIsNotHandshakeOnly(t *testing.T) {
	d := protectedRETR(t, 4000, 0, 451, "Transfer aborted. Local error in processing")
	if d.Outcome != OutcomeTransferred || d.TLSHandshakeOnly() {
		t.Errorf("outcome %v, handshake only %v; want transferred: 4000 bytes before the FIN were never read", d.Outcome, d.TLSHandshakeOnly())
	}
}

// TestTLSResetAfterFINIsHandshakeOnly guards the sequence number a FIN
// takes: ProFTPD ends a data connection it refuses for not resuming the
// TLS session with its FIN, then an RST at the FIN's sequence number plus
// one (pcaps/real/proftpd-ftps-reuse.pcap); that RST follows the stream,
// so the connection that carried only its handshake stays handshake only.
// The FIN may come alone or on the last segment with data (Linux sends
// it with the last queued bytes when close() finds them unsent).
func TestTLSResetAfterFINIsHandshakeOnly(t *testing.T) {
	for _, finOnHello := range []bool{false, true} {
		s, a, b := helloRETR(t)
		fin := 5001 + uint32(len(fullServerHello))
		if finOnHello {
			s.segData(b, a, decode.FlagACK|decode.FlagPSH|decode.FlagFIN, 5001, fullServerHello)
		} else {
			s.segData(b, a, decode.FlagACK|decode.FlagPSH, 5001, fullServerHello)
			s.segData(b, a, decode.FlagFIN|decode.FlagACK, fin, nil)
		}
		s.segData(a, b, decode.FlagACK, 1001+uint32(len(fullClientHello)), nil)
		s.segData(b, a, decode.FlagRST|decode.FlagACK, fin+1, nil)
		s.reply(425, "Unable to build data connection: Operation not permitted")
		s.end()
		if len(s.rec.data) != 1 {
			t.Fatalf("%d data records, want 1", len(s.rec.data))
		}
		if d := s.rec.data[0]; d.Outcome != OutcomeConnected || !d.TLSHandshakeOnly() {
			t.Errorf("FIN with the hello %v: outcome %v, handshake only %v; want connected, handshake only: the RST came right after the FIN",
				finOnHello, d.Outcome, d.TLSHandshakeOnly())
		}
	}
}

// TestTLSTransferAnswered2xxIsNotHandshakeOnly guards the server's word:
// records read as handshake only (TLS 1.3 tickets and close_notify have
// the shapes of small file records) are the file when the transfer's
// final reply is a 2xx.
func TestTLSTransferAnswered2xxIsNotHandshakeOnly(t *testing.T) {
	d := protectedRETR(t, 0, 0, 226, "Transfer complete")
	if d.Outcome != OutcomeTransferred || d.TLSHandshakeOnly() {
		t.Errorf("outcome %v, handshake only %v; want transferred: the server said the transfer completed", d.Outcome, d.TLSHandshakeOnly())
	}
}

// TestTLSReaderReleasedOnceSettled guards the state a protected data
// connection keeps: once application data has crossed, nothing can change
// its verdict, so the reader (two scanners and their buffers) goes then,
// not when a transfer that may last hours ends.
func TestTLSReaderReleasedOnceSettled(t *testing.T) {
	s, a, b := helloRETR(t)
	s.segData(b, a, decode.FlagACK|decode.FlagPSH, 5001, fullServerHello)
	dc := s.trk.lookupData(b, a)
	if dc == nil || dc.tls == nil {
		t.Fatalf("no TLS reader on the data connection after the hellos: %+v", dc)
	}
	// A TLS 1.2 application data record each way settles the content.
	appData := []byte{23, 3, 3, 0, 4, 1, 2, 3, 4}
	s.segData(b, a, decode.FlagACK|decode.FlagPSH, 5001+uint32(len(fullServerHello)), appData)
	s.segData(a, b, decode.FlagACK|decode.FlagPSH, 1001+uint32(len(fullClientHello)), appData)
	if dc.tls != nil {
		t.Errorf("the TLS reader is kept after application data crossed both ways")
	}
	if v, seen := dc.TLSHandshake(); !seen || v.Content.String() == "" {
		t.Errorf("verdict lost when the reader went: %+v %v", v, seen)
	}
}
