package main

import (
	"fmt"
	"strings"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// textFiles is what the text transcript keeps of extraction: each data
// connection's file record until its session is shown, and the counters
// for the summary. Kept per session, so that forgetting one session costs
// its own entries, and at most maxFileLines per session: its transcript
// shows no more commands than that.
type textFiles struct {
	recs map[*track.Session]map[*track.DataConn]*extract.FileRecord
	// skipped: transfers a bound kept from being written, and why.
	skipped map[*track.Session]map[*track.DataConn]string
	st      *extractStats
}

// maxFileLines bounds the file lines kept per open session (the
// transcript's own bound on commands, MaxTranscript's order).
const maxFileLines = 10000

// File implements fileOutput.
func (o *textOutput) File(s *track.Session, d *track.DataConn, r *extract.FileRecord) {
	if o.files.recs == nil {
		o.files.recs = map[*track.Session]map[*track.DataConn]*extract.FileRecord{}
	}
	m := o.files.recs[s]
	if m == nil {
		m = map[*track.DataConn]*extract.FileRecord{}
		o.files.recs[s] = m
	}
	if len(m) < maxFileLines {
		m[d] = r
	}
}

// FileSkipped implements fileSkippedOutput.
func (o *textOutput) FileSkipped(s *track.Session, d *track.DataConn, why string) {
	if o.files.skipped == nil {
		o.files.skipped = map[*track.Session]map[*track.DataConn]string{}
	}
	m := o.files.skipped[s]
	if m == nil {
		m = map[*track.DataConn]string{}
		o.files.skipped[s] = m
	}
	if len(m) < maxFileLines {
		m[d] = why
	}
}

// forgetFiles drops a shown session's records.
func (o *textOutput) forgetFiles(s *track.Session) {
	delete(o.files.recs, s)
	delete(o.files.skipped, s)
}

// ExtractSummary implements fileOutput.
func (o *textOutput) ExtractSummary(st extractStats) { o.files.st = &st }

// fileLine writes the extracted file under its data connection.
func (o *textOutput) fileLine(d *track.DataConn) {
	r := o.files.recs[d.Session][d]
	if r == nil {
		if why, ok := o.files.skipped[d.Session][d]; ok {
			o.printf("%s         %s\n", noStamp, o.p.warn.Sprint("file not written: "+safe(why)))
		}
		return
	}
	p := o.p
	verdict := p.good.Sprint("complete")
	if !r.Complete {
		verdict = p.warn.Sprint("incomplete")
	}
	line := fmt.Sprintf("file %s  %d bytes  sha256 %s  ", safe(r.File), r.Bytes, r.SHA256)
	o.printf("%s         %s%s", noStamp, p.dim.Sprint(line), verdict)
	if len(r.Reasons) > 0 {
		o.printf(" (%s)", safe(strings.Join(r.Reasons, "; ")))
	}
	o.printf("\n")
}

// extractSummary writes the extraction line of the summary, with every
// bound that was hit.
func (o *textOutput) extractSummary() {
	st := o.files.st
	if st == nil {
		return
	}
	f := st.Files
	o.printf("  extracted: %d file%s, %d bytes into %s", f.Files, plural(int(f.Files)), f.Bytes, safe(st.Dir))
	var warn []string
	add := func(n int64, what string) {
		if n > 0 {
			warn = append(warn, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(f.RefusedOpen, fmt.Sprintf("not written: %d files were open (--extract-max-open)", st.Limits.MaxOpen))
	add(f.RefusedFiles, fmt.Sprintf("not written: %d files written already", st.Limits.MaxFiles))
	add(f.RefusedFull, "not written: the folder limit was reached (--extract-max-total)")
	add(f.RefusedName, "not written: every name was taken")
	add(f.CutFile, fmt.Sprintf("cut at %d bytes (--extract-max-file)", st.Limits.MaxFileBytes))
	add(f.CutFull, "cut at the folder limit (--extract-max-total)")
	add(st.GivenUp, "cut short: reassembly given up, connection table full")
	add(int64(st.Payload.Evicted), "data connections dropped from the reassembly table (full)")
	add(int64(st.Payload.HeldOverflow), "data-stream holes given up early (out-of-order bytes past the buffer bound)")
	add(st.NoCommand, "data connections that carried bytes before their transfer command was seen, not written")
	add(st.NotReassembled, "transfers whose bytes were not reassembled, not written")
	add(int64(st.Payload.StartUnknown), "data connections without SYN or SYN-ACK: files start at an unknown offset")
	add(int64(st.Payload.Conflicts), "places where the capture held two different versions of the same bytes")
	add(st.Encrypted, "data connections encrypted (a TLS ClientHello first), not written")
	add(st.EncryptedSession, "data connections of encrypted sessions (TLS, no command visible), encrypted too, not written")
	add(int64(st.Payload.AfterEnd), "data segments after their connection's reset or close (in flight, or late copies), not written")
	add(st.WriteErrors, "write error"+plural(int(st.WriteErrors))+" (last: "+safe(st.LastError)+")")
	if len(warn) > 0 {
		o.printf("; %s", o.p.warn.Sprint(strings.Join(warn, ", ")))
	}
	o.printf("\n")
}
