package policy

import (
	"strings"
	"testing"
)

// TestUnreachableAnnouncedAddressIsNotPublic guards the reading of an
// announced-address setting no client can connect to (0.0.0.0 as
// vsftpd's pasv_address, ProFTPD's MasqueradeAddress or Pure-FTPd's
// ForcePassiveIP: all announce it as set). Taken as the server's public
// address, a 227 of 0.0.0.0 read as "the correct setup" and the fix was
// "set pasv_address=0.0.0.0". It is kept apart, said in a note and in
// the summary line, and PublicAddress stays unset.
func TestUnreachableAnnouncedAddressIsNotPublic(t *testing.T) {
	for _, tc := range []struct {
		name, file, data, setting string
	}{
		{"vsftpd", "vsftpd.conf", "listen=YES\npasv_min_port=40000\npasv_max_port=40100\npasv_address=0.0.0.0\n", "pasv_address"},
		{"proftpd", "proftpd.conf", "Port 21\nPassivePorts 40000 40100\nMasqueradeAddress 0.0.0.0\n", "MasqueradeAddress"},
		{"pure-ftpd", "pure-ftpd.conf", "PassivePortRange 40000 40100\nForcePassiveIP 0.0.0.0\n", "ForcePassiveIP"},
	} {
		c, err := ParseServerConfig(tc.file, []byte(tc.data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.PublicAddress.IsValid() {
			t.Errorf("%s: PublicAddress %v, want none", tc.name, c.PublicAddress)
		}
		if !c.UnusableAddress.IsValid() {
			t.Errorf("%s: UnusableAddress not kept", tc.name)
		}
		notes := strings.Join(c.Notes, "\n")
		if !strings.Contains(notes, tc.setting+" "+c.UnusableAddress.String()+" is no address a client can connect to") {
			t.Errorf("%s: notes %q do not say the address is unusable", tc.name, notes)
		}
		if sum := (Policy{Server: c}).Describe(); !strings.Contains(sum, "announces "+c.UnusableAddress.String()+" (no client can connect to it)") {
			t.Errorf("%s: summary %q", tc.name, sum)
		}
	}
	// Any other address stays the public one: a loopback one is what
	// clients through an SSH tunnel connect to, a link-local one what
	// clients on that link do.
	for _, addr := range []string{"203.0.113.7", "127.0.0.1", "169.254.10.1"} {
		c, err := ParseServerConfig("vsftpd.conf", []byte("listen=YES\npasv_address="+addr+"\n"))
		if err != nil || c.PublicAddress.String() != addr || c.UnusableAddress.IsValid() {
			t.Errorf("pasv_address=%s: %+v, %v", addr, c, err)
		}
	}
}
