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
// own SYN), so the file a responder needs, what the other host received,
// is there. It tells whether dc was such a connection (the bytes are
// handled then). Bytes of the announcement's own connection, when a file
// of the stolen one is open, are not mixed into it.
func (x *extractor) stolenPayload(dc *track.DataConn, toClient bool, b []byte, n int64) bool {
	if dc.Command != nil {
		if dc.Thief == nil {
			return false
		}
		f := x.files[dc]
		return f != nil && f.stolen // (dropped)
	}
	own := dc.StolenTransfer()
	if own == nil {
		return false
	}
	pre := x.files[own]
	switch {
	case pre != nil && pre.stolen:
	case own.Done:
		return true // its record is out and its file closed: too late
	case pre != nil && !pre.reserved:
		return true // a file (or none) of the announcement's own connection
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
