package decode

import (
	"errors"
	"io"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// TestSkipKeepsFrameNumbers: a frame its reader leaves out (read's packet
// filters) is counted by Skip, so the frames after it keep the numbers
// the file gives them, and it counts in no Stats. pasv-reject-icmp.pcap's
// frames 1 and 2 are ARP; USER is frame 8, PASS 11 (tshark).
func TestSkipKeepsFrameNumbers(t *testing.T) {
	src, err := capture.Open("../pcaps/real/pasv-reject-icmp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rec := &recorder{}
	d := New(rec, Options{})
	for frame := 1; ; frame++ {
		data, ci, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if frame <= 2 {
			d.Skip()
			continue
		}
		d.Decode(data, ci, link)
	}
	d.Finish()
	got := map[string]uint64{}
	for _, e := range rec.control {
		if e.Kind == ControlCommand {
			got[e.Command.Verb] = e.Num
		}
	}
	if got["USER"] != 8 || got["PASS"] != 11 {
		t.Errorf("USER at packet %d, PASS at %d; want 8 and 11 (the file's frames)", got["USER"], got["PASS"])
	}
	if st := d.Stats(); st.Packets != 26 || st.NotIP != 0 {
		t.Errorf("Stats: %d packets, %d not IP; want 26 and 0 (skipped frames are not decoded)", st.Packets, st.NotIP)
	}
}
