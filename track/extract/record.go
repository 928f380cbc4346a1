package extract

import (
	"encoding/hex"
	"strconv"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// Final is what the tracker knows of a transfer when its file is closed.
type Final struct {
	// Announced is the size the server announced: the "(N bytes)" of the
	// 150 reply or the 213 answer to SIZE (DataConn.ExpectedSize).
	// Negative means unknown; 0 is an announced empty file.
	Announced int64
	// Reply is the transfer command's final reply code (226, 426, 451,
	// …); 0 when none came.
	Reply int
	// Aborted: the client sent ABOR during the transfer.
	Aborted bool
	// CaptureEnded: the capture ended before the data connection did.
	CaptureEnded bool
	// Rest is the REST offset before the transfer (DataConn.Rest); zero
	// or negative means none.
	Rest int64
	// RestUnknown: the server accepted a REST whose line the capture cut
	// (track.RestUnknown): the bytes are a part of the file from an
	// offset not known, not the whole file, and no size they should
	// come to is known below the announced one (Rest is then ignored).
	RestUnknown bool
	// ASCII: TYPE A was in force, so the server may have converted line
	// endings (RFC 959 3.1.1.1: CR LF on the wire) and the file on the
	// wire may differ from the one on its disk (judge: what the wire
	// proves).
	ASCII bool
	// NoType: no TYPE was seen before the transfer. RFC 959's default is
	// ASCII, which some servers honour (ProFTPD, Pure-FTPd) and others
	// do not (vsftpd unless ascii_download_enable): judged as TYPE A.
	NoType bool
	// SentBinary, SentASCII: the transfer's preliminary reply (150, 125)
	// named the mode the server sends in ("Opening BINARY mode data
	// connection": vsftpd under TYPE A without ascii_download_enable,
	// which sends the file unchanged; "Opening ASCII mode": ProFTPD,
	// vsftpd with the conversion on, wu-ftpd, Serv-U).
	SentBinary, SentASCII bool
	// Compressed: MODE Z was in force; the file holds the deflate stream.
	Compressed bool
	// NoDataEnd: the data connection's end (its FIN) is not in the
	// capture, though the capture went on: the file may be longer.
	NoDataEnd bool
	// ResetEnd: an RST ended the data connection before the sender's
	// FIN: in stream mode only that FIN marks the end of the file (RFC
	// 959 3.4.1), and a 226 says only that the server handed its bytes
	// to its socket. Held against a file whose reply says it was
	// transferred (2xx, no ABOR) and whose announced size, if any, the
	// bytes do not meet.
	ResetEnd bool
	// Mode: MODE B ('B', block headers, RFC 959 3.4.2) or MODE C ('C',
	// compressed blocks, 3.4.3) was in force; 0 for stream mode (MODE Z
	// is Compressed). Structure: STRU R ('R', end-of-record marks,
	// 3.1.2.1) or STRU P ('P', page headers, 3.1.2.3); 0 for file
	// structure. EBCDIC: TYPE E. Each puts on the wire another form than
	// the file's bytes: the file written, and its hashes, are the wire's.
	Mode, Structure byte
	EBCDIC          bool
	// Replies are the texts of the command's replies known at the end,
	// as in Transfer: an STOU without argument whose name came only
	// after the file was created (wu-ftpd's "250 … (unique file
	// name:X)") takes it then, record and file (Close).
	Replies []string
}

// FileRecord describes one extracted file.
type FileRecord struct {
	Session int    `json:"session"`
	Data    int    `json:"data"`
	Command string `json:"command"`
	// Path is the remote path as on the wire: the command's argument, or
	// for STOU without one the name the server's reply gave.
	Path string `json:"path"`
	Cwd  string `json:"cwd,omitempty"`
	// File is the local name, relative to the folder.
	File string `json:"file"`
	// Bytes is the file's size: written bytes and holes.
	Bytes int64 `json:"bytes"`
	// Missing is the bytes the capture lost (holes, and gaps past a cut).
	Missing int64 `json:"missing_bytes,omitempty"`
	// CutBytes is the received bytes a bound kept out of the file.
	CutBytes int64 `json:"cut_bytes,omitempty"`
	// SHA256, SHA1 and MD5 hash the file as written (holes as zeros).
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1"`
	MD5    string `json:"md5"`
	// MIME is sniffed from the first 512 bytes; "" for an empty file.
	MIME string `json:"mime,omitempty"`
	// Complete: the file is the whole remote file, as far as the capture
	// shows: a 2xx final reply, no gap, no cut, no write error, the size
	// announced (when one was), the sender's FIN (or the announced size)
	// ending it, no ABOR, capture end, REST, MODE Z, B or C, STRU R or P,
	// TYPE E, copy left uncompared, nor a TYPE A conversion the wire
	// proves or cannot rule out, nor another host than the server at the
	// data connection's other end (active mode).
	Complete bool `json:"complete"`
	// Truncated: a bound cut the file.
	Truncated bool `json:"truncated,omitempty"`
	// Reasons say why the file is not complete, and what else to know
	// about it (TYPE A), one short sentence each.
	Reasons []string `json:"reasons,omitempty"`
}

// record builds the FileRecord; it is called once, by Close.
func (w *Writer) record(fin Final) FileRecord {
	r := FileRecord{
		Session:   w.t.Session,
		Data:      w.t.Data,
		Command:   w.t.Verb,
		Path:      w.path,
		Cwd:       w.t.Cwd,
		File:      w.name,
		Bytes:     w.size,
		Missing:   w.missing,
		CutBytes:  w.cutBytes,
		SHA256:    hex.EncodeToString(w.sha256.Sum(nil)),
		SHA1:      hex.EncodeToString(w.sha1.Sum(nil)),
		MD5:       hex.EncodeToString(w.md5.Sum(nil)),
		Truncated: w.cut != cutNone,
	}
	if w.size > 0 {
		r.MIME = sniffMIME(w.sniff[:w.sniffN])
	}
	r.Reasons, r.Complete = judge(w, fin)
	return r
}

// judge lists the reasons against completeness, and the notes.
func judge(w *Writer, fin Final) (reasons []string, complete bool) {
	complete = true
	bad := func(s string) {
		reasons = append(reasons, s)
		complete = false
	}
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }

	for _, g := range w.gapNotes {
		bad(g)
	}
	if more := w.gaps - len(w.gapNotes); more > 0 {
		bad(strconv.Itoa(more) + " more gaps for " + itoa(w.unlisted) + " bytes")
	}
	if w.startUnknown {
		bad("start not in the capture; offset unknown")
	}
	if w.conflicts > 0 {
		bad("the capture holds two different versions of bytes at offset " + itoa(w.conflictAt))
		if w.conflicts > 1 {
			bad(strconv.Itoa(w.conflicts-1) + " more places with two different versions")
		}
	}
	rest := max(fin.Rest, 0)
	if fin.RestUnknown {
		rest = 0
	}
	// ascii names the transfer's ASCII type ("" when binary, or when the
	// server said it sent binary: the file unchanged). A listing is text
	// the server makes for the transfer, not a file it stores: no file on
	// its disk whose line ends TYPE A could have changed, nothing to judge.
	ascii := ""
	switch {
	case isListing(w.t.Verb):
	case fin.ASCII:
		ascii = "TYPE A"
	case fin.NoType:
		ascii = "no TYPE seen: ASCII by default"
	}
	sentBinary := ascii != "" && fin.SentBinary
	if sentBinary {
		ascii = ""
	}
	download := !ftp.IsUpload(w.t.Verb)
	converted := false // TYPE A: the size differs by the CRs the server added
	sizeBad := false   // the size differs from the announced one
	switch {
	case fin.Compressed, fin.Mode != 0, fin.Structure != 0, fin.EBCDIC:
		sizeBad = true // the announced size is the file's, not the wire form's
	case fin.RestUnknown && fin.Announced >= 0 && w.stream <= fin.Announced:
		// The announced size less an offset the capture does not hold:
		// no mismatch to prove, and no size met either.
		sizeBad = true
	case fin.Announced >= 0 && w.stream != fin.Announced && (rest == 0 || w.stream != fin.Announced-rest):
		sizeBad = true
		if ascii != "" && download && w.missing == 0 && w.cut == cutNone && typeAExplains(fin.Announced-rest, w.stream, w.crlf) {
			converted = true
			break
		}
		bad("size mismatch: announced " + itoa(fin.Announced) + ", got " + itoa(w.stream))
	}
	switch {
	case fin.Reply == 0:
		bad("no final reply")
	case fin.Reply < 200 || fin.Reply > 299:
		bad("final reply " + strconv.Itoa(fin.Reply))
	}
	if fin.Aborted {
		bad("aborted")
	}
	if fin.CaptureEnded {
		bad("capture ended")
	}
	if fin.NoDataEnd && !(fin.Announced >= 0 && !sizeBad) {
		bad("the data connection's end is not in the capture: bytes after offset " + itoa(w.stream) + " may be missing")
	}
	if fin.ResetEnd && fin.Reply >= 200 && fin.Reply <= 299 && !fin.Aborted && !(fin.Announced >= 0 && !sizeBad) {
		// (The announced size, met, is the end the FIN would have shown.
		// A failed or aborted transfer says already that it did not end.)
		bad("ended by RST, not the sender's FIN: the end of the file is not in the capture")
	}
	switch {
	case fin.RestUnknown:
		bad("REST offset unknown (the capture cut its line): a part of the file, from an offset not known")
	case rest > 0:
		bad("REST offset " + itoa(rest) + ": a part of the file")
	}
	if sentBinary {
		kind := "TYPE A"
		if !fin.ASCII {
			kind = "no TYPE seen"
		}
		reasons = append(reasons, kind+", but the server sent binary (its reply says BINARY mode): line ends as on its disk")
	} else if ascii != "" {
		reasons, complete = judgeASCII(w, fin, ascii, download, converted, sizeBad, rest, reasons, complete)
	}
	if fin.Compressed {
		bad("MODE Z: compressed")
	}
	switch fin.Mode {
	case 'B':
		bad("MODE B: block headers on the wire; the remote file is not the wire bytes written here")
	case 'C':
		bad("MODE C: compressed blocks on the wire; the remote file is not the wire bytes written here")
	}
	switch fin.Structure {
	case 'R':
		// (A server on a file system without records may accept it and
		// send the file unchanged.)
		bad("STRU R: end-of-record marks may be on the wire; the remote file may not be the wire bytes written here")
	case 'P':
		bad("STRU P: page headers on the wire; the remote file is not the wire bytes written here")
	}
	if fin.EBCDIC {
		bad("TYPE E: EBCDIC on the wire; the remote file may not be the wire bytes written here")
	}
	if w.t.Verb == "APPE" {
		// The server appended these bytes to a file the capture never
		// showed: never the whole remote file.
		bad("appended to the remote file; only the appended bytes")
	}
	switch w.cut {
	case cutFile:
		bad("cut at the per-file limit")
	case cutFull:
		bad("cut at the folder limit")
	}
	if w.err != nil {
		bad("write failed: " + w.err.Error())
	}
	return reasons, complete
}

