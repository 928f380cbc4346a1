package decode

import (
	"net/netip"
	"testing"
)

// TestControlBytesCountOnlyFTP guards Stats.ControlBytes ("control-stream
// bytes reassembled"): a connection checked for FTP by content (a
// greeting candidate, or one picked up mid-stream) counts its bytes once
// it is FTP, all of them, and none if it is not. The bytes of rejected
// candidates (data connections, mail) were counted, 56 % too many on a
// generated day of sessions, which made pcaps/bench/scaling.sh report
// dropped sessions that were not.
func TestControlBytesCountOnlyFTP(t *testing.T) {
	p2121 := netip.MustParseAddrPort("192.0.2.10:2121")
	smtp := netip.MustParseAddrPort("192.0.2.10:25")
	ftpSteps := []gapStep{
		srv("220 FTP ready\r\n"),
		cli("USER anonymous\r\n"), srv("331 Password please.\r\n"),
		cli("PASS x\r\n"), srv("230 Logged in.\r\n"),
		cli("CWD /pub\r\n"), srv("250 OK.\r\n"),
		cli("PWD\r\n"), srv("257 \"/pub\"\r\n"),
	}
	smtpSteps := []gapStep{
		srv("220 mail.example.com ESMTP\r\n"),
		cli("EHLO client.example.com\r\n"), srv("250-mail.example.com\r\n250 STARTTLS\r\n"),
		cli("MAIL FROM:<a@example.com>\r\n"), srv("250 2.1.0 Ok\r\n"),
	}
	midFTP := ftpSteps[5:]
	midSMTP := []gapStep{
		cli("RCPT TO:<b@example.com>\r\n"), srv("250 2.1.5 Ok\r\n"),
		cli("DATA\r\n"), srv("354 End data with <CR><LF>.<CR><LF>\r\n"),
	}
	total := func(steps []gapStep) uint64 {
		n := 0
		for _, s := range steps {
			n += len(s.text)
		}
		return uint64(n)
	}
	tests := []struct {
		name      string
		server    netip.AddrPort
		handshake bool
		steps     []gapStep
		want      uint64
	}{
		{"greeting candidate that is FTP", p2121, true, ftpSteps, total(ftpSteps)},
		{"greeting candidate that is mail", smtp, true, smtpSteps, 0},
		{"mid-stream FTP", p2121, false, midFTP, total(midFTP)},
		{"mid-stream mail", smtp, false, midSMTP, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(&recorder{}, Options{})
			v := &conv{t: t, d: d, c: convClient, s: tt.server, cseq: 1000, sseq: 5000, ts: convT0}
			if tt.handshake {
				v.handshake()
			}
			for _, s := range tt.steps {
				if s.server {
					v.srv(s.text)
				} else {
					v.cli(s.text)
				}
			}
			if got := d.Stats().ControlBytes; got != tt.want {
				t.Errorf("control_bytes %d, want %d", got, tt.want)
			}
		})
	}
}
