package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestVsftpdBindOOPSIsAnExhaustedRange guards the advice for vsftpd's
// "500 OOPS: vsf_sysutil_bind" to a passive request (rv-clients'
// narrow-par.pcap: pasv_min_port 40000, pasv_max_port 40002, many
// sessions at once): vsftpd says it when every port of its passive range
// it tried was busy, so the fix is a wider range, opened in the firewall,
// as for passive-range-exhausted; it was advised as a typo to fix in
// vsftpd.conf. The range named is the server configuration's when given,
// else the span of the ports announced. An OOPS of another cause keeps the
// generic advice.
func TestVsftpdBindOOPSIsAnExhaustedRange(t *testing.T) {
	cfg := policy.Policy{Server: &policy.ServerConfig{Path: "narrow.conf", Kind: policy.ServerVsftpd, PassiveRange: policy.Ranges{{Lo: 40000, Hi: 40002}}}}
	cases := []struct {
		name      string
		pol       policy.Policy
		verb, txt string
		want      []string
		never     []string
	}{
		{"config-range", cfg, "EPSV", "OOPS: vsf_sysutil_bind",
			[]string{"passive range is exhausted", "server's range (narrow.conf) is 40000-40002 (3 ports)", "pasv_min_port=40000 and pasv_max_port=40099", "tcp dport 40000-40099"},
			[]string{"writable chroot"}},
		// A range at the top of the port space grows downwards: "widen
		// to 65500-65535" named the same range.
		{"top-of-port-space", policy.Policy{Server: &policy.ServerConfig{Path: "high.conf", Kind: policy.ServerVsftpd, PassiveRange: policy.Ranges{{Lo: 65500, Hi: 65535}}}}, "PASV", "OOPS: vsf_sysutil_bind",
			[]string{"is 65500-65535 (36 ports)", "at least 144 ports", "pasv_min_port=65392 and pasv_max_port=65535", "tcp dport 65392-65535"},
			[]string{"pasv_min_port=65500"}},
		{"no-range-known", policy.Policy{}, "PASV", "OOPS: vsf_sysutil_bind",
			[]string{"passive range is exhausted", "pasv_min_port/pasv_max_port", "open the widened range in the firewall"},
			[]string{"writable chroot"}},
		{"other-oops", cfg, "EPSV", "OOPS: vsf_sysutil_listen",
			[]string{"writable chroot"},
			[]string{"exhausted"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.99.0.2:50000", "10.99.0.1:21")
			cmd(s, 10, tc.verb, "", 500, tc.txt)
			c, _ := feed(tc.pol, s)
			fs := c.all(CodeServerConfigError)
			if len(fs) != 1 {
				t.Fatalf("%d server-config-error findings, want 1", len(fs))
			}
			all := fs[0].Message + " " + fs[0].Advice
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in %q", w, all)
				}
			}
			for _, w := range tc.never {
				if strings.Contains(all, w) {
					t.Errorf("has %q: %q", w, all)
				}
			}
		})
	}
}
