package vantage

import (
	"strings"
	"testing"
	"time"
)

// unfiltered says the captures of points idx hold what a capture filter
// on FTP's ports would have dropped (ARP, as a capture without a filter
// does): a data connection they hold nothing of did not pass them.
func (l *lab) unfiltered(idx ...int) {
	for _, i := range idx {
		l.taps[i].c.NonTCP(2)
	}
}

// TestControlPortCaptureSilenceIsNoLoss guards a server point captured
// with 'port 21' (or 'port ftp or ftp-data'): the data SYN the client
// sent again and again, unanswered (the server host's firewall dropping
// it, say), read syn-lost, "dropped in between", though the capture
// could not have kept it. A point that holds no data connection made as
// this one was, nor anything a filter on FTP's ports would drop, is not
// judged; one that holds ARP, another port's connection or an ICMP
// error kept everything, and its silence is a loss.
func TestControlPortCaptureSilenceIsNoLoss(t *testing.T) {
	for _, tc := range []struct {
		name    string
		capture func(srv *Collector)
		want    Where
		wantSay string
	}{
		{"control connection only", func(*Collector) {}, NotCaptured,
			`holds no data connection of any session made as this one was (passive, to the server)`},
		{"port 20's active connection only", func(srv *Collector) {
			at := t0.Add(3*time.Second + 30*time.Millisecond)
			srv.dataList = append(srv.dataList, &Data{Src: ap("10.1.0.2:20"), Dst: ap("10.0.0.2:49000"), ISN: 55, HaveISN: true,
				SYNs: 1, SYNACKs: 1, FirstSYN: at, LastSYN: at})
		}, NotCaptured, `if "server" captured every packet (no filter), the SYN was dropped between "client" and "server"`},
		{"ARP too", func(srv *Collector) { srv.NonTCP(2) }, LostSYN, "dropped in between"},
		{"another port's connection", func(srv *Collector) {
			at := t0.Add(3*time.Second + 30*time.Millisecond)
			srv.dataList = append(srv.dataList, &Data{Src: ap("10.1.0.9:51000"), Dst: ap("10.1.0.2:22"), ISN: 5, HaveISN: true,
				SYNs: 1, SYNACKs: 1, FirstSYN: at, LastSYN: at})
		}, LostSYN, "dropped in between"},
		{"an ICMP error", func(srv *Collector) { srv.icmpErrors++ }, LostSYN, "dropped in between"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := refusalPoints(func(d *Data) { d.SYNs = 3 }, 63, 60000)
			tc.capture(srv)
			r, err := Merge([]*Collector{cli, srv})
			if err != nil {
				t.Fatal(err)
			}
			var p *Path
			for _, q := range r.Sessions[0].Data {
				if q.Passive {
					p = q
				}
			}
			if p == nil || p.Where != tc.want || !strings.Contains(p.Verdict, tc.wantSay) {
				t.Fatalf("path %+v; want %v saying %q", p, tc.want, tc.wantSay)
			}
		})
	}
}

// TestFurtherFilteredPointNotJudged guards the point past one that was
// not capturing (TestFurtherPointJudgesWhenNextNotCapturing's, the
// server's capture holding no ARP): holding no data connection nor
// anything a port filter drops, it does not judge the SYN lost before it
// either; the verdict says what it would mean if it captured every
// packet.
func TestFurtherFilteredPointNotJudged(t *testing.T) {
	l := newLab(t, "client", "r1pub", "r1priv", "server")
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	l.taps[2].until = l.now
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 1, synTries: 3}, 0)
	c.reply("425 Failed to establish connection.")
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Where != NotCaptured || !strings.Contains(p.Verdict, `if "server" captured every packet (no filter), the SYN was dropped between "r1pub" and "server"`) {
		t.Errorf("where %v (%s); want not-captured, the drop said if the server captured everything", p.Where, p.Verdict)
	}
}

// TestFilteredPointSkippedIsNotCalledNotCapturing guards the note on a
// point a further one judged past: skipped for its capture keeping no
// data connection, it was said "not capturing then" though its packets
// ran on.
func TestFilteredPointSkippedIsNotCalledNotCapturing(t *testing.T) {
	l := newLab(t, "client", "r1pub", "r1priv", "server")
	l.unfiltered(3)
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 1, synTries: 3}, 0)
	c.reply("425 Failed to establish connection.")
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Where != LostSYN || p.After != 1 || p.Before != 3 {
		t.Fatalf("where %v after %d before %d (%s); want syn-lost between r1pub and server", p.Where, p.After, p.Before, p.Verdict)
	}
	if len(p.Gaps) != 1 || !strings.Contains(p.Gaps[0], `whether "r1priv" would have captured it is not known (its capture went on past it`) {
		t.Fatalf("gaps %q; want r1priv's capture filter noted", p.Gaps)
	}
}
