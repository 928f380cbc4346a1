package extract

import (
	"strings"
	"testing"
)

// TestListingNotJudgedForTypeA guards a directory listing under TYPE A
// (or no TYPE): it is text the server makes for the transfer, with no
// file on the server's disk whose line ends could differ, so the TYPE A
// judgement does not apply. Before, a listing with CR LF line ends was
// incomplete, "the hashes are the wire form's, not the server file's".
func TestListingNotJudgedForTypeA(t *testing.T) {
	for _, verb := range []string{"LIST", "NLST", "MLSD"} {
		for _, fin := range []Final{
			{Announced: -1, Reply: 226, ASCII: true},
			{Announced: -1, Reply: 226, NoType: true},
			{Announced: -1, Reply: 226, ASCII: true, SentASCII: true},
		} {
			d, _ := openDir(t, Limits{})
			w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: verb, Arg: "/pub"})
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("-rw-r--r--    1 0  0  4640 Jan 01 00:00 report.txt\r\ndrwxr-xr-x    2 0  0  4096 Jan 01 00:00 upload\r\n"))
			rec, err := w.Close(fin)
			if err != nil {
				t.Fatal(err)
			}
			if !rec.Complete || len(rec.Reasons) != 0 {
				t.Errorf("%s %+v: complete %v, reasons %q; want complete, no reason", verb, fin, rec.Complete, rec.Reasons)
			}
			for _, r := range rec.Reasons {
				if strings.Contains(r, "server file") {
					t.Errorf("%s: reason %q names a server file a listing does not have", verb, r)
				}
			}
		}
	}
	// A file under TYPE A is still judged.
	d, _ := openDir(t, Limits{})
	w, _ := d.Create(Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "a.txt"})
	w.Write([]byte("a\r\nb\r\n"))
	if rec, _ := w.Close(Final{Announced: -1, Reply: 226, ASCII: true}); rec.Complete {
		t.Errorf("RETR under TYPE A with CR LF and no size: complete; want the TYPE A judgement")
	}
}
