package policy

import "testing"

// TestVsftpdSwappedRangeKeepsTheRangeMeant guards ServerConfig.SwappedRange:
// the range written with its ends swapped, in order, which the verdict
// offers in place of the 40100-65535 vsftpd uses; only when both ends
// are usable once swapped, and passive mode is on.
func TestVsftpdSwappedRangeKeepsTheRangeMeant(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"pasv_min_port=40100\npasv_max_port=40000\n", "40000-40100"},
		{"pasv_min_port=40000\npasv_max_port=600\n", ""},
		{"pasv_min_port=40000\npasv_max_port=40100\n", ""},
		{"pasv_enable=NO\npasv_min_port=40100\npasv_max_port=40000\n", ""},
	} {
		c, err := ParseServerConfig("vsftpd.conf", []byte("listen=YES\n"+tc.data))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(c.SwappedRange) > 0 {
			got = c.SwappedRange.String()
		}
		if got != tc.want {
			t.Errorf("%q: swapped range %q, want %q", tc.data, got, tc.want)
		}
	}
}
