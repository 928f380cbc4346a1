package extract

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestCompleteness guards the verdict and every reason: the file is
// complete only with a 2xx reply, no gap, no cut, the announced size, and
// no ABOR, capture end, REST, MODE Z, B or C, STRU R or P, TYPE E, nor an
// RST before the sender's FIN that no announced size makes up for.
func TestCompleteness(t *testing.T) {
	const restCut = "REST offset unknown (the capture cut its line): a part of the file, from an offset not known"
	ten := []piece{{data: "0123456789"}}
	gapped := []piece{{data: "0123"}, {gap: 3}, {data: "789"}}
	var many []piece
	for range 20 {
		many = append(many, piece{data: "x"}, piece{gap: 2})
	}
	tests := []struct {
		name     string
		pieces   []piece
		fin      Final
		complete bool
		reasons  []string
	}{
		{"226 and the announced size", ten, Final{Announced: 10, Reply: 226}, true, nil},
		{"250 without a size", ten, Final{Announced: -1, Reply: 250}, true, nil},
		{"empty file announced empty", nil, Final{Announced: 0, Reply: 226}, true, nil},
		{"size mismatch", ten, Final{Announced: 15, Reply: 226}, false, []string{"size mismatch: announced 15, got 10"}},
		{"more than announced", ten, Final{Announced: 4, Reply: 226}, false, []string{"size mismatch: announced 4, got 10"}},
		{"426", ten, Final{Announced: -1, Reply: 426}, false, []string{"final reply 426"}},
		{"451", ten, Final{Announced: 10, Reply: 451}, false, []string{"final reply 451"}},
		{"only a 150", ten, Final{Announced: 10, Reply: 150}, false, []string{"final reply 150"}},
		{"no final reply", ten, Final{Announced: 10}, false, []string{"no final reply"}},
		{"aborted", ten, Final{Announced: 20, Reply: 426, Aborted: true}, false,
			[]string{"size mismatch: announced 20, got 10", "final reply 426", "aborted"}},
		{"capture ended", ten, Final{Announced: -1, CaptureEnded: true}, false, []string{"no final reply", "capture ended"}},
		{"REST, whole size announced", ten, Final{Announced: 110, Reply: 226, Rest: 100}, false,
			[]string{"REST offset 100: a part of the file"}},
		{"REST, rest announced", ten, Final{Announced: 10, Reply: 226, Rest: 100}, false,
			[]string{"REST offset 100: a part of the file"}},
		{"REST and a short file", ten, Final{Announced: 200, Reply: 226, Rest: 100}, false,
			[]string{"size mismatch: announced 200, got 10", "REST offset 100: a part of the file"}},
		{"REST unknown", ten, Final{Announced: 10, Reply: 226, Rest: -1}, true, nil},
		// A REST whose digits the capture cut ("REST 12" of "REST
		// 1234567"): no offset to subtract, so no mismatch below the
		// announced size, and no size met either.
		{"REST cut, whole size announced", ten, Final{Announced: 1234577, Reply: 226, Rest: math.MinInt64, RestUnknown: true}, false,
			[]string{restCut}},
		{"REST cut, no size", ten, Final{Announced: -1, Reply: 226, Rest: math.MinInt64, RestUnknown: true}, false, []string{restCut}},
		{"REST cut, more than announced", ten, Final{Announced: 4, Reply: 226, Rest: math.MinInt64, RestUnknown: true}, false,
			[]string{"size mismatch: announced 4, got 10", restCut}},
		{"REST cut, the data end not seen", ten, Final{Announced: 10, Reply: 226, Rest: math.MinInt64, RestUnknown: true, NoDataEnd: true}, false,
			[]string{"the data connection's end is not in the capture: bytes after offset 10 may be missing", restCut}},
		{"TYPE A is a note", ten, Final{Announced: 10, Reply: 226, ASCII: true}, true, []string{"TYPE A: the size as announced, no line end converted"}},
		{"no TYPE is a note", ten, Final{Announced: 10, Reply: 226, NoType: true}, true, []string{"no TYPE seen: ASCII by default: the size as announced, no line end converted"}},
		{"TYPE A size differs", ten, Final{Announced: 9, Reply: 226, ASCII: true}, false,
			[]string{"size mismatch: announced 9, got 10", "TYPE A, line endings may differ"}},
		{"MODE Z", ten, Final{Announced: 5000, Reply: 226, Compressed: true}, false, []string{"MODE Z: compressed"}},
		{"MODE B", ten, Final{Announced: 5000, Reply: 226, Mode: 'B'}, false,
			[]string{"MODE B: block headers on the wire; the remote file is not the wire bytes written here"}},
		{"MODE C and STRU R", ten, Final{Announced: -1, Reply: 226, Mode: 'C', Structure: 'R'}, false,
			[]string{"MODE C: compressed blocks on the wire; the remote file is not the wire bytes written here",
				"STRU R: end-of-record marks may be on the wire; the remote file may not be the wire bytes written here"}},
		{"STRU P", ten, Final{Announced: 10, Reply: 226, Structure: 'P'}, false,
			[]string{"STRU P: page headers on the wire; the remote file is not the wire bytes written here"}},
		{"TYPE E", ten, Final{Announced: -1, Reply: 226, EBCDIC: true}, false,
			[]string{"TYPE E: EBCDIC on the wire; the remote file may not be the wire bytes written here"}},
		{"RST, no size", ten, Final{Announced: -1, Reply: 226, ResetEnd: true}, false,
			[]string{"ended by RST, not the sender's FIN: the end of the file is not in the capture"}},
		{"RST, the announced size met", ten, Final{Announced: 10, Reply: 226, ResetEnd: true}, true, nil},
		{"RST after ABOR", ten, Final{Announced: -1, Reply: 426, Aborted: true, ResetEnd: true}, false,
			[]string{"final reply 426", "aborted"}},
		{"RST, short of the announced size", ten, Final{Announced: 20, Reply: 226, ResetEnd: true}, false,
			[]string{"size mismatch: announced 20, got 10", "ended by RST, not the sender's FIN: the end of the file is not in the capture"}},
		{"gap", gapped, Final{Announced: 10, Reply: 226}, false, []string{"gap at offset 4 for 3 bytes"}},
		{"gap and 426", gapped, Final{Announced: 12, Reply: 426}, false,
			[]string{"gap at offset 4 for 3 bytes", "size mismatch: announced 12, got 10", "final reply 426"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := feed(t, Limits{}, tt.pieces, tt.fin)
			if rec.Complete != tt.complete || !reflect.DeepEqual(rec.Reasons, tt.reasons) {
				t.Errorf("complete %v, reasons %q; want %v, %q", rec.Complete, rec.Reasons, tt.complete, tt.reasons)
			}
		})
	}

	t.Run("many gaps are bounded", func(t *testing.T) {
		rec := feed(t, Limits{}, many, Final{Announced: 60, Reply: 226})
		if rec.Complete || len(rec.Reasons) != maxGapNotes+1 || rec.Reasons[maxGapNotes] != "4 more gaps for 8 bytes" ||
			rec.Reasons[0] != "gap at offset 1 for 2 bytes" || rec.Missing != 40 {
			t.Errorf("reasons %q, missing %d", rec.Reasons, rec.Missing)
		}
	})
	t.Run("cut", func(t *testing.T) {
		rec := feed(t, Limits{MaxFileBytes: 4}, ten, Final{Announced: 10, Reply: 226})
		if rec.Complete || !reflect.DeepEqual(rec.Reasons, []string{"cut at the per-file limit"}) {
			t.Errorf("reasons %q", rec.Reasons)
		}
	})
}

