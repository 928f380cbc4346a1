package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestZeroPassiveAddressCauseByProduct guards where the advice says a 227
// naming 0.0.0.0 comes from: vsftpd, ProFTPD, Pure-FTPd and pyftpdlib
// announce the control connection's own address when their passive
// address setting is unset, so for them 0.0.0.0 comes from that setting
// alone (pcaps/real/pasv-zero-*.pcap), and the advice must not send an
// admin to change where the server listens. Only for a server ftpsniff
// does not know is listening on all addresses offered, hedged. The
// advice had said, for every family, "or, where that is unset, from the
// address the server listens on (all of its addresses)".
func TestZeroPassiveAddressCauseByProduct(t *testing.T) {
	zero := netip.IPv4Unspecified()
	for _, tc := range []struct {
		kind    policy.ServerKind
		setting string
	}{
		{policy.ServerVsftpd, "pasv_address"},
		{policy.ServerProFTPD, "MasqueradeAddress"},
		{policy.ServerPureFTPd, "ForcePassiveIP or -P"},
		{policy.ServerPyftpdlib, "FTPHandler.masquerade_address"},
	} {
		got := unusableCause(zero, ClassUnspecified, family{kind: tc.kind, byGreeting: true})
		want := " 0.0.0.0 comes from " + tc.setting + ": with it unset, " + tc.kind.Product() + " announces the address the control connection arrived at, never 0.0.0.0."
		if got != want {
			t.Errorf("%s: %q, want %q", tc.kind, got, want)
		}
	}
	got := unusableCause(zero, ClassUnspecified, family{})
	for _, w := range []string{"most likely comes from the server's passive address setting", "announces the address it listens on", "rather than change where it listens"} {
		if !strings.Contains(got, w) {
			t.Errorf("unknown server: %q lacks %q", got, w)
		}
	}
	// A loopback address may come from the control connection's own
	// address (a proxy on the server's host), for every family.
	if got := unusableCause(netip.MustParseAddr("127.0.0.1"), ClassLoopback, family{kind: policy.ServerVsftpd}); !strings.Contains(got, "the address the control connection arrived at on the server") {
		t.Errorf("loopback: %q", got)
	}
}
