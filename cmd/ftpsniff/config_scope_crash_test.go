package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestOutsideRangeVerdictWithoutServerConfig guards a crash: a
// configuration that applied to some sessions' policies but not to their
// server's (pasv-outside-range.conf, a vsftpd file, given for a ProFTPD
// capture) left port-outside-range findings counted for a server whose
// policy has no configuration, and the verdict read its path: a nil
// pointer. The verdict must not name an empty range either.
func TestOutsideRangeVerdictWithoutServerConfig(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"read", "--summary", "--color", "never", "--server-config", "../../pcaps/record/conf/pasv-outside-range.conf", "../../pcaps/real/mirror-proftpd.pcap.gz"}, &out, &errb)
	if code != 0 || errb.Len() > 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), "outside the range ,") {
		t.Errorf("a verdict names an empty range:\n%s", out.String())
	}
}
