package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExtractSharedPassiveEndpoint guards the files of two sessions of
// one client told the same passive endpoint (10.0.0.1:40000): session 1's
// client connects first, and its file must be named for session 1's RETR
// and hold session 1's bytes, session 2's likewise, whether the 150s
// come after the connection (the first one says whose it is) or both
// before it (session 1's 226 as it closes says so: its bytes wait for
// that). Before, the first connection went to session 2, the newest
// announcement, its file "s2-d2-two.bin" holding one.bin's bytes, and
// session 2's own connection made no file at all.
func TestExtractSharedPassiveEndpoint(t *testing.T) {
	for _, prelimFirst := range []bool{false, true} {
		name := "150-after-connect"
		if prelimFirst {
			name = "150s-before-connect"
		}
		t.Run(name, func(t *testing.T) {
			c, path := newWireCap(t)
			s1 := openWireSessionAt(c, 0, 50000)
			s1.loginPASV(0)
			s2 := openWireSessionAt(c, 0, 50010)
			s2.loginPASV(0)
			one, two := wireBody(10000), bytes.Repeat([]byte("two "), 1250)
			if prelimFirst {
				s1.cmd("RETR one.bin")
				s2.cmd("RETR two.bin")
				s1.reply("150 Opening BINARY mode data connection for one.bin (10000 bytes).")
				s2.reply("150 Opening BINARY mode data connection for two.bin (5000 bytes).")
				s1.data.handshake()
			} else {
				s1.data.handshake()
				s1.cmd("RETR one.bin")
				s2.cmd("RETR two.bin")
				s1.reply("150 Opening BINARY mode data connection for one.bin (10000 bytes).")
				s2.reply("150 Opening BINARY mode data connection for two.bin (5000 bytes).")
			}
			s1.data.segments(one, nil)
			s1.data.closeFromB()
			s1.reply("226 Transfer complete.")
			s2.data.handshake()
			s2.data.segments(two, nil)
			s2.data.closeFromB()
			s2.reply("226 Transfer complete.")
			s1.quit()
			s2.quit()
			files, _, st, dir := fileRecordsStats(t, path)
			want := map[int]struct {
				file string
				body []byte
			}{1: {"one.bin", one}, 2: {"two.bin", two}}
			if len(files) != 2 {
				t.Fatalf("%d file records, want 2: %+v (extraction %+v)", len(files), files, st)
			}
			seen := map[int]int{}
			for _, f := range files {
				seen[f.Session]++
				w, ok := want[f.Session]
				got, err := os.ReadFile(filepath.Join(dir, f.File))
				if err != nil {
					t.Fatal(err)
				}
				if !ok || seen[f.Session] > 1 || !strings.HasSuffix(f.File, "-"+w.file) || !bytes.Equal(got, w.body) || !f.Complete {
					t.Errorf("session %d: file %q, %d bytes (sha %.12s), complete %v; want one file, %q with its session's %d bytes",
						f.Session, f.File, len(got), sha(got), f.Complete, w.file, len(w.body))
				}
			}
		})
	}
}

