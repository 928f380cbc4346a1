package diagnose

import (
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/tlshello"
	"github.com/ftpsniff/ftpsniff/track"
)

// hrrCapture: rclone 1.60.1 (Go crypto/tls) against vsftpd 3.0.3 with
// require_ssl_reuse=YES, explicit FTPS, captured on the client
// (10.99.0.2; server 10.99.0.1) by a reviewer's lab: `rclone lsjson`, then
// `rclone copy`, each with --ftp-explicit-tls --ftp-no-check-certificate;
// both failed with "remote error: tls: illegal parameter". On each data
// connection (10.99.0.1:40028, :40096) the client's ClientHello offers a
// PSK and an X25519 key share; vsftpd answers with a HelloRetryRequest
// (group secp256r1) and a ChangeCipherSpec; the client sends its
// ChangeCipherSpec and a second ClientHello, the PSK offered again; vsftpd
// sends a fatal illegal_parameter alert (15 03 03 00 02 02 2f), in clear,
// and its FIN.
const hrrCapture = "testdata/ftps-reuse-hrr-rclone.pcap"

var hrrDataPorts = []layers.TCPPort{40028, 40096}

// hrrRewritten writes hrrCapture with the server's alert on each data
// connection handled by mode: "warning" makes it a warning-level alert;
// "hole" drops it, so the server's FIN follows bytes the capture lacks;
// "closed" drops it and renumbers what follows as if it was never sent
// (the server closes after the second ClientHello without a word);
// "unclosed" drops it and everything after it on the connection.
func hrrRewritten(t *testing.T, mode string) string {
	t.Helper()
	alertEnd := map[layers.TCPPort]uint32{}
	return rewriteCapture(t, hrrCapture, func(_ int, data *[]byte, _ *gopacket.CaptureInfo, link layers.LinkType) bool {
		p := gopacket.NewPacket(*data, link, gopacket.Default)
		eth, _ := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if eth == nil || ip == nil || tcp == nil {
			return true
		}
		port, fromServer := tcp.SrcPort, true
		if !slices.Contains(hrrDataPorts, port) {
			port, fromServer = tcp.DstPort, false
		}
		if !slices.Contains(hrrDataPorts, port) {
			return true
		}
		end, after := alertEnd[port]
		payload := tcp.Payload
		switch {
		case fromServer && !after && len(payload) == 7 && payload[0] == 21:
			alertEnd[port] = tcp.Seq + 7
			if mode != "warning" {
				return false
			}
			payload = slices.Clone(payload)
			payload[5] = 1
		case !after || mode == "warning" || mode == "hole":
			return true
		case mode == "unclosed":
			return false
		case fromServer:
			tcp.Seq -= 7
		case int32(tcp.Ack-end) >= 0:
			tcp.Ack -= 7
		}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		*data = buf.Bytes()
		return true
	})
}

// TestTLSFailedAfterHelloRetryRequest guards the data connections whose
// TLS handshake the server ended before its ServerHello: read as "TLS
// handshake only", no finding, and a verdict that the data connections
// worked, though no file moved. The recorded rclone run: each data
// connection raises data-tls-failed naming the alert and the retried
// hello that offered a PSK, no data-tls-not-resumed (the handshake never
// got that far), and the verdict counts them instead of saying they
// worked. Variants of the same capture: the server closing after the
// second ClientHello with no alert is the same refusal, said as a close;
// a warning-level alert (the reading stops at it, so a ServerHello after
// it would go unread), the alert's bytes missing from the capture, or no
// close at all raise nothing.
func TestTLSFailedAfterHelloRetryRequest(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		ids     []int    // the data connections that raise data-tls-failed
		want    []string // in each one's evidence and message
		verdict string
		// shape: each data connection is what the variant says (the
		// rewrite did what the case needs).
		shape func(dc *track.DataConn) bool
	}{
		{"", []int{1, 2}, []string{"ClientHello, HelloRetryRequest, ClientHello again (offering psk)", "fatal illegal_parameter(47) alert", "refused the second one, which offered to resume a TLS session (psk)"},
			"the server ended the TLS handshake of 2 data connections before its ServerHello, so no file moved on them",
			func(dc *track.DataConn) bool { return dc.TLSServerAlert() == tlshello.Alert{Level: 2, Description: 47} }},
		// Data #2's client sent its FIN first: no word of the server's.
		{"closed", []int{1}, []string{"ClientHello, HelloRetryRequest, ClientHello again (offering psk)", "then the server's FIN after", "closed the data connection (its FIN)"},
			"the server ended the TLS handshake of 1 data connection before its ServerHello, so no file moved on it",
			func(dc *track.DataConn) bool {
				return dc.TLSServerAlert().IsZero() && !dc.CaptureHole() && dc.EndReason == track.EndFIN
			}},
		{"warning", nil, nil, "", func(dc *track.DataConn) bool {
			return dc.TLSServerAlert() == tlshello.Alert{Level: 1, Description: 47} && dc.TLSHandshakeOnly()
		}},
		{"hole", nil, nil, "", func(dc *track.DataConn) bool { return dc.CaptureHole() && dc.EndReason == track.EndFIN }},
		{"unclosed", nil, nil, "", func(dc *track.DataConn) bool {
			return dc.FINTS[1].IsZero() && dc.EndReason != track.EndRST && dc.TLSHandshakeOnly()
		}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			path := hrrCapture
			if tc.mode != "" {
				path = hrrRewritten(t, tc.mode)
			}
			drec, diag := runData(t, path)
			rec := drec.recorder
			if len(drec.data) != 2 {
				t.Fatalf("%d data connections, want 2\n%s", len(drec.data), render(rec, diag))
			}
			for _, dc := range drec.data {
				if v, seen := dc.TLSHandshake(); !seen || !v.HelloRetry || !v.ClientRetried || !tc.shape(dc) {
					t.Errorf("data #%d is not the %q variant: %+v, ended by %v, hole %v", dc.ID, tc.mode, v, dc.EndReason, dc.CaptureHole())
				}
			}
			var failed []int
			for _, f := range rec.findings {
				switch {
				case f.Code == CodeTLSNotResumed:
					t.Errorf("data-tls-not-resumed on data #%d: the handshake never got past the hellos\n%s", f.Data.ID, render(rec, diag))
				case f.Code != CodeTLSFailed:
				case f.Data == nil || f.Severity != SeverityError || f.Data.Outcome != track.OutcomeConnected:
					t.Errorf("data-tls-failed %+v", f)
				default:
					failed = append(failed, f.Data.ID)
					for _, w := range tc.want {
						if !strings.Contains(f.Evidence+" "+f.Message, w) {
							t.Errorf("data #%d lacks %q:\nevidence: %s\nmessage: %s", f.Data.ID, w, f.Evidence, f.Message)
						}
					}
				}
			}
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries\n%s", len(sums), render(rec, diag))
			}
			if !slices.Equal(failed, tc.ids) {
				t.Errorf("data-tls-failed on data connections %v, want %v\n%s", failed, tc.ids, render(rec, diag))
			}
			if v := sums[0].Verdict; tc.verdict != "" && (strings.Contains(v, "worked") || !strings.Contains(v, tc.verdict)) {
				t.Errorf("verdict %q", v)
			}
		})
	}
}

