package diagnose

import (
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/tlshello"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestTLSNotResumedOnRealTLS13Transfers guards data-tls-not-resumed on
// every real recording whose data connections made a full TLS handshake
// under an encrypted control channel, both ways: small TLS 1.3 transfers
// that worked (a 1-, 30- and 200-byte file and a listing, each one record
// after the handshake, from vsftpd after its two tickets and from
// Pure-FTPd with none) raise nothing; the refusals (vsftpd
// require_ssl_reuse=YES, ProFTPD's default; tickets, then an alert) and
// ProFTPD's cut-off upload keep theirs.
func TestTLSNotResumedOnRealTLS13Transfers(t *testing.T) {
	for _, tc := range []struct {
		capture string
		want    []int // data connections with data-tls-not-resumed
	}{
		{"vsftpd-ftps-small.pcap", nil},
		{"pureftpd-ftps-small.pcap", nil},
		{"pureftpd-ftps.pcap", nil},
		{"pureftpd-ftps-upload.pcap", nil},
		{"proftpd-ftps-lftp.pcap", nil},
		{"proftpd-ftps-reuse.pcap", []int{1, 2}},
		{"ftps-reuse-required.pcap", []int{1, 2}},
		{"vsftpd-ftps-ftplib.pcap", []int{1}},
		{"proftpd-ftps-upload.pcap", []int{1}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, diag := run(t, "../../pcaps/real/"+tc.capture, policy.Policy{})
			var got []int
			for _, f := range rec.findings {
				if f.Code == CodeTLSNotResumed && f.Data != nil {
					got = append(got, f.Data.ID)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("data-tls-not-resumed on data connections %v, want %v\n%s", got, tc.want, render(rec, diag))
			}
		})
	}
}

// TestTLSNotResumedUndecidedRecordsByFamily: a TLS 1.3 data connection
// whose records past the handshake are neither the handshake alone nor
// the server's certain data (one ticket-sized record: a ticket, or a
// small file) is reported, hedged, for a server that may require
// resumption, and not for one whose stock build never does (Pure-FTPd,
// pyftpdlib), unless a readable reply says it refused for that.
func TestTLSNotResumedUndecidedRecordsByFamily(t *testing.T) {
	v := tlshello.Verdict{Resumption: tlshello.Full, Version: tlshello.VersionTLS13, Content: tlshello.ContentUnknown}
	s := &track.Session{}
	refused := &track.Command{Verb: "RETR", Status: track.StatusAnswered,
		Replies: []track.Reply{{Code: 522, Text: "SSL session reuse required.", Num: 40}}}
	worked := &track.Command{Verb: "RETR", Status: track.StatusAnswered,
		Replies: []track.Reply{{Code: 150, Text: "Accepted data connection", Num: 30}, {Code: 226, Text: "File successfully transferred", Num: 40}}}
	for _, tc := range []struct {
		name string
		kind policy.ServerKind
		cmd  *track.Command // nil: the reply is ciphertext
		want string         // the finding's severity; "none" for no finding
	}{
		{"vsftpd, reply encrypted", policy.ServerVsftpd, nil, "warning"},
		{"ProFTPD, reply encrypted", policy.ServerProFTPD, nil, "warning"},
		{"unknown family, reply encrypted", policy.ServerUnknown, nil, "warning"},
		{"Pure-FTPd, reply encrypted", policy.ServerPureFTPd, nil, "none"},
		{"pyftpdlib, reply encrypted", policy.ServerPyftpdlib, nil, "none"},
		{"Pure-FTPd, a readable refusal naming reuse", policy.ServerPureFTPd, refused, "error"},
		{"vsftpd, a readable 226", policy.ServerVsftpd, worked, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dc := &track.DataConn{ID: 1, Passive: true, EndReason: track.EndFIN, Outcome: track.OutcomeTransferred,
				Bytes: [2]int64{1138, 1545}, Session: s, Command: tc.cmd}
			f := tlsNotResumedVerdict(s, dc, v, family{kind: tc.kind})
			got := "none"
			if f != nil {
				got = f.Severity.String()
			}
			if got != tc.want {
				t.Fatalf("finding %s, want %s", got, tc.want)
			}
			if f != nil && tc.cmd == nil && !strings.Contains(f.Message, "may be session tickets or a small file") {
				t.Errorf("a reading of undecided TLS 1.3 records not hedged: %s", f.Message)
			}
		})
	}
}