// feed writes pieces to a new file and closes it with fin.
func feed(t *testing.T, lim Limits, pieces []piece, fin Final) FileRecord {
	t.Helper()
	d, _ := openDir(t, lim)
	w, err := d.Create(Transfer{Session: 3, Data: 7, Verb: "RETR", Arg: "/pub/f.txt", Cwd: "/pub"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pieces {
		if p.gap > 0 {
			if err := w.Gap(w.Offset(), p.gap); err != nil {
				t.Fatal(err)
			}
		} else if _, err := w.Write([]byte(p.data)); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := w.Close(fin)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestRecordJSON guards the record's field names and the identifying
// fields.
func TestRecordJSON(t *testing.T) {
	rec := feed(t, Limits{}, []piece{{data: "hi"}}, Final{Announced: 2, Reply: 226})
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		`"session":3`, `"data":7`, `"command":"RETR"`, `"path":"/pub/f.txt"`, `"cwd":"/pub"`,
		`"file":"s3-d7-f.txt"`, `"bytes":2`, `"sha256":"8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"`,
		`"sha1":"c22b5f9178342609428d6f51b2c5af4c0bde6a42"`, `"md5":"49f68a5c8493ec2c0bf489821c21fc3b"`,
		`"mime":"text/plain; charset=utf-8"`, `"complete":true`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("JSON lacks %s: %s", want, got)
		}
	}
	for _, absent := range []string{"reasons", "truncated", "missing_bytes", "cut_bytes"} {
		if strings.Contains(got, absent) {
			t.Errorf("JSON has %s for a complete file: %s", absent, got)
		}
	}
}
