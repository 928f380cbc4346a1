package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/tlshello"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestTLSNotResumedNotWhenTheServerSentData guards the false alarm the
// real Pure-FTPd raised (pcaps/real/pureftpd-ftps.pcap, -Y 2): it never
// resumes a TLS session and does not require it, so every data connection
// makes a full handshake, then carries the file in a record no ticket is
// that long. A server that sent data took the connection: no
// data-tls-not-resumed, and the verdict says the data connections worked.
func TestTLSNotResumedNotWhenTheServerSentData(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/pureftpd-ftps.pcap", policy.Policy{})
	for _, f := range rec.findings {
		if f.Code == CodeTLSNotResumed {
			t.Errorf("data-tls-not-resumed on a transfer that carried the file: %s\n%s", f.Evidence, render(rec, diag))
		}
	}
	sums := diag.Summaries()
	if len(sums) != 1 || !strings.Contains(sums[0].Verdict, "data connections worked") {
		t.Errorf("verdicts %+v, want the data connections to have worked", sums)
	}
}

// TestProFTPDRefusesUnresumedData: the real ProFTPD (mod_tls, default
// TLSOptions) ends both data connections that did not resume the session
// with its FIN and then an RST (pcaps/real/proftpd-ftps-reuse.pcap):
// each carried its handshake only, so each is connected, not transferred,
// and each raises data-tls-not-resumed; the third, resumed, transferred.
func TestProFTPDRefusesUnresumedData(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/proftpd-ftps-reuse.pcap", policy.Policy{})
	var unresumed []int
	for _, f := range rec.findings {
		if f.Code == CodeTLSNotResumed && f.Data != nil {
			unresumed = append(unresumed, f.Data.ID)
			if f.Data.Outcome != track.OutcomeConnected || !f.Data.TLSHandshakeOnly() {
				t.Errorf("data #%d: %v, handshake only %v; want connected, handshake only", f.Data.ID, f.Data.Outcome, f.Data.TLSHandshakeOnly())
			}
		}
	}
	if len(unresumed) != 2 {
		t.Errorf("data-tls-not-resumed on data connections %v, want two\n%s", unresumed, render(rec, diag))
	}
}

// TestProFTPDRefusedUploadIsReported guards a refusal an upload hides
// (pcaps/real/proftpd-ftps-upload.pcap): curl --no-sessionid sends its
// first records right after the handshake, so the connection carries 17 KB
// before ProFTPD's alert, FIN and reset; nothing is stored. The server cut
// the upload off: data-tls-not-resumed says so, whatever the size; the
// resumed upload of session 2 raises nothing.
func TestProFTPDRefusedUploadIsReported(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/proftpd-ftps-upload.pcap", policy.Policy{})
	var got []int
	for _, f := range rec.findings {
		if f.Code == CodeTLSNotResumed && f.Data != nil {
			got = append(got, f.Data.ID)
			if !f.Data.ServerAbortedUpload() || !strings.Contains(f.Message, "cut the upload off") {
				t.Errorf("data #%d: %s", f.Data.ID, f.Message)
			}
		}
	}
	if len(got) != 1 || got[0] != 1 {
		t.Errorf("data-tls-not-resumed on data connections %v, want data #1 only\n%s", got, render(rec, diag))
	}
}

// TestCutOffUploadOnlyWhereResumptionIsRequired guards the refused-upload
// rule against causes that cut an upload off the same way (a full disk, a
// size limit, an ABOR: the reply is ciphertext): it applies only soon
// after the handshake, and never for a server family that does not
// require resumption.
func TestCutOffUploadOnlyWhereResumptionIsRequired(t *testing.T) {
	v := tlshello.Verdict{Resumption: tlshello.Full, Version: tlshello.VersionTLS13}
	s := &track.Session{}
	for _, tc := range []struct {
		name  string
		kind  policy.ServerKind
		bytes int64
		want  bool
	}{
		{"ProFTPD, cut off after 17 KB", policy.ServerProFTPD, 17003, true},
		{"a server of unknown family, 17 KB", policy.ServerUnknown, 17003, true},
		{"ProFTPD, cut off after 200 KB: not right after the handshake", policy.ServerProFTPD, 200 << 10, false},
		{"Pure-FTPd never requires resumption", policy.ServerPureFTPd, 17003, false},
		{"pyftpdlib never requires resumption", policy.ServerPyftpdlib, 17003, false},
	} {
		dc := &track.DataConn{ID: 1, Passive: true, ReceiverAborted: true, RSTFromServer: true,
			EndReason: track.EndRST, Bytes: [2]int64{tc.bytes, 1941}, Session: s}
		f := tlsNotResumedVerdict(s, dc, v, family{kind: tc.kind})
		if got := f != nil; got != tc.want {
			t.Errorf("%s: finding %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestTLSNotResumedClientHelloNotCaptured guards data-tls-not-resumed's
// evidence against saying what the capture cannot show: with the data
// connections' ClientHellos lost (frames 32 and 85 of
// pcaps/real/proftpd-ftps-reuse.pcap), the full handshake is still seen
// in the server's hello, but what the client offered is unknown, not
// "no session to resume".
func TestTLSNotResumedClientHelloNotCaptured(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		want       string
	}{
		{"hellos captured", "../../pcaps/real/proftpd-ftps-reuse.pcap", "the client offered no session to resume"},
		{"client hellos lost", withoutFrames(t, "../../pcaps/real/proftpd-ftps-reuse.pcap", 32, 85), "the client's hello is not in the capture, so what it offered is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, diag := run(t, tc.path, policy.Policy{})
			n := 0
			for _, f := range rec.findings {
				if f.Code != CodeTLSNotResumed {
					continue
				}
				n++
				if !strings.Contains(f.Evidence, tc.want) {
					t.Errorf("evidence %q lacks %q", f.Evidence, tc.want)
				}
			}
			if n == 0 {
				t.Errorf("no data-tls-not-resumed\n%s", render(rec, diag))
			}
		})
	}
}
