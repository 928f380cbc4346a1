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
	// skipped: transfers a bound or a file-system error kept from being
	// written, and why.
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
	line := fmt.Sprintf("file %s  %d byte%s  sha256 %s  ", safeIsolated(r.File), r.Bytes, plural(int(r.Bytes)), r.SHA256)
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
	add := func(n int64, one, many string) { warn = appendCount(warn, n, one, many) }
	same := func(n int64, what string) { add(n, what, what) }
	same(f.RefusedOpen, "not written: "+filesOpenWhy(st.Limits.MaxOpen))
	same(f.RefusedFiles, "not written: "+filesWrittenWhy(st.Limits.MaxFiles))
	same(f.RefusedFull, "not written: the folder limit was reached (--extract-max-total)")
	same(f.RefusedName, "not written: every name was taken")
	same(f.CutFile, fmt.Sprintf("cut at %d bytes (--extract-max-file)", st.Limits.MaxFileBytes))
	same(f.CutFull, "cut at the folder limit (--extract-max-total)")
	same(st.GivenUp, "cut short: reassembly given up, connection table full")
	add(int64(st.Payload.Evicted), "data connection dropped from the reassembly table (full)",
		"data connections dropped from the reassembly table (full)")
	add(int64(st.Payload.HeldOverflow), "data-stream hole given up early (out-of-order bytes past the buffer bound)",
		"data-stream holes given up early (out-of-order bytes past the buffer bound)")
	add(st.NoCommand, "data connection that carried bytes before its transfer command was seen, not written",
		"data connections that carried bytes before their transfer command was seen, not written")
	add(st.RaceGuessed, "data connection to an endpoint several sessions were told, written under the session guessed before a reply told whose it was (its bytes passed the hold)",
		"data connections to endpoints several sessions were told, written under the sessions guessed before a reply told whose they were (their bytes passed the hold)")
	add(st.OwnerUnknown, "data connection to an endpoint several sessions were told whose owner is unknown (no transfer command of its own), written as owner-unknown",
		"data connections to endpoints several sessions were told whose owners are unknown (no transfer command of their own), written as owner-unknown")
	// (Their commands are ciphertext: never seen, not late.)
	add(st.NoCommandTLS, "data connection of an encrypted session with no TLS handshake seen (PROT C, in clear), not written: its transfer command is inside TLS",
		"data connections of encrypted sessions with no TLS handshake seen (PROT C, in clear), not written: their transfer commands are inside TLS")
	add(st.NotReassembled, "transfer whose bytes were not reassembled, not written",
		"transfers whose bytes were not reassembled, not written")
	add(st.NotDelivered, "transfer that delivered no byte to its receiver, not written",
		"transfers that delivered no byte to their receivers, not written")
	add(st.NotCaptured, "transfer whose bytes are not in the capture (the snap length / capture loss), not written",
		"transfers whose bytes are not in the capture (the snap length / capture loss), not written")
	stolen := counted(int64(st.StolenNotWrittenBytes), "byte{s}")
	add(st.StolenNotWritten, "data connection of a transfer another host took whose bytes could not go in its file ("+stolen+"), not written",
		"data connections of transfers another host took whose bytes could not go in their files ("+stolen+"), not written")
	add(int64(st.Payload.StartUnknown), "data connection without SYN or SYN-ACK: its file starts at an unknown offset",
		"data connections without SYN or SYN-ACK: files start at an unknown offset")
	add(int64(st.Payload.Conflicts), "place where the capture held two different versions of the same bytes",
		"places where the capture held two different versions of the same bytes")
	add(st.Encrypted, "data connection encrypted (a TLS ClientHello first), not written",
		"data connections encrypted (a TLS ClientHello first), not written")
	add(st.EncryptedSession, "data connection of an encrypted session (TLS, no command visible), encrypted too, not written",
		"data connections of encrypted sessions (TLS, no command visible), encrypted too, not written")
	add(int64(st.Payload.AfterEnd), "data segment after its connection's reset or close (in flight, or a late copy), not written",
		"data segments after their connection's reset or close (in flight, or late copies), not written")
	add(int64(st.Payload.EndedForgotten), "data connection forgotten soon after its reset or close (too many ended at once): a late segment of it may have started its stream again",
		"data connections forgotten soon after their reset or close (too many ended at once): a late segment of one may have started its stream again")
	add(st.WriteErrors, "write error (last: "+safe(st.LastError)+")", "write errors (last: "+safe(st.LastError)+")")
	if len(warn) > 0 {
		o.printf("; %s", o.p.warn.Sprint(strings.Join(warn, ", ")))
	}
	o.printf("\n")
}
