package policy

import (
	"strings"
	"testing"
)

// TestSwappedPassiveRangeSaysWhatTheServerDoes guards the error for a
// passive range written with its ends swapped (failure story 15): it says
// what the server does with it, as recorded in pcaps/real
// (pasv-range-swapped-*: ProFTPD and Pure-FTPd refuse to start), and the
// line to write; vsftpd's is a note, since vsftpd starts and uses
// pasv_min_port to 65535.
func TestSwappedPassiveRangeSaysWhatTheServerDoes(t *testing.T) {
	for _, tc := range []struct {
		file, data string
		want       []string
	}{
		{"proftpd.conf", "Port 21\nPassivePorts 40100 40000\n", []string{"minimum is above the maximum", "does not start", "Included file", "write PassivePorts 40000 40100"}},
		{"pure-ftpd.conf", "PassivePortRange 40100 40000\n", []string{"first port is above the last", "does not start", "write PassivePortRange 40000 40100"}},
	} {
		_, err := ParseServerConfig(tc.file, []byte(tc.data))
		if err == nil {
			t.Fatalf("%s: no error", tc.file)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tc.file, err, w)
			}
		}
	}
	c, err := ParseServerConfig("vsftpd.conf", []byte("listen=YES\npasv_min_port=40100\npasv_max_port=40000\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.PassiveRange.String(); got != "40100-65535" {
		t.Errorf("vsftpd swapped: range %s, want 40100-65535 (what vsftpd uses)", got)
	}
	if notes := strings.Join(c.Notes, "\n"); !strings.Contains(notes, "below pasv_min_port") {
		t.Errorf("vsftpd swapped: notes %q", notes)
	}
}
