package diagnose

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestMainRangeSkipsControlPort: a policy listing the control port with
// the passive range advises the passive range (review finding: it told
// vsftpd pasv_min_port=21).
func TestMainRangeSkipsControlPort(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"40000-40100", "40000-40100"},
		{"21,40000-40100", "40000-40100"},
		{"21,40000-40010,50000-50100", "50000-50100"},
		{"21", "21"},
	}
	for _, tt := range tests {
		rs, err := policy.ParsePortRanges(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := mainRange(rs).String(); got != tt.want {
			t.Errorf("mainRange(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
