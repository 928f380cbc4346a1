package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExtractSTOUNameInFinalReply guards an STOU whose name the server
// gives only in its final reply (wu-ftpd: "250 … (unique file name:X)"),
// after the first bytes created the file: the record's path is that name
// and the file is renamed to its safe form, no copy left under the first.
func TestExtractSTOUNameInFinalReply(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	k.handshake()
	s.cmd("STOU")
	s.reply("150 Opening BINARY mode data connection.")
	body := wireBody(3000)
	k.fromA(body)
	c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
	s.reply("250 Transfer complete (unique file name:/tmp/x/../../.bashrc\x1b[2J).")
	s.quit()
	files, _, dir := fileRecords(t, path)
	if len(files) != 1 {
		t.Fatalf("%d file records", len(files))
	}
	rec := files[0]
	if rec.Path != "/tmp/x/../../.bashrc\x1b[2J" || rec.File != "s1-d1-bashrc_[2J" || !rec.Complete {
		t.Errorf("path %q file %q complete %v %q", rec.Path, rec.File, rec.Complete, rec.Reasons)
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 || ents[0].Name() != rec.File {
		t.Fatalf("folder holds %v (%v), want only %s", ents, err, rec.File)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, rec.File)); string(got) != string(body) {
		t.Errorf("file holds %d bytes, want the %d sent", len(got), len(body))
	}
}
