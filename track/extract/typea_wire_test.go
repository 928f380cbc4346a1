package extract

import (
	"slices"
	"strings"
	"testing"
)

// TestTypeAWireProves guards what a TYPE A file record says, by what the
// wire proves (real vsftpd and ProFTPD transfers): the file written is
// the wire form, so its hashes are the server file's only when the wire
// shows no conversion. Before: vsftpd under TYPE A, whose 150 says
// "Opening BINARY mode" and sends the disk file unchanged, read "TYPE A:
// line endings converted"; a converted download (2160 bytes on disk, 2240
// with CR LF on the wire) and a CR LF upload (stored as 550 bytes by
// vsftpd with ascii_upload_enable) read complete with the wire form's
// hashes; and the same converted download with no TYPE (RFC 959's ASCII
// default: ProFTPD) read "size mismatch" where TYPE A read complete. The
// ASCII default and an explicit TYPE A now get the same verdicts.
func TestTypeAWireProves(t *testing.T) {
	lfText := strings.Repeat("line of text\n", 10)     // 130 bytes, 10 bare LFs
	crlfText := strings.Repeat("line of text\r\n", 10) // 140 bytes on the wire
	for _, tc := range []struct {
		name     string
		verb     string
		data     string
		fin      Final
		complete bool
		reason   string // one of the reasons
	}{
		{"TYPE A, 150 says BINARY mode (vsftpd)", "RETR", lfText, Final{Announced: 130, Reply: 226, ASCII: true, SentBinary: true}, true,
			"TYPE A, but the server sent binary (its reply says BINARY mode): line ends as on its disk"},
		{"no TYPE, 150 says BINARY mode", "RETR", lfText, Final{Announced: 130, Reply: 226, NoType: true, SentBinary: true}, true,
			"no TYPE seen, but the server sent binary (its reply says BINARY mode): line ends as on its disk"},
		{"TYPE A download converted (ProFTPD)", "RETR", crlfText, Final{Announced: 130, Reply: 226, ASCII: true, SentASCII: true}, false,
			"line ends converted: the server's file is 130 bytes (announced), 140 on the wire: the hashes are the wire form's, not the server file's"},
		{"no TYPE download converted (ProFTPD default)", "RETR", crlfText, Final{Announced: 130, Reply: 226, NoType: true, SentASCII: true}, false,
			"line ends converted: the server's file is 130 bytes (announced), 140 on the wire: the hashes are the wire form's, not the server file's"},
		{"TYPE A download of the announced size", "RETR", crlfText, Final{Announced: 140, Reply: 226, ASCII: true}, true,
			"TYPE A: the size as announced, no line end converted"},
		{"TYPE A download, no size, CR LF (Pure-FTPd)", "RETR", crlfText, Final{Announced: -1, Reply: 226, ASCII: true}, false,
			"CR LF line ends on the wire and no size to compare: if the server converted them, the hashes are the wire form's, not the server file's"},
		{"no TYPE download, no size, CR LF", "RETR", crlfText, Final{Announced: -1, Reply: 226, NoType: true}, false,
			"CR LF line ends on the wire and no size to compare: if the server converted them, the hashes are the wire form's, not the server file's"},
		{"TYPE A download, no size, a bare LF", "RETR", crlfText + "last line\n", Final{Announced: -1, Reply: 226, ASCII: true}, true,
			"TYPE A: bare LF line ends on the wire, not converted"},
		{"TYPE A upload with CR LF (vsftpd may store LF)", "STOR", crlfText, Final{Announced: -1, Reply: 226, ASCII: true}, false,
			"CR LF line ends on the wire and no size to compare: if the server converted them, the hashes are the wire form's, not the server file's"},
		{"TYPE A upload, 150 says ASCII mode", "STOR", crlfText, Final{Announced: -1, Reply: 226, ASCII: true, SentASCII: true}, false,
			"line ends converted (the server's reply says ASCII mode): the hashes are the wire form's, not the server file's"},
		{"TYPE A upload without CR LF", "STOR", lfText, Final{Announced: -1, Reply: 226, ASCII: true}, true,
			"TYPE A: no CR LF on the wire, no line end to convert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := openDir(t, Limits{})
			w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: tc.verb, Arg: "report.txt"})
			if err != nil {
				t.Fatal(err)
			}
			// Across writes: a CR LF split between two segments counts.
			for _, part := range []string{tc.data[:13], tc.data[13:]} {
				w.Write([]byte(part))
			}
			rec, err := w.Close(tc.fin)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Complete != tc.complete || !slices.Contains(rec.Reasons, tc.reason) {
				t.Errorf("complete %v, reasons %q; want %v with %q", rec.Complete, rec.Reasons, tc.complete, tc.reason)
			}
			for _, r := range rec.Reasons {
				if tc.fin.SentBinary && strings.Contains(r, "converted") && !strings.Contains(r, "no line end") {
					t.Errorf("reason %q claims a conversion the server's reply denies", r)
				}
			}
		})
	}
}
