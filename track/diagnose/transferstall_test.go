package diagnose

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestStalledTransfersFail guards transfers that never moved their file
// behind a path MTU black hole, captured on the rv-real2 lab (pcaps/real
// README, "Stalls behind a path MTU black hole"), and a refused STOR:
//
//   - pmtu-small-client, and the first sessions of pmtu-hostfw-client and
//     pmtu-v6-client: the server's FIN came, the 4640 bytes before it
//     never did (the client acknowledged none of them). They read
//     "transferred: 4640 bytes", the data connection working, and with
//     lftp and IPv6 a control-idle-timeout error blamed a NAT's idle
//     timeout though the server acknowledged the client's close of the
//     control connection. Now a likely pmtu-blackhole read on the
//     receiver's side, and no control-idle-timeout.
//   - pmtu-blackhole-client: session 2's RETR stalled (handshake, 12 s of
//     nothing, the client closed with no 226) while session 1's worked:
//     the verdict said "2 data connections worked" and the summary no
//     failure; and pmtu-upload-server, the same for an upload. Now
//     transfer-stalled, and the verdict says it.
//   - pmtu-upload-client: the client's 1448-byte segment sent 7 times,
//     never acknowledged, and the server acknowledged the client's
//     control FIN after: it was there, and the likely black hole is
//     reported, not let go with no finding.
//   - proftpd-masq-ok-server: a STOR refused 550 beside transfers that
//     worked: the verdict said "5 data connections worked" alone.
func TestStalledTransfersFail(t *testing.T) {
	login := "cleartext-login:info"
	for _, tc := range []struct {
		capture string
		want    []string
		verdict []string
	}{
		{"pmtu-small-client.pcap", []string{login, "pmtu-blackhole:warning"},
			[]string{"likely a path MTU black hole stopped 1 data connection", "the sender's FIN arrived and the data before it never did"}},
		{"pmtu-hostfw-client.pcap", []string{login, login, "pmtu-blackhole:warning", "transfer-stalled:warning"},
			[]string{"likely a path MTU black hole stopped 1 data connection", "transfer-stalled (1 finding)"}},
		{"pmtu-v6-client.pcap", []string{login, login, "pmtu-blackhole:warning", "transfer-stalled:warning"},
			[]string{"likely a path MTU black hole stopped 1 data connection", "transfer-stalled (1 finding)"}},
		{"pmtu-blackhole-client.pcap", []string{login, login, "transfer-stalled:warning"},
			[]string{"2 data connections were made, but the transfer on one of them stalled", "see transfer-stalled"}},
		{"pmtu-upload-server.pcap", []string{login, "transfer-stalled:warning"},
			[]string{"the data connection was made, but its transfer stalled"}},
		{"pmtu-upload-client.pcap", []string{login, "pmtu-blackhole:warning"},
			[]string{"likely a path MTU black hole stopped 1 data connection"}},
		{"proftpd-masq-ok-server.pcap", []string{login, login, login, "nat-translated:info"},
			[]string{"5 data connections worked; but the server refused 1 file transfer"}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			path := filepath.Join(realDir, tc.capture)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent", path)
			}
			rec, diag := run(t, path, policy.Policy{})
			var got []string
			for _, f := range rec.findings {
				got = append(got, f.Code+":"+f.Severity.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings\n got %q\nwant %q\n%s", got, tc.want, render(rec, diag))
			}
			checkFindings(t, rec)
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d server summaries", len(sums))
			}
			for _, v := range tc.verdict {
				if !strings.Contains(sums[0].Verdict, v) {
					t.Errorf("verdict %q lacks %q", sums[0].Verdict, v)
				}
			}
		})
	}
}
