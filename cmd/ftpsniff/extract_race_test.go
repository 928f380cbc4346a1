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

// TestExtractRaceUnplacedOwnerUnknown guards the bytes of the data
// connections of a race whose owner is unknown (three sessions of one
// client told 10.0.0.1:40000): session 2's connection came when every
// announcement of it was used, one by a guess (data_race_unplaced), and
// session 1's was reported a guess of session 3 before session 3's RETR
// (no transfer command). Each makes a file named for no transfer,
// "s<S>-d<D>-owner-unknown", not complete, its record saying why,
// counted as owner_unknown. Before, neither made a file, counted only as
// bytes before their command (no_command). (The order is one of
// raceOrders' in track: sessions' PASVs, RETRs, 150s, 226s and
// connections interleaved.)
func TestExtractRaceUnplacedOwnerUnknown(t *testing.T) {
	c, path := newWireCap(t)
	var ss [3]*wireSession
	for i := range ss {
		ss[i] = openWireSessionAt(c, 0, uint16(50000+10*i))
		s := ss[i]
		s.reply("220 (vsFTPd 3.0.5)")
		s.cmd("USER alice")
		s.reply("331 Please specify the password.")
		s.cmd("PASS secret")
		s.reply("230 Login successful.")
		s.cmd("TYPE I")
		s.reply("200 Switching to Binary mode.")
	}
	pasv := func(i int) {
		ss[i].cmd("PASV")
		ss[i].reply("227 Entering Passive Mode (10,0,0,1,156,64).")
	}
	bodies := [3][]byte{bytes.Repeat([]byte("zero "), 400), bytes.Repeat([]byte("one "), 700), bytes.Repeat([]byte("two! "), 900)}
	file := func(i int) string { return fmt.Sprintf("f%d.bin", i) }
	retr := func(i int) { ss[i].cmd("RETR " + file(i)) }
	opening := func(i int) {
		ss[i].reply(fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes).", file(i), len(bodies[i])))
	}
	complete := func(i int) { ss[i].reply("226 Transfer complete.") }
	pasv(0)
	pasv(2)
	ss[0].data.handshake()
	retr(0)
	pasv(1)
	opening(0)
	retr(1)
	ss[2].data.handshake()
	ss[0].data.segments(bodies[0], nil)
	ss[0].data.closeFromB()
	complete(0)
	opening(1)
	ss[1].data.handshake()
	retr(2)
	ss[1].data.segments(bodies[1], nil)
	opening(2)
	ss[2].data.segments(bodies[2], nil)
	ss[2].data.closeFromB()
	ss[1].data.closeFromB()
	complete(1)
	complete(2)
	for _, s := range ss {
		s.quit()
	}
	files, _, st, dir := fileRecordsStats(t, path)
	if st.OwnerUnknown != 2 || st.NoCommand != 0 {
		t.Errorf("owner_unknown %d, no_command %d; want 2 and 0", st.OwnerUnknown, st.NoCommand)
	}
	unknown := map[string]string{} // the bytes' sha: the reason that says so
	written := map[string]bool{}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.File))
		if err != nil {
			t.Fatal(err)
		}
		written[sha(got)] = true
		if !strings.HasSuffix(f.File, "-owner-unknown") {
			continue
		}
		i := slices.IndexFunc(f.Reasons, func(r string) bool { return strings.Contains(r, "whose transfer this is is unknown") })
		if f.Complete || i < 0 || f.Path != "" || f.Command != "" || f.File != fmt.Sprintf("s%d-d%d-owner-unknown", f.Session, f.Data) {
			t.Errorf("%q: session %d, command %q, path %q, complete %v, reasons %q; want its owner said unknown, no command, not complete",
				f.File, f.Session, f.Command, f.Path, f.Complete, f.Reasons)
			continue
		}
		unknown[sha(got)] = f.Reasons[i]
	}
	if len(unknown) != 2 || !strings.Contains(unknown[sha(bodies[1])], "data_race_unplaced") || unknown[sha(bodies[0])] == "" {
		t.Errorf("files whose owner is unknown: %q; want session 2's bytes (unplaced) and session 1's", unknown)
	}
	for i, b := range bodies {
		if !written[sha(b)] {
			t.Errorf("session %d's bytes in no file: %+v", i+1, files)
		}
	}
}
