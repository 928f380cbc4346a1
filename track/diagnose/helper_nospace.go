package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// noSpaceReply is dc's announcing 227 or 229 when the server wrote no
// space after its code ("227Entering Passive Mode (...)",
// ftp.ReplyNoSpace); nil otherwise. nf_conntrack_ftp looks for "227 "
// and "229 " with the space (field notes, section 5): it never takes
// such a line for an announcement, expects no data connection, and
// leaves the segment alone.
func noSpaceReply(dc *track.DataConn) *track.Reply {
	if dc.Announce == nil || dc.Via != ftp.ViaPASV && dc.Via != ftp.ViaEPSV {
		return nil
	}
	if r := dc.Announce.Final(); r != nil && r.Anomaly&ftp.ReplyNoSpace != 0 && (r.Code == 227 || r.Code == 229) {
		return r
	}
	return nil
}

// HelperNoSpace is why the Linux FTP conntrack helper cannot read the
// reply that announced dc (noSpaceReply), "" when nothing says it
// cannot for that reason: for the advice of a failed passive data
// connection (helperUnreadable227) and the simulated helper's words.
func HelperNoSpace(dc *track.DataConn) string {
	r := noSpaceReply(dc)
	if r == nil {
		return ""
	}
	return fmt.Sprintf("the server's %d (%q) has no space after its code, and the Linux helper (nf_conntrack_ftp) reads only \"%d \" with the space: it does not take the line for an announcement and expects no data connection", r.Code, replyText(r), r.Code)
}

// noSpaceFix ends the advice of a passive failure whose announcement
// had no space after its code (noSpaceReply), in place of EPSV: the
// same server writes its 229 so too.
const noSpaceFix = "Or have the server fixed (an update, or its vendor) to write a space after its reply codes, as RFC 959 requires: the helper then reads its announcements."
