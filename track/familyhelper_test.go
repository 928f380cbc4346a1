package track

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestHelperOnFamilyByForm guards the kernel claim of an endpoint of the
// other family: only a cross-family EPRT is dropped by nf_conntrack_ftp
// (try_eprt refuses it: a partial match); a PORT or 227 parses and records
// no expectation unless its four numbers are the first 32 bits of the
// sender's IPv6 address; LPRT and 228 it never parses, so nothing is
// claimed.
func TestHelperOnFamilyByForm(t *testing.T) {
	v4, sender := netip.MustParseAddr("32.1.13.184"), netip.MustParseAddr("fd00:99::2")
	for _, tc := range []struct {
		via            ftp.Via
		named, senderA netip.Addr
		want           string
	}{
		{ftp.ViaEPRT, v4, sender, "drops it"},
		{ftp.ViaPORT, v4, sender, "records no expectation"},
		{ftp.ViaPASV, v4, sender, "records no expectation"},
		{ftp.ViaLPRT, v4, sender, ""},
		{ftp.ViaLPSV, v4, sender, ""},
		// The kernel starts from the sender's address and writes the
		// four numbers over its first 32 bits: equal to them, the
		// address is the sender's (h26-v6-port, a review's capture).
		{ftp.ViaPORT, v4, netip.MustParseAddr("2001:db8::7"), "records an expectation"},
		{ftp.ViaPORT, v4, netip.MustParseAddr("2001:db9::7"), "records no expectation"},
	} {
		got := helperOnFamily(tc.via, tc.named, tc.senderA)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, want it to say %q", tc.via, got, tc.want)
		}
	}
}
