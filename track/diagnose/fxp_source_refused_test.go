package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestFXPRefusedBySourceCheckIsNotNAT guards the passive half of a
// server-to-server transfer that its server refused for coming from
// another address than its client's (the lab's vsftpd with
// pasv_promiscuous=NO: "425 Security: Bad IP connecting." after
// pyftpdlib, given the endpoint by PORT, connected to it). The
// connection was the other server's, as the client asked: no
// data-source-nat (no NAT, no CGNAT or Docker advice), and no NAT in
// the server's verdict; the finding names the other server's
// connection and the source-check setting.
func TestFXPRefusedBySourceCheckIsNotNAT(t *testing.T) {
	const cli, a, b = "10.77.1.2", "10.77.3.2:21", "10.77.2.2:21"
	r := runExt(t, cli+":40001", a, func(w *wire) {
		w.reply227(ap(a).Addr().As4(), 50003)
		// Session 2, the active server: PORT naming A's endpoint; it
		// connects at once (pyftpdlib) and the handshake completes.
		extSession(w, cli+":40002", b)
		ep := netip.AddrPortFrom(ap(a).Addr(), 50003)
		w.announceActive(ftp.ViaPORT, ep, 200, "Active data connection established.")
		from := netip.AddrPortFrom(ap(b).Addr(), 58877)
		w.helloConn(from, ep, nil, nil)
		// Session 1: A refuses the STOR's connection by its source.
		w.cli, w.srv = ap(cli+":40001"), ap(a)
		w.cmd("STOR up/fxp-copy.bin")
		w.reply(425, "Security: Bad IP connecting.")
	})
	if n := r.has(CodeDataSourceNAT); n != 0 {
		t.Errorf("data-source-nat for an FXP connection refused by the source check:\n%s", r.text())
	}
	f := r.c.find(CodeServerDataError)
	if f == nil {
		t.Fatalf("no server-data-error; got:\n%s", r.text())
	}
	for _, want := range []string{"server-to-server (FXP)", "10.77.2.2:21 in session 2", "pasv_promiscuous=YES", "No NAT"} {
		if !strings.Contains(f.Message+" "+f.Advice, want) {
			t.Errorf("server-data-error lacks %q: %s %s", want, f.Message, f.Advice)
		}
	}
	for _, never := range []string{"CGNAT", "Docker", "userland"} {
		if strings.Contains(r.text(), never) {
			t.Errorf("a finding says %q of an FXP refusal:\n%s", never, r.text())
		}
	}
	for _, v := range r.verdicts {
		if strings.Contains(v, "source NAT") {
			t.Errorf("verdict blames a source NAT: %s", v)
		}
	}
}

// TestFXPRefusedUnseenConnectionWordedAsInference guards the FXP
// refusal's wording when the capture shows no connection from the other
// server (taken on the refusing server's client side, say): that the
// connection came from it is then an inference, said as one, not a fact.
func TestFXPRefusedUnseenConnectionWordedAsInference(t *testing.T) {
	const cli, a, b = "10.77.1.2", "10.77.3.2:21", "10.77.2.2:21"
	r := runExt(t, cli+":40001", a, func(w *wire) {
		w.reply227(ap(a).Addr().As4(), 50003)
		extSession(w, cli+":40002", b)
		ep := netip.AddrPortFrom(ap(a).Addr(), 50003)
		w.announceActive(ftp.ViaPORT, ep, 200, "PORT command successful.")
		w.cli, w.srv = ap(cli+":40001"), ap(a)
		w.cmd("STOR up/fxp-copy.bin")
		w.reply(425, "Security: Bad IP connecting.")
	})
	f := r.c.find(CodeServerDataError)
	if f == nil {
		t.Fatalf("no server-data-error; got:\n%s", r.text())
	}
	if strings.Contains(f.Message, "so the data connection came from that server") || !strings.Contains(f.Message, "most likely came from that server (this capture does not show it)") {
		t.Errorf("an unseen connection's source stated as fact: %s", f.Message)
	}
}
