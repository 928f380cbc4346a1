package track

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/decode/tlshello"
)

// A TLS 1.2 full handshake's first flights, byte for byte (RFC 5246
// section 7.4): a ClientHello offering no session to resume, and the
// server's ServerHello followed by a Certificate (an empty chain is enough
// to show the handshake is full).
var (
	fullClientHello = tlsRecord(hsMsg(1, append(helloRandom(), 0, 0, 2, 0xc0, 0x2f, 1, 0))) // no session ID, one suite, null compression
	fullServerHello = tlsRecord(append(hsMsg(2, append(helloRandom(), 0, 0xc0, 0x2f, 0)), hsMsg(11, []byte{0, 0, 0})...))
)

// helloRandom is a hello's version (TLS 1.2) and random.
func helloRandom() []byte {
	b := []byte{3, 3}
	for i := range 32 {
		b = append(b, byte(i))
	}
	return b
}

func hsMsg(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

func tlsRecord(msgs []byte) []byte {
	n := len(msgs)
	return append([]byte{22, 3, 1, byte(n >> 8), byte(n)}, msgs...)
}

// segData sends one segment with this payload.
func (s *session) segData(src, dst netip.AddrPort, flags decode.TCPFlags, seq uint32, p []byte) {
	s.num++
	s.tick(time.Millisecond)
	seg := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Payload: p, PayloadLen: len(p)}
	s.trk.Segment(&seg)
}

// helloTransfer runs a passive data connection from the client to b whose
// first bytes, each way, are first and second.
func (s *session) helloTransfer(b netip.AddrPort, first, second []byte) {
	a := netip.MustParseAddrPort("198.51.100.7:50001")
	s.segData(a, b, decode.FlagSYN, 1000, nil)
	s.segData(b, a, decode.FlagSYN|decode.FlagACK, 5000, nil)
	s.segData(a, b, decode.FlagACK, 1001, nil)
	s.segData(a, b, decode.FlagACK|decode.FlagPSH, 1001, first)
	s.segData(b, a, decode.FlagACK|decode.FlagPSH, 5001, second)
	s.segData(b, a, decode.FlagFIN|decode.FlagACK, 5001+uint32(len(second)), nil)
	s.segData(a, b, decode.FlagFIN|decode.FlagACK, 1001+uint32(len(first)), nil)
}

// cccSession is a session that turned to TLS (AUTH TLS, 234) and back to
// clear text (CCC, or TLS closed): decode's ControlCleartext.
func cccSession(t *testing.T) *session {
	s := newSession(t)
	s.cmd("AUTH", "TLS")
	s.reply(234, "AUTH TLS successful")
	s.ctl(decode.ControlEvent{Kind: decode.ControlCleartext})
	return s
}

// TestDataTLSHellosReadAfterCCC: after CCC the control channel is clear
// text again, but the PROT P set inside TLS still protects the data
// connections (RFC 4217 section 12.3): their TLS hellos are read, so a
// full handshake a server refuses for lack of resumption is seen.
func TestDataTLSHellosReadAfterCCC(t *testing.T) {
	s := cccSession(t)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f")
	s.helloTransfer(netip.MustParseAddrPort("192.0.2.10:40000"), fullClientHello, fullServerHello)
	s.reply(425, "Unable to build data connection: Operation not permitted")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	v, seen := s.rec.data[0].TLSHandshake()
	if !seen || v.Resumption != tlshello.Full {
		t.Errorf("TLS handshake of the data connection after CCC: seen %v, resumption %v (%v); want a full handshake read", seen, v.Resumption, v.Reason)
	}
}

// TestClearDataAfterPROTCNotReadAsTLS: a PROT C read in clear text after
// CCC makes the data connections clear text, so a file whose bytes happen
// to be TLS records (a saved handshake) is not read as the connection's
// handshake; a PROT P read the same way keeps them protected.
func TestClearDataAfterPROTCNotReadAsTLS(t *testing.T) {
	for _, tc := range []struct {
		prot string
		want bool
	}{{"C", false}, {"P", true}} {
		s := cccSession(t)
		s.cmd("PROT", tc.prot)
		s.reply(200, "Protection set")
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
		s.cmd("RETR", "saved-handshake.bin")
		s.reply(150, "Opening BINARY mode data connection")
		s.helloTransfer(netip.MustParseAddrPort("192.0.2.10:40000"), fullClientHello, fullServerHello)
		s.reply(226, "Transfer complete")
		s.end()
		if len(s.rec.data) != 1 {
			t.Fatalf("PROT %s: %d data records, want 1", tc.prot, len(s.rec.data))
		}
		if _, seen := s.rec.data[0].TLSHandshake(); seen != tc.want {
			t.Errorf("PROT %s in clear text after CCC: TLS handshake read %v, want %v", tc.prot, seen, tc.want)
		}
	}
}

