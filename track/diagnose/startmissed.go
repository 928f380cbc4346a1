package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// A transfer the capture began during (track.DataConn.StartMissed) whose
// reply at its end, a 426, 451 or 552 to a command before the capture,
// says it failed (TransferFailed): its data connection carried bytes
// (transferred), and the transfer did not complete. As server-data-error
// (426) and transfer-aborted (451, 552) say of a transfer the capture
// holds whole; with its command out of sight, which way the data flowed
// is read from the bytes, and who ended the connection first from its
// close.

// startMissedFailed explains dc, a connection whose start the capture
// missed, when the reply that ended its transfer says it failed; nil
// otherwise.
func (d *Diagnoser) startMissedFailed(s *track.Session, dc *track.DataConn) *Finding {
	if !dc.TransferFailed() {
		return nil
	}
	code := dc.EndCode()
	f := &Finding{Code: CodeServerDataError, Severity: SeverityWarning, TS: dc.End}
	if code != 426 {
		f.Code = CodeTransferAborted
	}
	if f.TS.IsZero() {
		f.TS = dc.Armed
	}
	// dc.Bytes is indexed by who opened the connection: the FTP server in
	// active mode (Passive false), the client's end otherwise.
	toClient, toServer := dc.Bytes[1], dc.Bytes[0]
	if !dc.Passive {
		toClient, toServer = toServer, toClient
	}
	what, moved := "the transfer", plural(int(dc.TotalBytes()), "byte", "bytes")
	download, known := false, true
	switch {
	case toClient > 0 && toServer == 0:
		what, download, moved = "the download", true, plural(int(toClient), "byte", "bytes")+" to the client"
	case toServer > 0 && toClient == 0:
		what, moved = "the upload", plural(int(toServer), "byte", "bytes")+" to the server"
	default:
		known = false
	}
	cli, srv := dc.Client, dc.Server
	if !dc.Passive {
		cli, srv = srv, cli
	}
	f.Evidence = fmt.Sprintf("data connection #%d (client %s, server %s), begun before the capture: %s seen, ended by %s; its transfer ended by a %d, the reply to a command before the capture",
		dc.ID, cli, srv, moved, dc.EndReason, code)
	f.Packets = packets([]uint64{dc.ArmedNum})
	var stop receiverStop
	if known && dc.EndedBeforeReply() {
		// (Over before the reply: whatever ended it came first.)
		stop = receiverStoppedBy(dc, download, dc.End)
	}
	if stop.ok {
		// The side the data flowed to ended it while the sender was
		// still at it, as when a transfer seen whole is given up: the
		// failure follows from that.
		f.Severity = SeverityInfo
		who := "server"
		if download {
			who = "client"
		}
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("ended first by the %s %s, the receiving side: %s", who, stop.by, stop.how))
		v, _ := d.vantage(s)
		onReceiverSide := download && v == VantageClient || !download && v == VantageServer
		switch {
		case download && (onReceiverSide || !stop.bareReset):
			f.Message = fmt.Sprintf("The client itself stopped %s the capture began during: it closed or reset the data connection while the server was still sending, before the server's %d, which follows from it.", what, code)
			f.Advice = "Nothing to change on the network or the server: the client gave the transfer up (its own time limit, an interrupt, or a reader that stops early); look at the client if the file should have arrived whole."
		case download:
			f.Message = fmt.Sprintf("The client, or a device on the path in its name, reset the data connection of %s the capture began during while the server was still sending, before the server's %d, which follows from it.", what, code)
			f.Advice = "If a user or the client's own time limit stopped it, nothing to change. If transfers break like this again and again, look for an IPS or DLP device on the path that resets flows: a capture on the client's side tells, since an RST the client did not send never leaves it."
		default:
			f.Message = fmt.Sprintf("The server itself stopped %s the capture began during: it closed or reset the data connection while the client was still sending, before its %d; no firewall or NAT broke it.", what, code)
			f.Advice = "The network path of the data connection works: the server's reply and its log give why it refused the rest of the upload (a quota, a full disk, a size limit)."
		}
		return f
	}
	const whole = " The capture began during the transfer: one started before the transfer shows its command and its whole data connection."
	switch code {
	case 426:
		f.Message = fmt.Sprintf("The server failed %s the capture began during with a 426 after %s the capture saw: its data connection was reset or closed before the end of the transfer.", what, moved)
		f.Advice = "Look for a firewall or NAT that times out or resets long transfers (idle timeouts on the control connection during a long transfer are common), or a client killed mid-transfer." + whole
	case 552:
		f.Message = fmt.Sprintf("The server aborted %s the capture began during (552) after %s the capture saw: it ran out of storage or reached a quota or size limit.", what, moved)
		f.Advice = "Free space on the server's disk, or raise the account's quota or the server's file size limit; the network is not the cause."
	default:
		f.Message = fmt.Sprintf("The server aborted %s the capture began during (%d) after %s the capture saw: an error while it ran, on its own side, or a failure of its data connection.", what, code, moved)
		f.Advice = "The reply's text in the transcript and the server's log give why: a disk or file error on the server, or a broken data connection (vsftpd's \"451 Failure reading network stream.\" of an upload), then look for a firewall or NAT that resets long transfers." + whole
	}
	return f
}
