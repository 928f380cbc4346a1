package diagnose

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestTLSHoleIsNoUnresumedRefusal guards data-tls-not-resumed against a
// capture hole. Pure-FTPd served pureftpd-ftps.pcap's first listing
// after a full TLS 1.3 handshake (it does not require resumption); a
// capture that lost the server's records after its handshake (frames 50
// and 52: 4686 bytes only the FIN's sequence number reveals) holds 2607
// bytes of it and keeps it transferred (a capture hole does), and no
// warning may say that the server refused it if it requires
// resumption: the bytes it carried are not known. A hole before a
// direction's hello (the client hellos lost, TestTLSNotResumedClientHelloNotCaptured)
// hides no application data and keeps the finding.
func TestTLSHoleIsNoUnresumedRefusal(t *testing.T) {
	rec, diag := run(t, withoutFrames(t, "../../pcaps/real/pureftpd-ftps.pcap", 50, 52), policy.Policy{})
	sums := diag.Summaries()
	if len(sums) != 1 || sums[0].Outcomes[track.OutcomeTransferred] != 2 {
		t.Fatalf("the capture hole did not keep both listings transferred\n%s", render(rec, diag))
	}
	for _, f := range rec.findings {
		if f.Code == CodeTLSNotResumed {
			t.Errorf("%s %s on data connection with a capture hole: %s\n%s", f.Severity, f.Code, f.Message, render(rec, diag))
		}
	}
}
