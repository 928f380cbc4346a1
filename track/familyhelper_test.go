package track

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestHelperOnFamilyByForm guards the kernel claim of an endpoint of the
// other family: only a cross-family EPRT is dropped by nf_conntrack_ftp
// (try_eprt refuses it: a partial match); a PORT or 227 parses and records
// no expectation; LPRT and 228 it never parses, so nothing is claimed.
func TestHelperOnFamilyByForm(t *testing.T) {
	for _, tc := range []struct {
		via  ftp.Via
		want string
	}{
		{ftp.ViaEPRT, "drops it"},
		{ftp.ViaPORT, "records no expectation"},
		{ftp.ViaPASV, "records no expectation"},
		{ftp.ViaLPRT, ""},
		{ftp.ViaLPSV, ""},
	} {
		got := helperOnFamily(tc.via)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, want it to say %q", tc.via, got, tc.want)
		}
	}
}
