package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// recordHeadCases are lines the splitter's reading of a record's head
// must read as json.Unmarshal does: the encoder's records, and what it
// never writes but a reader must still get right (escapes, keys only a
// case-insensitive match makes fields, values of another type, nesting,
// duplicates, not an object, not JSON).
var recordHeadCases = []string{
	`{"type":"session","id":2,"client":"10.0.0.3:4000","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`,
	`{"type":"data","session":1,"id":1,"client":"10.0.0.2:5000","server":"10.0.0.1:40000","first_syn":"2026-01-01T00:00:01Z","armed":"2026-01-01T00:00:00.5Z","observer":"c"}`,
	`{"type":"finding","code":"data-unanswered","session":1,"data":1,"evidence":{"data":"x","id":[1,2,{"session":"no"}]},"observer":"c"}`,
	`{"type":"command","session":1,"index":1,"arg":"a \"quoted\" \\ \u00e9 {\"session\":9}","observer":"c"}`,
	`{"type":"command","session":1,"arg":"é","observer":"c"}`,
	`{"type":"se\u0073sion","id":3}`,
	`{"Type":"session","ID":3}`,
	`{"type":"session","Id":3,"id":4}`,
	`{"type":"session","id":"3"}`,
	`{"type":"session","id":3.5}`,
	`{"type":"session","id":3e2}`,
	`{"type":"session","id":-7}`,
	`{"type":"session","id":99999999999999999999999}`,
	`{"type":"session","id":null}`,
	`{"type":null,"id":1}`,
	`{"type":1,"id":1}`,
	`{"type":"a","type":"b","session":1,"session":2}`,
	`{"data":{"session":1},"session":5}`,
	`{"code":["x"],"session":5}`,
	`{"type":true}`,
	`{"ſession":4,"type":"x"}`,
	`{"ki":1,"\u212a":2}`,
	`{"observer":"c","extra":[[],{},"",0,-1.5e3,true,false,null]}`,
	` { "type" : "session" , "id" : 1 } `,
	`{}`,
	`[]`,
	`null`,
	`"session"`,
	`3`,
	`{"type":"session",`,
	`{"type":"session"}}`,
	`not json`,
	``,
}

func checkRecordHead(t *testing.T, line string) {
	t.Helper()
	var fast, want pointRecordHead
	ok := readRecordHead([]byte(line), &fast)
	wantOK := json.Unmarshal([]byte(line), &want) == nil
	if ok != wantOK || ok && fast != want {
		t.Errorf("%s:\n read %v %+v\n json %v %+v", line, ok, fast, wantOK, want)
	}
}

// TestRecordHeadAsUnmarshal guards readRecordHead: whatever the line,
// the head read and whether it reads at all are json.Unmarshal's, on the
// cases above and on every record of the JSON goldens.
func TestRecordHeadAsUnmarshal(t *testing.T) {
	for _, line := range recordHeadCases {
		checkRecordHead(t, line)
	}
	files, _ := filepath.Glob("testdata/golden/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no JSON golden")
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			checkRecordHead(t, sc.Text())
		}
		f.Close()
	}
}

func FuzzRecordHeadAsUnmarshal(f *testing.F) {
	for _, line := range recordHeadCases {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		checkRecordHead(t, line)
	})
}
