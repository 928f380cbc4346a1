package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// dataRecorder is recorder that keeps the data connections too.
type dataRecorder struct {
	*recorder
	data []*track.DataConn
}

func (r *dataRecorder) Data(s *track.Session, dc *track.DataConn) {
	r.recorder.Data(s, dc)
	r.data = append(r.data, dc)
}

// runData is run, keeping the data connections.
func runData(t *testing.T, path string) (*dataRecorder, *Diagnoser) {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer src.Close()
	rec := &dataRecorder{recorder: &recorder{}}
	diag := New(policy.Policy{}, rec, rec)
	trk := track.New(diag, track.Options{})
	dec := decode.New(trk, decode.Options{})
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	return rec, diag
}

// TestClearDataRefusedIsNotAWorkingTransfer guards the real ProFTPD with
// TLSRequired on against clients that sent PROT C
// (pcaps/real/ftps-prot-refused-proftpd.pcap; its command log: PROT C ->
// 534, RETR -> 425 in session 1, 522 "SSL/TLS required on the data
// channel" in session 2, all inside TLS). Data #1 carried nothing from
// the client and only the server's TLS alert; data #2 nothing, then the
// server's reset. Neither moved a file: both connected, each with
// data-tls-required (an error for the alert, a warning for the bare
// reset), and the verdict does not say the data connections worked.
func TestClearDataRefusedIsNotAWorkingTransfer(t *testing.T) {
	rec, diag := runData(t, "../../pcaps/real/ftps-prot-refused-proftpd.pcap")
	want := map[int]Severity{1: SeverityError, 2: SeverityWarning}
	got := map[int]Severity{}
	for _, f := range rec.findings {
		if f.Code == CodeTLSRequired && f.Data != nil {
			got[f.Data.ID] = f.Severity
		}
	}
	for id, sev := range want {
		if s, ok := got[id]; !ok || s != sev {
			t.Errorf("data #%d: data-tls-required %v (raised %v), want %v\n%s", id, s, ok, sev, render(rec.recorder, diag))
		}
	}
	for _, dc := range rec.data {
		if dc.Outcome != track.OutcomeConnected {
			t.Errorf("data #%d: %v, want connected: no file moved", dc.ID, dc.Outcome)
		}
		if dc.ID == 1 && (dc.DataTLS() != track.DataTLSAlert || !dc.TLSAlertOnly()) {
			t.Errorf("data #1: TLS state %q, alert only %v; want the server's alert only", dc.DataTLS(), dc.TLSAlertOnly())
		}
	}
	sums := diag.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	v := sums[0].Verdict
	if strings.Contains(v, "worked") || !strings.Contains(v, "data-tls-required") || !strings.Contains(v, "PROT P") || !strings.Contains(v, "likeliest") {
		t.Errorf("verdict %q: want no \"worked\", the refusal hedged, PROT P advised", v)
	}
}

// TestClearDataUnderEncryptedControlIsReported guards the real vsftpd
// taking PROT C from curl --ftp-ssl-control under an encrypted control
// channel (pcaps/real/ftps-protc-vsftpd.pcap): the 4640-byte file crossed
// in clear. The data connection's TLS state says so, data-cleartext (a
// note) says anyone on the path can read it, and the verdict names it.
func TestClearDataUnderEncryptedControlIsReported(t *testing.T) {
	rec, diag := runData(t, "../../pcaps/real/ftps-protc-vsftpd.pcap")
	n := 0
	for _, f := range rec.findings {
		if f.Code == CodeDataCleartext {
			n++
			if f.Severity != SeverityInfo || !strings.Contains(f.Advice, "PROT P") {
				t.Errorf("data-cleartext %v, advice %q", f.Severity, f.Advice)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d data-cleartext findings, want 1\n%s", n, render(rec.recorder, diag))
	}
	if len(rec.data) != 1 || rec.data[0].DataTLS() != track.DataTLSClear || rec.data[0].Outcome != track.OutcomeTransferred {
		t.Fatalf("data records %v, want one transferred in clear", rec.data)
	}
	sums := diag.Summaries()
	if len(sums) != 1 || !strings.Contains(sums[0].Verdict, "in clear (see data-cleartext)") {
		t.Errorf("verdicts %+v, want the clear data named", sums)
	}
}

// TestProtectedDataIsNotCleartext: the encrypted data connections of the
// real captures raise neither new finding, and their TLS state is a
// handshake (pcaps/real/ftps-explicit.pcap: vsftpd, PROT P).
func TestProtectedDataIsNotCleartext(t *testing.T) {
	rec, diag := runData(t, "../../pcaps/real/ftps-explicit.pcap")
	for _, f := range rec.findings {
		if f.Code == CodeDataCleartext || f.Code == CodeTLSRequired {
			t.Errorf("%s on a protected transfer: %s\n%s", f.Code, f.Evidence, render(rec.recorder, diag))
		}
	}
	for _, dc := range rec.data {
		if dc.DataTLS() != track.DataTLSHandshake {
			t.Errorf("data #%d: TLS state %q, want handshake", dc.ID, dc.DataTLS())
		}
	}
}

// The two captures these tests read show faults (clean_test.go's
// faultCaptures): ProFTPD refusing clear data, vsftpd's data in clear
// under an encrypted control channel (an info, beside control-encrypted).
func init() {
	faultCaptures["ftps-prot-refused-proftpd.pcap"] = []string{CodeControlEncrypted, CodeTLSRequired}
	faultCaptures["ftps-protc-vsftpd.pcap"] = []string{CodeControlEncrypted}
}
