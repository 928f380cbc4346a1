package main

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// stolenPayload handles bytes (b, or with b nil the gap notice n) of dc in
// the direction toClient when dc is another host's connection that took
// its transfer's announced passive port (track.DataConn.StolenTransfer):
// they are that transfer's file, written as its announcement's (whose
// record tells the stolen connection once the server refused the client's
// own SYN with RST), so the file a responder needs, what the other host
// received, is there. It tells whether dc was such a connection (the
// bytes are handled then). Bytes it cannot write are counted: the
// announcement's own connection's, when a file of the stolen one is open
// (not mixed into it), and the stolen connection's once the transfer's
// record is out (stolenLost); those of a transfer that has no file
// (refused for want of a slot, bytes before its command, ciphertext, not
// created) are in that reason's counter already, from its record.
func (x *extractor) stolenPayload(dc *track.DataConn, toClient bool, b []byte, n int64) bool {
	if dc.Command != nil {
		if dc.Thief == nil {
			return false
		}
		f := x.files[dc]
		if f == nil || !f.stolen {
			return false
		}
		x.stolenLost(dc, f, b)
		return true
	}
	own := dc.StolenTransfer()
	if own == nil {
		return false
	}
	pre := x.files[own]
	switch {
	case pre != nil && pre.stolen:
	case own.Done:
		// Its record is out and its file closed (the tracker ends the
		// record at the transfer's final reply; this connection may go
		// on): too late for the file.
		x.stolenLate(dc, b)
		return true
	case pre != nil && !pre.reserved:
		// The announcement has an entry of its own that is no file being
		// written: no file (counted under its reason at its record: its
		// bytes are this connection's), or a file of its own.
		if r := x.files[dc]; r != nil && r.reserved {
			// Chosen when decode asked again, after the transfer was
			// refused a slot: it holds one for no file.
			x.del(dc)
		}
		if !pre.dead {
			x.stolenLate(dc, b)
		}
		return true
	}
	if b != nil {
		x.dataPayload(own, toClient, b)
	} else {
		x.dataPayloadGap(own, toClient, n)
	}
	if f := x.files[own]; f != nil && f != pre {
		f.stolen = true
	}
	return true
}

// stolenLate counts bytes b of dc, another host's connection, that
// stolenPayload cannot write into its transfer's file, on an entry of
// dc's own (which frees a slot a reservation of it held).
func (x *extractor) stolenLate(dc *track.DataConn, b []byte) {
	if len(b) == 0 || x.closed || !x.selected(dc) {
		return
	}
	r := x.files[dc]
	if r == nil || r.reserved {
		r = &openFile{dead: true}
		x.put(dc, r)
	}
	x.stolenLost(dc, r, b)
}

// stolenLost counts bytes b of dc that stolenPayload did not write
// (StolenNotWritten): dc once, by its entry f, and the bytes.
func (x *extractor) stolenLost(dc *track.DataConn, f *openFile, b []byte) {
	if len(b) == 0 || x.closed || !x.selected(dc) {
		return
	}
	if !f.lostCounted {
		f.lostCounted = true
		x.st.StolenNotWritten++
	}
	x.st.StolenNotWrittenBytes += int64(len(b))
}

// judgeStolen says, of the file of a transfer another host's connection
// took (stolenPayload), who received it: not the session's client, so
// not a complete transfer of the session's, whatever its bytes.
func judgeStolen(dc *track.DataConn, f *openFile, rec *extract.FileRecord) {
	th := dc.Thief
	if !f.stolen || th == nil || dc.Session == nil {
		return
	}
	how := "sent to %s, not to the session's client %s"
	if !f.toClient {
		how = "sent by %s, not by the session's client %s"
	}
	rec.Complete = false
	rec.Reasons = append(rec.Reasons, fmt.Sprintf(how+": another host took the announced port (passive port theft, data-foreign-source)",
		th.Client.Addr(), dc.Session.Client.Addr()))
}
