package decode

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// heldLog records the order of segments and of a held frame's notices.
type heldLog struct {
	recorder
	log []string
}

func (h *heldLog) Segment(s *Segment) {
	h.recorder.Segment(s)
	h.log = append(h.log, fmt.Sprintf("seg %d", s.Num))
}
func (h *heldLog) FrameHeld(num uint64)        { h.log = append(h.log, fmt.Sprintf("held %d", num)) }
func (h *heldLog) HeldFrameDecoded(num uint64) { h.log = append(h.log, fmt.Sprintf("done %d", num)) }

// TestHeldFrameHandlerTold: the frame of a forward step of more than 30 s,
// which a file's decoder decodes only with the next packet (or at the
// end), is announced as held when read and as decoded after its events,
// before the next packet's: a writer of packets (read --write) that took
// each packet's events as ending with it lost such a packet (a command
// after an idle NAT timeout, and its reset).
func TestHeldFrameHandlerTold(t *testing.T) {
	h := &heldLog{}
	d := New(h, Options{})
	a := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	a.handshake() // packets 1-3
	a.srv("220 hi\r\n")
	a.cli("USER alice\r\n") // packets 4, 5
	a.ts = a.ts.Add(40 * time.Minute)
	a.cli("NOOP\r\n")   // 6: the step, held
	a.srv("200 ok\r\n") // 7 confirms it
	a.ts = a.ts.Add(time.Hour)
	a.cli("QUIT\r\n") // 8: held until the end
	d.Finish()
	want := []string{"seg 1", "seg 2", "seg 3", "seg 4", "seg 5", "held 6", "seg 6", "done 6", "seg 7", "held 8", "seg 8", "done 8"}
	if !slices.Equal(h.log, want) {
		t.Errorf("got  %v\nwant %v", h.log, want)
	}
}
