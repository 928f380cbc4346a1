package main

import (
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// jsonFile is the `file` record: one extracted file (docs/extraction.md).
type jsonFile struct {
	Type string `json:"type"`
	*extract.FileRecord
	// SessionUID: the session's session_uid, the key that joins runs.
	SessionUID string `json:"session_uid,omitempty"`
	// PathRaw and CwdRaw: the bytes of a path that is not valid UTF-8.
	PathRaw []byte `json:"path_raw,omitempty"`
	CwdRaw  []byte `json:"cwd_raw,omitempty"`
	// Direction in FTP roles: "download" (server to client) or "upload".
	Direction string `json:"direction"`
}

// File implements fileOutput.
func (o *jsonOutput) File(s *track.Session, _ *track.DataConn, r *extract.FileRecord) {
	j := jsonFile{Type: "file", FileRecord: r, PathRaw: rawOf(r.Path), CwdRaw: rawOf(r.Cwd), Direction: "download"}
	switch r.Command {
	case "STOR", "STOU", "APPE":
		j.Direction = "upload"
	}
	if s != nil {
		j.SessionUID = o.uids.get(o.ids.Observer, s, false)
	}
	o.write(j)
}

// jsonExtraction is the `extraction` record, written before the summary.
type jsonExtraction struct {
	Type string `json:"type"`
	extractStats
}

// ExtractSummary implements fileOutput.
func (o *jsonOutput) ExtractSummary(st extractStats) {
	o.write(jsonExtraction{Type: "extraction", extractStats: st})
}
