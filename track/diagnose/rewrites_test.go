package diagnose

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// runKnowing is run with rewrites told to the diagnoser first, as read
// --vantage does for each point.
func runKnowing(t *testing.T, path string, rws ...Rewrite) (*recorder, *Diagnoser) {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Skipf("open %s: %v", path, err)
	}
	defer src.Close()
	rec := &recorder{}
	diag := New(policy.Policy{}, rec, rec)
	for _, rw := range rws {
		if !diag.KnowRewrite(rw) {
			t.Fatalf("rewrite %+v not kept", rw)
		}
	}
	trk := track.New(diag, track.Options{})
	dec := decode.New(trk, decode.Options{})
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	return rec, diag
}

func findingsOf(rec *recorder, code string) []*Finding {
	var out []*Finding
	for _, f := range rec.findings {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// TestServerSideNeverAsksPasvAddressOverAHelper guards the advice for a
// capture on the server's side of a NAT router whose FTP helper rewrites
// the 227 (helper-nat-server.pcap, review of issue 13): the server
// announces its own private address and the client's data connection
// arrives as announced. From there a helper rewriting the 227 looks the
// same as a client ignoring it, and pasv_address would stop the helper
// (it rewrites only a 227 naming the server's own address): so pasv_address
// may only be offered on the condition that nothing rewrites the 227. When
// another capture point showed the rewrite (KnowRewrite), the setup is
// correct and nothing is asked. Clients that failed
// (nat-no-pasv-address-trusting-server) still get pasv_address outright.
func TestServerSideNeverAsksPasvAddressOverAHelper(t *testing.T) {
	helperServer := filepath.Join(realDir, "helper-nat-server.pcap")

	// The client, 10.99.1.2, connected to the server's own address as
	// announced: from this side a routed network, a NAT whose helper
	// rewrites the 227 and a client that ignores it look the same. An
	// info says all three; pasv_address comes only with its condition
	// (TestRoutedClientReachingControlAddressIsNotNAT).
	rec, diag := runKnowing(t, helperServer)
	ms := findingsOf(rec, CodeNATMismatch)
	if len(ms) != 1 || ms[0].Severity != SeverityInfo || !strings.Contains(ms[0].Advice, "do not set pasv_address") ||
		!strings.Contains(ms[0].Message, "routed to the server's") {
		t.Fatalf("nat-mismatch seen from the server's side:\n%s", render(rec, diag))
	}
	sums := diag.Summaries()
	if len(sums) != 1 || len(sums[0].Rules) != 2 || !strings.HasPrefix(sums[0].Rules[0], "# only if a NAT forwards these clients") ||
		!strings.Contains(sums[0].Verdict, "cannot be seen whether that NAT's FTP helper rewrites the 227") {
		t.Fatalf("summary asks for pasv_address without its condition:\n%s", render(rec, diag))
	}

	rec, diag = runKnowing(t, helperServer, Rewrite{Server: netip.MustParseAddrPort("10.99.2.2:21"),
		From: netip.MustParseAddr("10.99.2.2"), To: netip.MustParseAddr("10.99.1.1"), Where: "client"})
	if len(findingsOf(rec, CodeNATMismatch)) != 0 {
		t.Fatalf("nat-mismatch despite the rewrite seen at the client:\n%s", render(rec, diag))
	}
	tr := findingsOf(rec, CodeNATTranslated)
	if len(tr) != 1 || !strings.Contains(tr[0].Advice, "leave pasv_address unset") || !strings.Contains(tr[0].Message, "rewrites it to 10.99.1.1") {
		t.Fatalf("the rewrite seen at the client is not the correct setup:\n%s", render(rec, diag))
	}
	if s := diag.Summaries()[0]; len(s.Rules) != 0 || s.Verdict != "the data connection worked" {
		t.Fatalf("summary with a known rewrite: %q %q", s.Verdict, s.Rules)
	}

	// A client that trusted the 227 and never arrived: the address is the
	// fault, pasv_address the fix.
	rec, diag = runKnowing(t, filepath.Join(realDir, "nat-no-pasv-address-trusting-server.pcap"))
	if s := diag.Summaries()[0]; len(s.Rules) != 1 || s.Rules[0] != "pasv_address=<public address>" ||
		!strings.Contains(s.Verdict, "an address clients cannot reach") {
		t.Fatalf("failed clients lost their fix:\n%s", render(rec, diag))
	}
}

// TestReachedAddressIsNotWhyALaterEndpointFailed: in helper-split-227-server
// the client reached the server's private address as announced, then
// never used the next 227 (a router dropped its first segment). The
// address is not why: no nat-mismatch for it, and no verdict calling the
// address unreachable; the verdict names the 227 that never arrived.
func TestReachedAddressIsNotWhyALaterEndpointFailed(t *testing.T) {
	rec, diag := runKnowing(t, filepath.Join(realDir, "helper-split-227-server.pcap"))
	for _, f := range findingsOf(rec, CodeNATMismatch) {
		if f.Severity > SeverityInfo || f.Data == nil || f.Data.ID != 1 {
			t.Errorf("nat-mismatch beyond the reached data connection: %s %s", f.Severity, f.Message)
		}
	}
	if na := findingsOf(rec, CodeDataNotAttempted); len(na) != 1 || strings.Contains(na[0].Message, "does not lead back") {
		t.Errorf("data-not-attempted blames the address:\n%s", render(rec, diag))
	}
	if v := diag.Summaries()[0].Verdict; strings.Contains(v, "cannot reach") || strings.Contains(v, "pasv_address") || !strings.Contains(v, "see control-undelivered") {
		t.Errorf("verdict %q", v)
	}
}

// TestKnowRewriteBounded: the table of rewrites stops at MaxRewrites and
// refuses what it cannot use.
func TestKnowRewriteBounded(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	if d.KnowRewrite(Rewrite{}) {
		t.Fatal("kept an empty rewrite")
	}
	for i := 0; i < MaxRewrites+5; i++ {
		rw := Rewrite{Server: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 21),
			From: netip.MustParseAddr("10.0.0.1"), To: netip.MustParseAddr("203.0.113.1")}
		if got := d.KnowRewrite(rw); got != (i < MaxRewrites) {
			t.Fatalf("rewrite %d kept %v", i, got)
		}
	}
	if len(d.rewrites) != MaxRewrites {
		t.Fatalf("%d kept", len(d.rewrites))
	}
}
