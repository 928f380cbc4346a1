package track_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// orderSink notes, in order, the commands reported and, for each data
// connection, its transfer command and final reply as they stand when it
// is reported (what a record written at once carries).
type orderSink struct{ got []string }

func (o *orderSink) SessionStart(*track.Session)                {}
func (o *orderSink) Event(*track.Session, *track.Event)         {}
func (o *orderSink) SessionEnd(*track.Session)                  { o.got = append(o.got, "end") }
func (o *orderSink) Command(_ *track.Session, c *track.Command) { o.got = append(o.got, "cmd "+c.Verb) }
func (o *orderSink) Data(_ *track.Session, dc *track.DataConn) {
	s := fmt.Sprintf("data %v", dc.Outcome)
	if c := dc.Command; c != nil {
		s += " " + c.Verb + " " + c.Arg
		if f := c.Final(); f != nil {
			s += fmt.Sprintf(" %d", f.Code)
		}
	}
	o.got = append(o.got, s)
}

// TestLateReplayedDataReportedWithItsCommand guards the report of a data
// connection that ran whole before decode confirmed its session (on port
// 2121, by its content): the replay of its held segments finishes it when
// its announcement is armed, before the transfer command that came after
// the announcement reaches the tracker. It is reported with that command
// and its final reply, as when the events come in time; with no transfer
// command, at the session's first event from after the connection's end
// (not held to the session's end).
func TestLateReplayedDataReportedWithItsCommand(t *testing.T) {
	cli, srv := netip.MustParseAddrPort("10.0.0.5:40000"), netip.MustParseAddrPort("10.0.0.9:2121")
	dcli, dsrv := netip.MustParseAddrPort("10.0.0.5:40001"), netip.MustParseAddrPort("10.0.0.9:40000")
	data := func(w *wire) {
		w.send(dcli, dsrv, 7000, 0, syn, "")
		w.send(dsrv, dcli, 8000, 7001, syn|ack, "")
		w.send(dcli, dsrv, 7001, 8001, ack, "")
		w.send(dsrv, dcli, 8001, 7001, psh|ack, "hello")
		w.send(dsrv, dcli, 8006, 7001, fin|ack, "")
		w.send(dcli, dsrv, 7001, 8007, fin|ack, "")
	}
	for _, tc := range []struct {
		name string
		play func(c *conv)
		want []string
	}{
		{"a RETR before the connection's end", func(c *conv) {
			c.server("rectory changed.\r\n227 Entering Passive Mode (10,0,0,9,156,64).\r\n")
			c.client("RETR a.txt\r\n")
			data(c.w)
			c.server("150 Opening.\r\n226 Done.\r\n")
			c.client("QUIT\r\n")
			c.server("221 Bye.\r\n")
		}, []string{"cmd PASV", "data transferred RETR a.txt 226", "cmd RETR", "cmd QUIT", "end"}},
		{"no transfer command", func(c *conv) {
			c.server("rectory changed.\r\n227 Entering Passive Mode (10,0,0,9,156,64).\r\n")
			data(c.w)
			c.client("TYPE I\r\n")
			c.server("200 Switching to Binary mode.\r\n")
			c.client("CWD /pub\r\n")
			c.server("250 Directory successfully changed.\r\n")
			c.client("QUIT\r\n")
			c.server("221 Bye.\r\n")
		}, []string{"cmd PASV", "data transferred", "cmd TYPE", "cmd CWD", "cmd QUIT", "end"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &orderSink{}
			trk := track.New(sink, track.Options{RecentOnly: true})
			w := &wire{now: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC), buf: make([]byte, 0, 256)}
			w.d = decode.New(trk, decode.Options{})
			tc.play(&conv{w: w, cli: cli, srv: srv, cseq: 1000, sseq: 5000})
			w.d.Finish()
			if fmt.Sprint(sink.got) != fmt.Sprint(tc.want) {
				t.Errorf("reported %q\nwant     %q", sink.got, tc.want)
			}
		})
	}
}