// TestTLSFailedWithoutRetry: the same refusal with no HelloRetryRequest,
// the server's fatal alert answering the ClientHello itself (a TLS
// version or cipher suites the server does not take), raises
// data-tls-failed naming the alert; a warning alert (a ServerHello may
// follow it unread), a close with no TLS byte from the server (vsftpd's
// source address check closes so), the client's own alert, or a full
// handshake (data-tls-not-resumed's) do not.
func TestTLSFailedWithoutRetry(t *testing.T) {
	ch, sh := tls12Full()
	for _, tc := range []struct {
		name                string
		fromClient, fromSrv []byte
		want                string // in the finding's message; "": no data-tls-failed
	}{
		{"fatal protocol_version", ch, []byte{21, 3, 3, 0, 2, 2, 70}, "fatal protocol_version(70) alert (no TLS version both sides accept) before its ServerHello"},
		{"fatal handshake_failure", ch, []byte{21, 3, 1, 0, 2, 2, 40}, "fatal handshake_failure(40) alert"},
		{"warning unrecognized_name", ch, []byte{21, 3, 3, 0, 2, 1, 112}, ""},
		{"closed without a byte", ch, nil, ""},
		{"the client's fatal alert", append(slices.Clone(ch), 21, 3, 3, 0, 2, 2, 48), nil, ""},
		{"full handshake", ch, sh, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("AUTH TLS")
			w.reply(234, "Proceed with negotiation.")
			w.helloConn(ap("198.51.100.22:50621"), ap("203.0.113.10:40081"), tc.fromClient, tc.fromSrv)
			w.end()
			f := w.c.find(CodeTLSFailed)
			switch {
			case tc.want == "" && f != nil:
				t.Errorf("data-tls-failed: %s", f.Message)
			case tc.want != "" && (f == nil || !strings.Contains(f.Message, tc.want)):
				dumpFindings(t, w.c)
				t.Errorf("no data-tls-failed saying %q", tc.want)
			case tc.want != "":
				if v := w.d.Summaries()[0].Verdict; strings.Contains(v, "worked") {
					t.Errorf("verdict %q", v)
				}
			}
		})
	}
}

// TestTLSFailedNotBlamedOnServerAfterClientAlert: after the server's
// HelloRetryRequest the client sent its own fatal alert
// (handshake_failure) and the server then closed first: the client
// refused the retry, and data-tls-failed read "the server closed the
// data connection ... with no ServerHello and no alert to say why" and
// sent the admin to the server's TLS log. (Written by a reviewer's
// generator: an FTPS session, AUTH TLS, one passive data connection.)
func TestTLSFailedNotBlamedOnServerAfterClientAlert(t *testing.T) {
	drec, diag := runData(t, "testdata/ftps-hrr-client-alert.pcap")
	rec := drec.recorder
	if len(drec.data) != 1 {
		t.Fatalf("%d data connections, want 1\n%s", len(drec.data), render(rec, diag))
	}
	dc := drec.data[0]
	if v, seen := dc.TLSHandshake(); !seen || !v.HelloRetry || v.ClientAlert != (tlshello.Alert{Level: 2, Description: 40}) || !v.ServerAlert.IsZero() {
		t.Fatalf("not the capture's shape: %+v", v)
	}
	for _, f := range rec.findings {
		if f.Code == CodeTLSFailed {
			t.Errorf("data-tls-failed after the client's own alert: %s", f.Message)
		}
	}
}
