package diagnose

import (
	"net/netip"

	"github.com/ftpsniff/ftpsniff/track"
)

// NamesAnotherHost reports whether a, the endpoint a PORT/EPRT/LPRT of s
// names (dc its data connection, nil before one is armed), is another
// host than the client by the rules ftp-bounce judges with: an FTP
// bounce, not the client's own address behind a NAT. For read --helper:
// the Linux helper creating no expectation for such an announcement is
// the refusal a bounce deserves, not a fault to advise away. Left out: a
// public address that may be the one of the NAT in front of the client
// (externalCandidate: its external IP setting, where announcing its own
// address is the fix), an announcement whose data connection went to
// the client's own address after all (toClientAddr: no other host was
// contacted), and the PORT of a server-to-server (FXP) transfer, which
// names the other server's passive endpoint on purpose (fxp-transfer).
func (d *Diagnoser) NamesAnotherHost(s *track.Session, a netip.AddrPort, dc *track.DataConn) bool {
	if !a.IsValid() || externalCandidate(s, a.Addr()) || toClientAddr(s, dc) {
		return false
	}
	if dc != nil && (d.fxpOf(s, dc) != nil || dc.Announce != nil &&
		d.fxpOffer(s, s.Client.Addr().Unmap(), netip.AddrPortFrom(a.Addr().Unmap(), a.Port()), dc.Announce) != nil) {
		return false
	}
	return d.bounceTargetOf(s, a, dc).reason != ""
}
