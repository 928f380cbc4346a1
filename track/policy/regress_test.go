package policy

import (
	"strings"
	"testing"
)

// Regression tests from a review of the configuration parsers.

// TestVsftpdNumbersAsVsftpdReadsThem: trailing blanks are fine, a leading
// 0 means octal (parseconf.c), and pasv_address may end in a blank.
func TestVsftpdNumbersAsVsftpdReadsThem(t *testing.T) {
	tests := []struct {
		conf, wantRange, wantAddr string
	}{
		{"pasv_enable=YES\npasv_min_port=40000 \npasv_max_port=40100\n", "40000-40100", ""},
		{"pasv_min_port=040000\npasv_max_port=040100\n", "16384-16448", ""},
		{"pasv_address=203.0.113.5 \n", "", "203.0.113.5"},
	}
	for _, tt := range tests {
		c, err := ParseVsftpd("vsftpd.conf", []byte(tt.conf))
		if err != nil {
			t.Errorf("%q: %v", tt.conf, err)
			continue
		}
		if got := c.PassiveRange.String(); tt.wantRange != "" && got != tt.wantRange {
			t.Errorf("%q: range %s, want %s", tt.conf, got, tt.wantRange)
		}
		if tt.wantAddr != "" && c.PublicAddress.String() != tt.wantAddr {
			t.Errorf("%q: address %v", tt.conf, c.PublicAddress)
		}
	}
	if _, err := ParseVsftpd("vsftpd.conf", []byte("pasv_min_port=4o000\n")); err == nil || !strings.Contains(err.Error(), "would read it as 4") {
		t.Errorf("4o000: %v", err)
	}
}

// TestProftpdIncludeSaid: an Include is not followed, and the parser says
// so instead of stating ProFTPD's default as fact.
func TestProftpdIncludeSaid(t *testing.T) {
	c, err := ParseProFTPD("proftpd.conf", []byte("Include /etc/proftpd/modules.conf\nServerName \"x\"\nInclude /etc/proftpd/conf.d/\n"))
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(c.Notes, "\n")
	if !strings.Contains(notes, "Include /etc/proftpd/conf.d/ is not followed") || !strings.Contains(notes, "an included file may set it") {
		t.Errorf("notes: %s", notes)
	}
}