// judgeASCII adds what the wire proves of a TYPE A transfer's line ends
// (ascii names the type: TYPE A, or no TYPE seen). On the wire every line
// ends in CR LF (RFC 959 3.1.1.1); a server that stores LF alone (Unix)
// adds a CR per line when it sends and removes it when it receives. The
// file written is the wire form, and its hashes are that form's: when
// the server converted, or may have, they are not the server's file's,
// and the file is not complete. Proven converted: a download larger than
// the announced size by no more than its CR LFs, or CR LFs under a reply
// that says ASCII mode. Proven unchanged: a download of the announced
// size (no CR added), no CR LF on the wire (nothing to convert either
// way), or a download with a bare LF (a converting server leaves none).
// Otherwise (CR LFs, no size to compare) the server's file may differ.
func judgeASCII(w *Writer, fin Final, ascii string, download, converted, sizeBad bool, rest int64, reasons []string, complete bool) ([]string, bool) {
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	maybe := ascii + ", line endings may differ"
	wire := "the hashes are the wire form's, not the server file's"
	switch {
	case converted:
		return append(reasons, maybe, "line ends converted: the server's file is "+itoa(fin.Announced-rest)+
			" bytes (announced), "+itoa(w.stream)+" on the wire: "+wire), false
	case sizeBad:
		return append(reasons, maybe), complete // a size mismatch already
	case download && fin.Announced >= 0:
		return append(reasons, ascii+": the size as announced, no line end converted"), complete
	case w.crlf == 0:
		return append(reasons, ascii+": no CR LF on the wire, no line end to convert"), complete
	case download && w.missing == 0 && w.crlf < w.lf:
		return append(reasons, ascii+": bare LF line ends on the wire, not converted"), complete
	case fin.SentASCII:
		return append(reasons, maybe, "line ends converted (the server's reply says ASCII mode): "+wire), false
	}
	return append(reasons, maybe, "CR LF line ends on the wire and no size to compare: if the server converted them, "+wire), false
}

// typeAExplains tells whether a TYPE A transfer of stream bytes, with lf
// CR LF line ends among them, can be the announced disk size: the announced
// size is the file on the server's disk, and on the wire every line ends
// in CR LF (RFC 959 3.1.1.1). A server that stores LF alone (Unix) adds
// one CR per line on the way, so the wire is longer by at most one byte
// per line feed; one that stores CR LF (Windows) sends the same size.
func typeAExplains(announced, stream, lf int64) bool {
	extra := stream - announced
	return extra > 0 && extra <= lf
}