// TestExtractRaceGuessPastHoldKeepsBytes guards the bytes of a connection
// whose session is a guess (both 150s before it: only a 226 as it closes
// settles it) when they pass the hold's bound (heldPayloadMax) before the
// 226 (rt-a's race-prelim-big, 9 MiB): they are written under the
// session guessed then, and counted as such (race_guessed), never
// dropped. Before, the file was not written, its bytes counted as "before
// its transfer command was seen" though the command came first.
func TestExtractRaceGuessPastHoldKeepsBytes(t *testing.T) {
	c, path := newWireCap(t)
	s1 := openWireSessionAt(c, 0, 50000)
	s1.loginPASV(0)
	s2 := openWireSessionAt(c, 0, 50010)
	s2.loginPASV(0)
	one, two := wireBody(heldPayloadMax+1<<20), bytes.Repeat([]byte("two "), 1250)
	s1.cmd("RETR one.bin")
	s2.cmd("RETR two.bin")
	s1.reply("150 Opening BINARY mode data connection for one.bin.")
	s2.reply("150 Opening BINARY mode data connection for two.bin.")
	s1.data.handshake()
	s1.data.segments(one, nil)
	s1.data.closeFromB()
	s1.reply("226 Transfer complete.")
	s2.data.handshake()
	s2.data.segments(two, nil)
	s2.data.closeFromB()
	s2.reply("226 Transfer complete.")
	s1.quit()
	s2.quit()
	files, _, st, dir := fileRecordsStats(t, path)
	if st.NoCommand != 0 || st.RaceGuessed != 1 {
		t.Errorf("no_command %d, race_guessed %d; want 0 and 1", st.NoCommand, st.RaceGuessed)
	}
	found := map[string]bool{}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.File))
		if err != nil {
			t.Fatal(err)
		}
		found[sha(got)] = true
	}
	if !found[sha(one)] || !found[sha(two)] || len(files) != 2 {
		t.Errorf("%d files, one.bin's bytes written %v, two.bin's %v; want both, once each", len(files), found[sha(one)], found[sha(two)])
	}
}

// TestExtractRaceGuessWrittenTakesSettledName guards the name and record
// of a file written under its session's guess (its bytes passed the
// hold: race_guessed): session 1's connection, guessed session 2's (the
// newest announcement), is settled as session 1's by session 1's 226 as
// it closes; its file must then be named for session 1's RETR and its
// record say session 1 and one.bin, with no file left under the guess.
// Unsettled (the capture ends before any 226), the file keeps the guess's
// name and its record says the name is a guess. Before, the settled file
// kept "s2-…-two.bin" and a record of session 2's two.bin holding
// one.bin's bytes, and an unsettled one said nothing of the guess.
func TestExtractRaceGuessWrittenTakesSettledName(t *testing.T) {
	for _, settled := range []bool{true, false} {
		name := "settled"
		if !settled {
			name = "unsettled"
		}
		t.Run(name, func(t *testing.T) {
			c, path := newWireCap(t)
			s1 := openWireSessionAt(c, 0, 50000)
			s1.loginPASV(0)
			s2 := openWireSessionAt(c, 0, 50010)
			s2.loginPASV(0)
			one := wireBody(heldPayloadMax + 1<<20)
			s1.cmd("RETR one.bin")
			s2.cmd("RETR two.bin")
			s1.reply("150 Opening BINARY mode data connection for one.bin.")
			s2.reply("150 Opening BINARY mode data connection for two.bin.")
			s1.data.handshake()
			s1.data.segments(one, nil)
			s1.data.closeFromB()
			if settled {
				s1.reply("226 Transfer complete.")
				s1.quit()
			}
			files, _, st, dir := fileRecordsStats(t, path)
			if st.RaceGuessed != 1 || len(files) != 1 {
				t.Fatalf("race_guessed %d, %d file records; want 1 and 1: %+v", st.RaceGuessed, len(files), files)
			}
			f := files[0]
			got, err := os.ReadFile(filepath.Join(dir, f.File))
			if err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			wantSess, wantPath := 1, "one.bin"
			if !settled {
				wantSess, wantPath = 2, "two.bin"
			}
			guessSaid := slices.ContainsFunc(f.Reasons, func(r string) bool { return strings.Contains(r, "is a guess") })
			if f.Session != wantSess || f.Path != wantPath || !strings.HasPrefix(f.File, fmt.Sprintf("s%d-", wantSess)) ||
				!strings.HasSuffix(f.File, "-"+wantPath) || sha(got) != sha(one) || len(entries) != 1 || guessSaid == settled {
				t.Errorf("record session %d, path %q, file %q (%d in the folder), one.bin's bytes %v, the guess said %v; want session %d, %q, named so, alone, the guess said %v",
					f.Session, f.Path, f.File, len(entries), sha(got) == sha(one), guessSaid, wantSess, wantPath, !settled)
			}
		})
	}
}