// TestPROTBeforeAUTHForgottenUnderTLS: a PROT read before the control
// channel turned to TLS says nothing about the level set inside it.
func TestPROTBeforeAUTHForgottenUnderTLS(t *testing.T) {
	s := newSession(t)
	s.cmd("PROT", "C")
	s.reply(200, "Protection set to Clear")
	s.cmd("AUTH", "TLS")
	s.reply(234, "AUTH TLS successful")
	s.ctl(decode.ControlEvent{Kind: decode.ControlCleartext})
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("LIST", "")
	s.reply(150, "Opening ASCII mode data connection for file list")
	s.helloTransfer(netip.MustParseAddrPort("192.0.2.10:40000"), fullClientHello, fullServerHello)
	s.reply(226, "Transfer complete")
	s.end()
	if _, seen := s.rec.data[0].TLSHandshake(); !seen {
		t.Error("a PROT C read before AUTH kept the data connection after CCC from being read as TLS")
	}
}

// TestCCCCaptureDataHandshakeRead: in pcaps/synthetic/ftps-ccc.pcap the
// LIST after CCC travels in TLS, and the client resumes the control
// connection's session with a PSK (as ProFTPD requires); read through the
// real decoder, that handshake is read and judged resumed.
func TestCCCCaptureDataHandshakeRead(t *testing.T) {
	rec := readCapture(t, "../pcaps/synthetic/ftps-ccc.pcap")
	if len(rec.data) != 1 {
		t.Fatalf("%d data connections, want 1", len(rec.data))
	}
	v, seen := rec.data[0].TLSHandshake()
	if !seen || v.Resumption != tlshello.Resumed || v.Used != tlshello.ByPSK {
		t.Errorf("the data connection's TLS handshake after CCC: seen %v, %v by %v; want read, resumed by PSK", seen, v.Resumption, v.Used)
	}
}

// readCapture runs a capture through the real decoder and a tracker.
func readCapture(t *testing.T, path string) *recorder {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rec := &recorder{}
	trk := New(rec, Options{})
	dec := decode.New(trk, decode.Options{})
	if err := dec.DecodeAll(src); err != nil {
		t.Fatal(err)
	}
	dec.Finish()
	trk.Finish()
	return rec
}

// TestTLSHandshakeOnlyIsNotATransfer guards the outcome of a protected
// data connection whose payload was its TLS handshake and nothing else
// (the server closed it after the handshake and refused the transfer):
// connected, not transferred, with its handshake bytes still counted.
// Data connections that carried application data in TLS stay transferred.
func TestTLSHandshakeOnlyIsNotATransfer(t *testing.T) {
	tests := []struct {
		path string
		want []Outcome // per data connection, in order
	}{
		// ftplib's full TLS 1.3 handshake after CCC, ProFTPD's two
		// tickets and close_notify, then its 425.
		{"../pcaps/synthetic/ftps-ccc-refused.pcap", []Outcome{OutcomeConnected}},
		// vsftpd require_ssl_reuse=YES: curl --no-sessionid in TLS 1.3
		// and in TLS 1.2 (refused after the handshake), then a TLS 1.2
		// resumption that gets the file.
		{"../pcaps/real/ftps-reuse-required.pcap", []Outcome{OutcomeConnected, OutcomeConnected, OutcomeTransferred}},
		{"../pcaps/real/ftps-explicit.pcap", []Outcome{OutcomeTransferred}},
		{"../pcaps/real/helper-nat-ftps-client.pcap", []Outcome{OutcomeTransferred}},
		{"../pcaps/real/helper-nat-ftps-server.pcap", []Outcome{OutcomeTransferred}},
		// A resumed TLS 1.3 handshake and a listing in one record: one
		// ticket-sized record, which the rule cannot tell from a ticket.
		{"../pcaps/synthetic/ftps-ccc.pcap", []Outcome{OutcomeTransferred}},
	}
	for _, tc := range tests {
		rec := readCapture(t, tc.path)
		var got []Outcome
		for _, d := range rec.data {
			got = append(got, d.Outcome)
			if d.Outcome == OutcomeConnected && (!d.TLSHandshakeOnly() || d.TotalBytes() == 0) {
				t.Errorf("%s: data #%d connected with %d bytes, handshake only %v: want its handshake bytes counted", tc.path, d.ID, d.TotalBytes(), d.TLSHandshakeOnly())
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: outcomes %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestTLSRecordsLostStayTransferred: when the capture loses part of a
// protected data connection, its records cannot be followed, so its
// payload is not called a handshake: the outcome stays transferred.
func TestTLSRecordsLostStayTransferred(t *testing.T) {
	// A failure reply: a 2xx alone would make it a transfer
	// (TestTLSTransferAnswered2xxIsNotHandshakeOnly).
	d := protectedRETR(t, 4000, 100, 451, "Transfer aborted. Local error in processing")
	if d.Outcome != OutcomeTransferred || d.TLSHandshakeOnly() {
		t.Errorf("outcome %v, handshake only %v; want transferred: the records after the hole were not read", d.Outcome, d.TLSHandshakeOnly())
	}
}
