package main

import (
	"strings"
	"testing"
)

// TestHelperEncryptedBeforeAttachment guards the reason given for the
// data connections of implicit FTPS (port 990, where the helper is not
// attached by default): the control channel is encrypted, which no
// attachment would change, not "not attached ... --helper-ports 21,990".
func TestHelperEncryptedBeforeAttachment(t *testing.T) {
	for _, path := range []string{"../../pcaps/real/implicit-ftps-vsftpd.pcap", "../../pcaps/real/implicit-ftps-proftpd.pcap"} {
		bl := findingsOf(helperCodeFindings(t, path), CodeHelperBlocks)
		if len(bl) == 0 {
			t.Fatalf("%s: no helper-would-block finding", path)
		}
		for _, f := range bl {
			msg, _ := f["message"].(string)
			adv, _ := f["advice"].(string)
			if !strings.Contains(msg, "the control channel is encrypted: the helper cannot read the announcement") ||
				strings.Contains(msg, "not attached") || strings.Contains(adv, "--helper-ports") {
				t.Errorf("%s: message %q advice %q; want the encrypted control channel as the reason", path, msg, adv)
			}
		}
	}
}
