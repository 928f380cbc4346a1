package diagnose

import "testing"

// TestCaptureFilterEffect guards the reading of a recorded capture
// filter (if_filter): the filters that keep the control port alone
// leave every data connection out, with certainty; those that keep all
// TCP keep them; what a port 20, a port range, a host or an expression
// not read here does is not told (the caveat stays). A file recording
// no filter keeps them; interfaces that differ tell nothing. and and or
// group as libpcap's grammar does: at equal precedence, left to right.
func TestCaptureFilterEffect(t *testing.T) {
	for _, c := range []struct {
		expr            string
		passive, active FilterEffect
	}{
		{"port 21", FilterDrops, FilterDrops},
		{"tcp port 21", FilterDrops, FilterDrops},
		{"port ftp", FilterDrops, FilterDrops},
		{"tcp port ftp", FilterDrops, FilterDrops},
		{"TCP PORT 21", FilterDrops, FilterDrops},
		{"tcp and port 21", FilterDrops, FilterDrops},
		{"tcp && (port 21)", FilterDrops, FilterDrops},
		{"port 21 or icmp", FilterDrops, FilterDrops},
		{"host 10.0.0.1 and port 21", FilterDrops, FilterDrops},
		{"src or dst port 21", FilterDrops, FilterDrops},
		{"port 21 or 2121", FilterUnknown, FilterUnknown},
		{"port 21 or 20", FilterDrops, FilterUnknown},
		{"port 21 or port ftp-data", FilterDrops, FilterUnknown},
		{"udp port 40000", FilterDrops, FilterDrops},
		{"tcp", FilterKeeps, FilterKeeps},
		{"tcp or icmp or icmp6", FilterKeeps, FilterKeeps},
		{"not port 22", FilterKeeps, FilterKeeps},
		{"!(port 21)", FilterKeeps, FilterKeeps},
		{"", FilterKeeps, FilterKeeps},
		{"host 10.0.0.1", FilterUnknown, FilterUnknown},
		{"portrange 40000-41000", FilterUnknown, FilterUnknown},
		{"portrange 1-100", FilterDrops, FilterUnknown},
		{"tcp[13] & 2 != 0", FilterUnknown, FilterUnknown},
		{"port", FilterUnknown, FilterUnknown},
		{"(port 21", FilterUnknown, FilterUnknown},
		{"port 21 and", FilterUnknown, FilterUnknown},
		{"greater 100", FilterUnknown, FilterUnknown},
		// and/or: libpcap's equal precedence, left to right (rv-rta
		// flt-prec.pcapng): '(tcp or udp) and port 21'.
		{"tcp or udp and port 21", FilterDrops, FilterDrops},
		{"tcp || udp && port 21", FilterDrops, FilterDrops},
		{"tcp or port 21 and udp", FilterDrops, FilterDrops},
		{"port 21 or port 20 and host 10.0.0.1", FilterDrops, FilterUnknown},
		{"not port 21 or port 22", FilterKeeps, FilterKeeps},
		{"port 21 and tcp or tcp", FilterKeeps, FilterKeeps},
		{"port 21 or tcp and not port 22", FilterKeeps, FilterKeeps},
	} {
		if p, a := filterEffect(c.expr, true), filterEffect(c.expr, false); p != c.passive || a != c.active {
			t.Errorf("%q: passive %d active %d, want %d %d", c.expr, p, a, c.passive, c.active)
		}
	}
	// No filter recorded tells nothing: mergecap and editcap record none
	// for a pcap taken with 'port 21'.
	if got := ReadCaptureFilter(2, 2, "", false); got != (CaptureFilter{}) {
		t.Errorf("no filter recorded: %+v", got)
	}
	for _, got := range []CaptureFilter{ReadCaptureFilter(0, 0, "", false), ReadCaptureFilter(2, 1, "port 21", false), ReadCaptureFilter(1, 0, "", true)} {
		if got != (CaptureFilter{}) {
			t.Errorf("tells something: %+v", got)
		}
	}
	if got := ReadCaptureFilter(1, 0, "port 21", false); got.Text != "port 21" || got.Passive != FilterDrops {
		t.Errorf("port 21: %+v", got)
	}
}
